import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import { type Actor, systemActor } from '../../lib/actor.ts';
import { type Clock, fixedClock } from '../../lib/clock.ts';
import { AppError, isUniqueViolation } from '../../lib/errors.ts';
import type { AccountFilter } from '../accounts/accounts.schema.ts';
import { type AccountInput, createAccount, getAccount, updateAccount } from '../accounts/accounts.ts';
import { createApiKey } from '../apikeys/apikeys.ts';
import { seedCampaignsDemo } from '../campaigns/campaigns.demo.ts';
import { seedConsentDemo } from '../consent/consent.demo.ts';
import { createContact, updateContact } from '../contacts/contacts.ts';
import { createContract } from '../contracts/contracts.ts';
import { createCustomField, listCustomFields } from '../customfields/customfields.ts';
import { evaluateNewEvents, sweep } from '../engine/engine.ts';
import { ingestEvents } from '../events/events.ts';
import { checkMemberPassword, createMember, memberActor } from '../members/members.ts';
import { seedMessagingDemo } from '../messaging/messaging.demo.ts';
import { createMetric, type MetricInput } from '../metrics/metrics.ts';
import { activateModelVersion, approveModelVersion, createModelDraft } from '../models/models.ts';
import { completeMoment, listMyMoments, type MomentInstance } from '../moments/moments.ts';
import type { ReleaseCreate } from '../releases/releases.schema.ts';
import { createRelease, publishRelease } from '../releases/releases.ts';
import { createSegment } from '../segments/segments.ts';
import { seedStreamsDemo } from '../streams/streams.demo.ts';
import { recordInteraction } from '../timeline/timeline.ts';
import { createWebhookEndpoint } from '../webhooks/webhooks.ts';
import { createWorkspace, getWorkspace } from '../workspaces/workspaces.ts';
import { DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_POSTAL_ADDRESS, DEMO_WORKSPACE_ID, DEMO_WORKSPACE_NAME, demoMembers, planOptions } from './demo.data.ts';
import { type PlannedAccount, planDemo } from './demo.plan.ts';
import {
  accountLoadedAt,
  DEMO_HISTORY_DAYS,
  DEMO_MODELS_LIVE_DAYS,
  DEMO_SWEEP_EVERY_DAYS,
  productUsers,
  type UsageMessage,
  usageMessages,
} from './demo.usage.ts';

export { DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_WORKSPACE_ID } from './demo.data.ts';

export interface DemoProgress {
  progress(label: string, done: number, total: number): void;
}

export interface SeedResult {
  created: boolean;
  email: string;
  password: string;
  /** What a new demo holds (only when this call created it). */
  summary?: { accounts: number; productEvents: number; openMoments: number };
}

export const DEMO_ACCOUNT_COUNT = 200;

/** The example engagement models the demo runs (examples/models/README.md): customer success, high touch and tech touch. */
export const DEMO_MODEL_FILES = ['customer-success.yaml', 'high-touch.yaml', 'tech-touch.yaml'] as const;
const exampleModelsDir = join(import.meta.dirname, '../../../examples/models');

const demoSegments: { name: string; description: string; filter: AccountFilter }[] = [
  {
    name: 'High touch EMEA',
    description: 'High-touch accounts in Europe, the Middle East and Africa',
    filter: {
      conditions: [
        { field: 'touch_model', op: 'eq', value: 'high' },
        { field: 'region', op: 'eq', value: 'EMEA' },
      ],
    },
  },
  {
    name: 'Renewing in 90 days',
    description: 'Accounts whose next renewal falls within the next 90 days',
    filter: { conditions: [{ field: 'next_renewal_date', op: 'within_days', value: 90 }] },
  },
  {
    name: 'Tech touch',
    description: 'Accounts engaged through digital, one-to-many programmes',
    filter: { conditions: [{ field: 'touch_model', op: 'eq', value: 'tech' }] },
  },
  {
    name: 'Value Created culture',
    description: 'Customers who buy outcomes they build with us (the Value Created buying culture)',
    filter: { conditions: [{ field: 'buying_culture', op: 'eq', value: 'value_created' }] },
  },
  {
    name: 'Strategic (ARR >= 100k)',
    description: 'Accounts with at least 100,000 of annual recurring revenue',
    filter: { conditions: [{ field: 'arr', op: 'gte', value: 100_000 }] },
  },
];

