import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import { type Actor, systemActor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, isUniqueViolation } from '../../lib/errors.ts';
import type { AccountFilter } from '../accounts/accounts.schema.ts';
import { createAccount, updateAccount } from '../accounts/accounts.ts';
import { createApiKey } from '../apikeys/apikeys.ts';
import { seedCampaignsDemo } from '../campaigns/campaigns.demo.ts';
import { seedConsentDemo } from '../consent/consent.demo.ts';
import { createContact, updateContact } from '../contacts/contacts.ts';
import { createContract } from '../contracts/contracts.ts';
import { createCustomField, listCustomFields } from '../customfields/customfields.ts';
import { evaluateNewEvents, sweep } from '../engine/engine.ts';
import { checkMemberPassword, createMember, memberActor } from '../members/members.ts';
import { seedMessagingDemo } from '../messaging/messaging.demo.ts';
import { activateModelVersion, approveModelVersion, createModelDraft } from '../models/models.ts';
import type { ReleaseCreate } from '../releases/releases.schema.ts';
import { createRelease, publishRelease } from '../releases/releases.ts';
import { createSegment } from '../segments/segments.ts';
import { seedStreamsDemo } from '../streams/streams.demo.ts';
import { recordInteraction } from '../timeline/timeline.ts';
import { createWebhookEndpoint } from '../webhooks/webhooks.ts';
import { createWorkspace, getWorkspace } from '../workspaces/workspaces.ts';
import { DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_POSTAL_ADDRESS, DEMO_WORKSPACE_ID, DEMO_WORKSPACE_NAME, demoMembers, planOptions } from './demo.data.ts';
import { type PlannedAccount, planDemo } from './demo.plan.ts';

export { DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_WORKSPACE_ID } from './demo.data.ts';

export interface DemoProgress {
  progress(label: string, done: number, total: number): void;
}