/** Whether the demo workspace exists (whatever has happened to it since). */
export async function hasDemoWorkspace(db: Db): Promise<boolean> {
  try {
    await getWorkspace(db, DEMO_WORKSPACE_ID);
    return true;
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return false;
    throw error;
  }
}

/** Whether the demo admin can still sign in with the demo password (only then is it worth printing). */
export async function demoSignInWorks(db: Db): Promise<boolean> {
  return (await hasDemoWorkspace(db)) && (await checkMemberPassword(db, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD));
}

/**
 * Seeds the demo workspace: members, custom fields, metrics, about 200 accounts with contacts, contracts and a few
 * months of timeline, saved segments, and the customer-success, high-touch and tech-touch example models. The demo
 * has a history: its records were loaded and its models went live eight weeks ago (DEMO_MODELS_LIVE_DAYS), new
 * customers were added on their start dates, and 90 days of product usage arrive day by day through the real
 * ingestion path (Segment identify, group and track messages) while the engine sweeps weekly and the team works
 * most of its moments, so the demo opens with moments done, overdue, due and upcoming for every member, some opened
 * by metric and absence rules. Deterministic for a given day (seeded generators, dates relative to the clock) and
 * idempotent: when the demo workspace exists nothing is written. One transaction, so an interrupted seed leaves
 * nothing behind and the next start seeds again. With the config, the campaign sent nine days ago has gone out (as
 * .eml files in the data dir's outbox) and has its opens and clicks.
 */
export async function seedDemo(db: Db, clock: Clock, io?: DemoProgress, config?: Config): Promise<SeedResult> {
  const signIn = { email: DEMO_ADMIN_EMAIL, password: DEMO_ADMIN_PASSWORD };
  if (await hasDemoWorkspace(db)) return { created: false, ...signIn };
  const now = clock.now();
  const plan = planDemo(now, DEMO_ACCOUNT_COUNT);
  // The team set Momentum up the day before the models went live.
  const setUp = fixedClock(new Date(now.getTime() - (DEMO_MODELS_LIVE_DAYS + 1) * DAY));
  let summary: SeedResult['summary'];
  try {
    await inTransaction(db, async (tx) => {
      await createWorkspace(tx, setUp, { id: DEMO_WORKSPACE_ID, name: DEMO_WORKSPACE_NAME, postalAddress: DEMO_POSTAL_ADDRESS });
      const actor = systemActor(DEMO_WORKSPACE_ID, 'demo seed');
      const memberIds = new Map<string, string>();
      const memberActors = new Map<string, Actor>();
      for (const spec of demoMembers) {
        const admin = spec.key === 'admin';
        const email = admin
          ? DEMO_ADMIN_EMAIL
          : `${spec.name
              .split(' ')[0]
              ?.normalize('NFD')
              .replace(/[^A-Za-z]/g, '')
              .toLowerCase()}@momentum.demo`;
        const member = await createMember(tx, setUp, actor, { email, name: spec.name, roles: spec.roles, password: admin ? DEMO_ADMIN_PASSWORD : undefined });
        memberIds.set(spec.key, member.id);
        memberActors.set(spec.key, memberActor({ workspace_id: DEMO_WORKSPACE_ID, id: member.id, name: member.name, roles: member.roles }));
      }
      await createCustomField(tx, setUp, actor, { entity: 'account', key: 'plan', label: 'Plan', type: 'select', options: planOptions });
      await createCustomField(tx, setUp, actor, { entity: 'account', key: 'nps_owner', label: 'NPS owner', type: 'text' });
      await createCustomField(tx, setUp, actor, { entity: 'account', key: 'go_live_date', label: 'Go-live date', type: 'date' });
      const accountFields = await listCustomFields(tx, DEMO_WORKSPACE_ID, 'account');
      const contactFields = await listCustomFields(tx, DEMO_WORKSPACE_ID, 'contact');
      const admin = memberActors.get('admin');
      if (!admin) throw new Error('The demo team has no admin');
      // Metrics first: a sum metric registers its property, so the daily sums are kept as events arrive.
      for (const metric of DEMO_METRICS) await createMetric(tx, setUp, admin, metric);
      // The product's Segment source, set up with the metrics: every product event arrives with this key.
      const segmentKey = await createApiKey(tx, setUp, admin, { name: DEMO_SEGMENT_KEY, scopes: ['ingest'], expiresAt: null });
      const ctx = { tx, now, actor, memberIds, memberActors, accountFields, contactFields };
      const seeded: SeededAccount[] = [];
      for (const [i, planned] of plan.entries()) {
        seeded.push(await seedAccount(ctx, planned));
        io?.progress('Seeding demo accounts', i + 1, plan.length);
      }
      for (const segment of demoSegments) await createSegment(tx, clock, actor, segment);
      await seedConsentDemo(tx, clock, admin, seeded);
      await seedMessagingDemo(tx, clock, admin);
      await seedStreamsDemo(tx, clock, admin, seeded);
      await seedCampaignsDemo(tx, clock, admin, seeded, config);
      const keyActor: Actor = {
        workspaceId: DEMO_WORKSPACE_ID,
        type: 'api_key',
        id: segmentKey.apiKey.id,
        name: `API key ${DEMO_SEGMENT_KEY}`,
        roles: [],
        scopes: ['ingest'],
      };
      const productEvents = await runDemoHistory(tx, now, { author: actor, admin, keyActor, memberActors, plan }, io);
      await seedDemoNews(tx, clock, admin, seeded, memberIds);
      // Disabled: the demo sends nothing anywhere; the page shows what an endpoint looks like.
      await createWebhookEndpoint(tx, clock, admin, DEMO_WEBHOOK, { allowPrivate: [], resolve: false });
      // Keys as a team sets them up: their secrets are random and shown to no one (the page shows expiry and last use).
      for (const key of DEMO_API_KEYS.filter((k) => k.name !== DEMO_SEGMENT_KEY)) {
        await createApiKey(tx, clock, admin, {
          name: key.name,
          scopes: key.scopes,
          expiresAt: key.expiresInDays ? new Date(clock.now().getTime() + key.expiresInDays * 86_400_000).toISOString() : null,
        });
      }
      const open = await listMyMoments(tx, clock, admin, 'open', 100_000, { member: 'team' });
      summary = { accounts: seeded.length, productEvents, openMoments: open.length };
    });
  } catch (error) {
    // Another process seeded it first (two starts at once on PostgreSQL): that is the idempotent outcome.
    if (isUniqueViolation(error) && (await hasDemoWorkspace(db))) return { created: false, ...signIn };
    throw error;
  }
  return { created: true, ...signIn, summary };
}

const DAY = 86_400_000;

/** The metrics the demo defines over its product events (the models' metric and absence rules read the first two). */
export const DEMO_METRICS: MetricInput[] = [
  { key: 'weekly_active_users', label: 'Active users', kind: 'distinct_users', eventName: 'Logged In' },
  { key: 'reports_viewed', label: 'Reports viewed', kind: 'count', eventName: 'Report Viewed' },
  { key: 'rows_exported', label: 'Rows exported', kind: 'sum', eventName: 'Export Downloaded', property: 'rows' },
  { key: 'dashboards_created', label: 'Dashboards created', kind: 'count', eventName: 'Dashboard Created' },
  { key: 'last_login', label: 'Last login', kind: 'last_seen', eventName: 'Logged In' },
];

/** The API key the product's events arrive with. */
const DEMO_SEGMENT_KEY = 'Segment (product events)';

/** Segment's limit is 2,500 messages a batch; the demo sends a day's messages in batches of this many. */
const DEMO_BATCH = 2_000;

interface HistoryContext {
  author: Actor;
  admin: Actor;
  keyActor: Actor;
  memberActors: Map<string, Actor>;
  plan: PlannedAccount[];
}

/**
 * The demo's last 90 days, day by day: the day's product usage arrives through the ingestion path (as the
 * product's SDK sends it, with the Segment key), the models go live DEMO_MODELS_LIVE_DAYS ago (written by the seed,
 * approved and activated by the demo admin: four eyes), and from then on, every DEMO_SWEEP_EVERY_DAYS, the team
 * works the moments it has (most done on time, some late, some skipped, some still open) and the engine sweeps:
 * accounts are engaged, phases advance, and scheduled, event, metric, absence and expectation rules open moments.
 * The last sweep is as of the clock. Returns how many product events were stored.
 */