export interface SeedResult {
  created: boolean;
  email: string;
  password: string;
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
 * Seeds the demo workspace: members, custom fields, about 200 accounts with contacts, contracts and a few
 * months of timeline, saved segments, and the customer-success, high-touch and tech-touch example models
 * (approved and active), swept once as of the clock so the demo opens with moments to do. Deterministic for a given day (seeded generator, dates relative
 * to the clock) and idempotent: when the demo workspace exists nothing is written. One transaction, so an
 * interrupted seed leaves nothing behind and the next start seeds again. With the config, the campaign sent nine days
 * ago has gone out (as .eml files in the data dir's outbox) and has its opens and clicks.
 */
export async function seedDemo(db: Db, clock: Clock, io?: DemoProgress, config?: Config): Promise<SeedResult> {
  const signIn = { email: DEMO_ADMIN_EMAIL, password: DEMO_ADMIN_PASSWORD };
  if (await hasDemoWorkspace(db)) return { created: false, ...signIn };
  const plan = planDemo(clock.now(), DEMO_ACCOUNT_COUNT);
  try {
    await inTransaction(db, async (tx) => {
      await createWorkspace(tx, clock, { id: DEMO_WORKSPACE_ID, name: DEMO_WORKSPACE_NAME, postalAddress: DEMO_POSTAL_ADDRESS });
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
        const member = await createMember(tx, clock, actor, { email, name: spec.name, roles: spec.roles, password: admin ? DEMO_ADMIN_PASSWORD : undefined });
        memberIds.set(spec.key, member.id);
        memberActors.set(spec.key, memberActor({ workspace_id: DEMO_WORKSPACE_ID, id: member.id, name: member.name, roles: member.roles }));
      }
      await createCustomField(tx, clock, actor, { entity: 'account', key: 'plan', label: 'Plan', type: 'select', options: planOptions });
      await createCustomField(tx, clock, actor, { entity: 'account', key: 'nps_owner', label: 'NPS owner', type: 'text' });
      await createCustomField(tx, clock, actor, { entity: 'account', key: 'go_live_date', label: 'Go-live date', type: 'date' });
      const accountFields = await listCustomFields(tx, DEMO_WORKSPACE_ID, 'account');
      const contactFields = await listCustomFields(tx, DEMO_WORKSPACE_ID, 'contact');
      // The demo's records were loaded a while before it opens: what they record is history, not news for the engine
      // (the models run on what changes from now on, as after a real import).
      const loadClock: Clock = { now: () => new Date(clock.now().getTime() - DEMO_LOAD_LEAD_MS) };
      const ctx = { tx, clock: loadClock, actor, memberIds, memberActors, accountFields, contactFields };
      const seeded: SeededAccount[] = [];
      for (const [i, planned] of plan.entries()) {
        seeded.push(await seedAccount(ctx, planned));
        io?.progress('Seeding demo accounts', i + 1, plan.length);
      }
      for (const segment of demoSegments) await createSegment(tx, clock, actor, segment);
      const admin = memberActors.get('admin');
      if (!admin) throw new Error('The demo team has no admin');
      await seedConsentDemo(tx, clock, admin, seeded);
      await seedMessagingDemo(tx, clock, admin);
      await seedStreamsDemo(tx, clock, admin, seeded);
      await seedCampaignsDemo(tx, clock, admin, seeded, config);
      await runDemoModels(tx, clock, actor, admin);
      await seedDemoNews(tx, clock, admin, seeded, memberIds);
      // Disabled: the demo sends nothing anywhere; the page shows what an endpoint looks like.
      await createWebhookEndpoint(tx, clock, admin, DEMO_WEBHOOK, { allowPrivate: [], resolve: false });
      // Keys as a team sets them up: their secrets are random and shown to no one (the page shows expiry and last use).
      for (const key of DEMO_API_KEYS) {
        await createApiKey(tx, clock, admin, {
          name: key.name,
          scopes: key.scopes,
          expiresAt: key.expiresInDays ? new Date(clock.now().getTime() + key.expiresInDays * 86_400_000).toISOString() : null,
        });
      }
    });
  } catch (error) {
    // Another process seeded it first (two starts at once on PostgreSQL): that is the idempotent outcome.
    if (isUniqueViolation(error) && (await hasDemoWorkspace(db))) return { created: false, ...signIn };
    throw error;
  }
  return { created: true, ...signIn };
}

/**
 * Stores each example model as a draft written by the seed, has the demo admin approve (four eyes: the author is
 * not the approver) and activate it, then runs one engine sweep as of the clock: accounts are engaged and the
 * moments due by now are opened.
 */
async function runDemoModels(tx: Db, clock: Clock, author: Actor, admin: Actor): Promise<void> {
  for (const file of DEMO_MODEL_FILES) {
    const source = readFileSync(join(exampleModelsDir, file), 'utf8');
    const draft = await createModelDraft(tx, clock, author, { source, file });
    await approveModelVersion(tx, clock, admin, draft.modelId, draft.version);
    await activateModelVersion(tx, clock, admin, draft.modelId, draft.version);
  }
  await sweep(tx, clock, { workspaceId: author.workspaceId });
}

/** How long before the demo opens its records were loaded (longer than the engine's event lookback). */
const DEMO_LOAD_LEAD_MS = 10 * 60 * 1000;

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
  clock: Clock;
  actor: Actor;
  memberIds: Map<string, string>;
  memberActors: Map<string, Actor>;
  accountFields: Awaited<ReturnType<typeof listCustomFields>>;
  contactFields: Awaited<ReturnType<typeof listCustomFields>>;
}

async function seedAccount(ctx: SeedContext, planned: PlannedAccount): Promise<SeededAccount> {
  const { tx, clock, actor } = ctx;
  const member = (key: string) => ctx.memberIds.get(key) ?? null;
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
      team: { csm: member(planned.team.csm), account_manager: member(planned.team.account_manager) },
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
    await createContract(tx, clock, actor, {
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
    await recordInteraction(tx, clock, recorder ?? actor, {
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