async function runDemoHistory(tx: Tx, now: Date, h: HistoryContext, io?: DemoProgress): Promise<number> {
  const users = h.plan.map((account) => productUsers(account));
  const seen = new Set<string>();
  const membersById = new Map([...h.memberActors.values()].map((a) => [a.id, a]));
  let stored = 0;
  for (let daysAgo = DEMO_HISTORY_DAYS - 1; daysAgo >= 0; daysAgo--) {
    const end = fixedClock(new Date(now.getTime() - daysAgo * DAY));
    const messages: UsageMessage[] = h.plan.flatMap((account, i) => usageMessages(account, users[i] ?? [], now, daysAgo, seen));
    for (let i = 0; i < messages.length; i += DEMO_BATCH) {
      const result = await ingestEvents(tx, end, h.keyActor, { messages: messages.slice(i, i + DEMO_BATCH) });
      if (result.dropped > 0) throw new Error(`The demo's product events were refused: ${JSON.stringify(result.errors.slice(0, 3))}`);
      stored += result.stored;
    }
    if (daysAgo === DEMO_MODELS_LIVE_DAYS) await activateDemoModels(tx, end, h.author, h.admin);
    if (daysAgo <= DEMO_MODELS_LIVE_DAYS && daysAgo % DEMO_SWEEP_EVERY_DAYS === 0) {
      await workOnMoments(tx, end.now(), h.admin, membersById);
      // The engine's set-based queries are planned from table statistics, which a transaction that has just written
      // tens of thousands of rows does not have yet (autovacuum only sees committed rows): without them a sweep takes
      // seconds instead of a fraction of one. ANALYZE samples this transaction's own rows.
      await sql`analyze events, event_rollups, event_property_sums, engagements, moment_instances`.execute(tx);
      await sweep(tx, end, { workspaceId: h.author.workspaceId });
    }
    io?.progress('Replaying 90 days of product usage and moments', DEMO_HISTORY_DAYS - daysAgo, DEMO_HISTORY_DAYS);
  }
  return stored;
}

/** Stores each example model as a draft written by the seed; the demo admin approves (the author is not the approver) and activates it. */
async function activateDemoModels(tx: Db, clock: Clock, author: Actor, admin: Actor): Promise<void> {
  for (const file of DEMO_MODEL_FILES) {
    const source = readFileSync(join(exampleModelsDir, file), 'utf8');
    const draft = await createModelDraft(tx, clock, author, { source, file });
    await approveModelVersion(tx, clock, admin, draft.modelId, draft.version);
    await activateModelVersion(tx, clock, admin, draft.modelId, draft.version);
  }
}

/** A number in [0, 1) from a string (FNV-1a): the same moment always gets the same fate, whatever the database's ids. */
function unit(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0) / 4294967296;
}

const doneNotes = [
  'Done: agreed next steps with the customer; notes in the CRM.',
  'Held with the champion; the plan and owners are in the success plan.',
  'Done. The customer is on track; follow-ups sent.',
  'Covered on the weekly call; nothing open.',
];

/**
 * The team's work up to `until`: each open moment assigned to a member has a fate decided by its identity (account,
 * model, moment and when it opened): about 60% done before they are due, 18% done late, 5% skipped, the rest still
 * open. Those whose time has come are completed now, as their assignee, at that time.
 */
async function workOnMoments(tx: Tx, until: Date, admin: Actor, members: Map<string | null, Actor>): Promise<void> {
  const asOf = fixedClock(until);
  const open = await listMyMoments(tx, asOf, admin, 'open', 100_000, { member: 'team' });
  const plans = open.flatMap((m) => {
    const assignee = members.get(m.assignee.memberId);
    if (!assignee) return [];
    const identity = `${m.account.name}|${m.model?.key ?? ''}|${m.moment.id}|${m.openedAt}`;
    const fate = unit(identity);
    const when = unit(`${identity}#`);
    const opened = Date.parse(m.openedAt);
    const due = Date.parse(m.dueAt);
    const span = Math.max(due - opened, DAY);
    let at: number;
    let status: 'done' | 'skipped' = 'done';
    if (fate < 0.5) at = opened + (0.4 + 0.6 * when) * span;
    else if (fate < 0.72) at = Math.max(due, opened) + (0.1 + when) * 6 * DAY;
    else if (fate < 0.77) {
      at = opened + when * span;
      status = 'skipped';
    } else return [];
    return at <= until.getTime()
      ? [{ id: m.id, moment: m, at, status, assignee, note: doneNotes[Math.floor(when * doneNotes.length)] as string, edit: unit(`${identity}@`) }]
      : [];
  });
  plans.sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
  for (const p of plans) {
    const at = fixedClock(new Date(Math.round(p.at)));
    await completeMoment(tx, at, p.assignee, p.id, {
      status: p.status,
      notes: p.status === 'done' ? p.note : 'Not needed this time: covered in another conversation.',
    });
    if (p.status === 'done') await keepAccountCurrent(tx, at, p.assignee, p.moment, p.edit);
  }
}

/**
 * Working a moment, the member keeps the account's record current: a customer whose usage stopped or fell is tagged
 * at-risk, one invited to advocate a reference, and now and then the CSM records who owns NPS. So each account's
 * "Updated" is when someone last changed it, not the day the demo loaded it.
 */
async function keepAccountCurrent(tx: Tx, clock: Clock, member: Actor, m: MomentInstance, chance: number): Promise<void> {
  const account = await getAccount(tx, member, m.account.id);
  const tag = m.rule === 'absence' || m.moment.id.includes('usage') ? 'at-risk' : m.moment.id.includes('advocacy') ? 'reference' : undefined;
  let input: AccountInput | undefined;
  if (tag) input = account.tags.includes(tag) ? undefined : { tags: [...account.tags, tag].sort() };
  else if (chance < 0.3 && account.custom.nps_owner !== member.name) input = { custom: { nps_owner: member.name } };
  if (input) await updateAccount(tx, clock, member, account.id, input);
}

interface SeededAccount {
  planned: PlannedAccount;
  accountId: string;
  contacts: { id: string; persona: string; name: string }[];
}

/** A webhook endpoint as a team would set one up for its CRM, left disabled (example.com receives nothing). */
export const DEMO_WEBHOOK = {
  url: 'https://crm.example.com/hooks/momentum',
  description: 'Example: sponsor changes, renewals and phase changes for the CRM. Point it at your receiver and enable it.',
  events: ['Sponsor Changed', 'Contract Renewed', 'Phase Entered'],
  enabled: false,
};

/** API keys as a team would have them: the product's Segment source, and a CRM sync that must be rotated yearly. */
export const DEMO_API_KEYS: { name: string; scopes: ('admin' | 'ingest')[]; expiresInDays: number | null }[] = [
  { name: 'Segment (product events)', scopes: ['ingest'], expiresInDays: null },
  { name: 'CRM sync', scopes: ['admin'], expiresInDays: 365 },
];

/** The release the demo publishes: Analytics Suite owners get Product Released. */
export const DEMO_RELEASE: Omit<ReleaseCreate, 'releasedOn'> = {
  name: 'Analytics Suite 2027.1',
  offerings: ['Analytics Suite'],
  notesUrl: 'https://momentum.demo/releases/analytics-2027-1',
  description: 'Self-service dashboards, scheduled exports and a process benchmark against peers.',
  audiencePersona: 'admin',
};

/**
 * What happens as the demo opens, by its admin, so the engine reacts as it would in real use: a low-touch customer
 * replaces its executive sponsor (a new one promoted, the old one leaves), the admin takes over as CSM of another (the
 * new-CSM introduction lands in their My moments), and a release of Analytics Suite is published to its owners.
 */
async function seedDemoNews(tx: Db, clock: Clock, admin: Actor, seeded: SeededAccount[], memberIds: Map<string, string>): Promise<void> {
  const ongoing = seeded.filter((s) => s.planned.touchModel === 'low' && s.planned.phase === 'ongoing');
  const sponsorChange = ongoing.find((s) => s.contacts.some((c) => c.persona === 'executive_sponsor') && s.contacts.some((c) => c.persona === 'champion'));
  if (sponsorChange) {
    const leaving = sponsorChange.contacts.find((c) => c.persona === 'executive_sponsor');
    const promoted = sponsorChange.contacts.find((c) => c.persona === 'champion');
    if (leaving && promoted) {
      await updateContact(tx, clock, admin, promoted.id, { persona: 'executive_sponsor', title: 'Chief Operating Officer' });
      await updateContact(tx, clock, admin, leaving.id, { leftAt: clock.now().toISOString() });
    }
  }
  const adminId = memberIds.get('admin');
  const handover = ongoing.find((s) => s !== sponsorChange && s.planned.team.csm !== 'admin');
  if (handover && adminId) await updateAccount(tx, clock, admin, handover.accountId, { team: { csm: adminId } });
  const release = await createRelease(tx, clock, admin, { ...DEMO_RELEASE, releasedOn: clock.now().toISOString().slice(0, 10) });
  await publishRelease(tx, clock, admin, release.id);
  await evaluateNewEvents(tx, clock, admin.workspaceId);
}

interface SeedContext {
  tx: Db;
  /** The demo's today: each account is loaded as of accountLoadedAt (demo.usage.ts). */
  now: Date;
  actor: Actor;
  memberIds: Map<string, string>;
  memberActors: Map<string, Actor>;
  accountFields: Awaited<ReturnType<typeof listCustomFields>>;
  contactFields: Awaited<ReturnType<typeof listCustomFields>>;
}

/**
 * One account as it was loaded: its profile, team and contacts when it was loaded, each contract when it was signed
 * (or with the account, if earlier) and each timeline entry when it happened (or with the account, for history).
 */
async function seedAccount(ctx: SeedContext, planned: PlannedAccount): Promise<SeededAccount> {
  const { tx, actor } = ctx;
  const loadedAt = accountLoadedAt(ctx.now, planned).getTime();
  const clock = fixedClock(new Date(loadedAt));
  const at = (ms: number) => fixedClock(new Date(Math.max(loadedAt, ms)));
  const member = (key: string | null) => (key ? (ctx.memberIds.get(key) ?? null) : null);
  const account = await createAccount(
    tx,
    clock,
    actor,
    {
      externalId: planned.externalId,
      name: planned.name,
      domain: planned.domain,
      industry: planned.industry,
      region: planned.region,
      employeeBand: planned.employeeBand,
      offerings: planned.offerings,
      tags: planned.tags,
      buyingCulture: planned.buyingCulture,
      touchModel: planned.touchModel,
      targetDigitalType: planned.targetDigitalType,
      phase: planned.phase,
      custom: planned.custom,
      team: {
        csm: member(planned.team.csm),
        account_manager: member(planned.team.account_manager),
        marketing: member(planned.team.marketing),
        support: member(planned.team.support),
        executive: member(planned.team.executive),
      },
    },
    ctx.accountFields,
  );
  const contactIds: string[] = [];
  const contacts: SeededAccount['contacts'] = [];
  for (const c of planned.contacts) {
    const contact = await createContact(
      tx,
      clock,
      actor,
      { accountId: account.id, name: c.name, email: c.email, title: c.title, persona: c.persona },
      ctx.contactFields,
    );
    contactIds.push(contact.id);
    contacts.push({ id: contact.id, persona: contact.persona, name: contact.name });
  }
  for (const [n, c] of planned.contracts.entries()) {
    await createContract(tx, at(Date.parse(`${c.startDate}T08:00:00Z`)), actor, {
      accountId: account.id,
      externalId: `${planned.externalId.replace('ACC', 'CTR')}-${n + 1}`,
      name: c.name,
      status: c.status,
      startDate: c.startDate,
      endDate: c.endDate,
      renewalDate: c.renewalDate,
      autoRenew: c.autoRenew,
      services: c.services,
      supportEntitlement: c.supportEntitlement,
      lineItems: c.lineItems,
    });
  }
  for (const entry of planned.interactions) {
    const by = entry.recordedBy;
    const recorder = 'member' in by ? ctx.memberActors.get(by.member) : systemActor(actor.workspaceId, by.system);
    await recordInteraction(tx, at(entry.occurredAt.getTime()), recorder ?? actor, {
      accountId: account.id,
      contactId: contactIds[entry.contact] ?? null,
      occurredAt: entry.occurredAt,
      kind: entry.kind,
      channel: entry.channel,
      digital: entry.digital,
      summary: entry.summary,
    });
  }
  return { planned, accountId: account.id, contacts };
}
