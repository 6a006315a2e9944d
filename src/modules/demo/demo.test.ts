import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { testClock } from '../../../test/factories.ts';
import { ensureDemo } from '../../cli/demo.ts';
import { loadConfig } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { systemActor } from '../../lib/actor.ts';
import { listAccounts } from '../accounts/accounts.ts';
import { listApiKeys } from '../apikeys/apikeys.ts';
import { campaignStats, listCampaigns } from '../campaigns/campaigns.ts';
import { listContacts } from '../contacts/contacts.ts';
import { listContracts } from '../contracts/contracts.ts';
import { listEvents } from '../events/events.ts';
import { getHome } from '../home/home.ts';
import { checkMemberPassword, listMembers, memberActor, updateMember } from '../members/members.ts';
import { accountMetrics, listMetrics } from '../metrics/metrics.ts';
import { listModels } from '../models/models.ts';
import { listAccountMoments, listMyMoments } from '../moments/moments.ts';
import { listReleases } from '../releases/releases.ts';
import { listSegments } from '../segments/segments.ts';
import { listTimeline } from '../timeline/timeline.ts';
import { listWebhookEndpoints } from '../webhooks/webhooks.ts';
import { planDemo } from './demo.plan.ts';
import { DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_METRICS, DEMO_RELEASE, DEMO_WORKSPACE_ID, demoSignInWorks, type SeedResult, seedDemo } from './demo.ts';
import { DEMO_HISTORY_DAYS } from './demo.usage.ts';

const clock = testClock('2026-06-01T09:00:00Z');
const actor = systemActor(DEMO_WORKSPACE_ID);
let first: TestDatabase;
let second: TestDatabase;
let seeded: SeedResult;
const dataDir = mkdtempSync(join(tmpdir(), 'momentum-demo-test-'));
const config = loadConfig({}, { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789', MOMENTUM_DATA_DIR: dataDir });

beforeAll(async () => {
  [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  seeded = await seedDemo(first.db, clock, undefined, config);
}, 240_000);
afterAll(async () => {
  await first?.dispose();
  await second?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

async function allAccounts(db: Db) {
  return (await listAccounts(db, clock, actor, { filter: { conditions: [] }, sort: 'name', limit: 500 })).items;
}

/** A fingerprint of what a user sees: accounts with their profile and revenue, contacts and contracts. */
async function digest(db: Db): Promise<string> {
  const hash = createHash('sha256');
  for (const a of await allAccounts(db)) {
    hash.update(JSON.stringify([a.name, a.domain, a.region, a.touchModel, a.buyingCulture, a.phase, a.arr, a.nextRenewalDate, a.offerings, a.tags, a.custom]));
    const timeline = (await listTimeline(db, actor, a.id, { limit: 100 })).items;
    hash.update(JSON.stringify(timeline.map((t) => JSON.stringify([t.occurredAt, t.kind, t.channel, t.digital, t.actor, t.summary])).sort()));
    const moments = await listAccountMoments(db, clock, actor, a.id);
    hash.update(JSON.stringify(moments.map((m) => JSON.stringify([m.model?.key, m.moment.id, m.rule, m.status, m.openedAt, m.dueAt, m.assignee.name])).sort()));
  }
  const contacts = await listContacts(db, actor, { limit: 5000 });
  // Sorted by email: the list orders by name, then by random id, and two accounts may each have a Mia Chen.
  for (const c of [...contacts.items].sort((x, y) => x.email.localeCompare(y.email))) hash.update(JSON.stringify([c.name, c.email, c.persona, c.title]));
  const contracts = await listContracts(db, actor, { limit: 5000 });
  for (const c of [...contracts.items].sort((x, y) => (x.externalId ?? '').localeCompare(y.externalId ?? ''))) {
    hash.update(JSON.stringify([c.externalId, c.startDate, c.endDate, c.arr, c.lineItems]));
  }
  return hash.digest('hex');
}

describe('demo workspace', () => {
  it('seeds about 200 accounts across every region, buying culture and touch model', async () => {
    const accounts = await allAccounts(first.db);
    expect(accounts).toHaveLength(200);
    expect(new Set(accounts.map((a) => a.buyingCulture))).toEqual(new Set(['value_offered', 'value_added', 'value_created', 'value_captured']));
    expect(new Set(accounts.map((a) => a.touchModel))).toEqual(new Set(['high', 'low', 'tech']));
    expect(new Set(accounts.map((a) => a.region))).toEqual(new Set(['EMEA', 'AMER', 'APAC']));
    // Every model has onboarding, ongoing and renewal phases, so engaging keeps each account in its planned phase.
    expect(new Set(planDemo(clock.now(), 200).map((p) => p.phase))).toEqual(new Set(['onboarding', 'ongoing', 'renewal']));
    expect(new Set(accounts.map((a) => a.phase))).toEqual(new Set(['onboarding', 'ongoing', 'renewal']));
    expect(accounts.every((a) => a.csm !== null && a.offerings.length > 0 && typeof a.custom.plan === 'string')).toBe(true);
    // Touch model follows revenue: every high-touch account is worth more than every tech-touch one.
    const highMin = Math.min(...accounts.filter((a) => a.touchModel === 'high').map((a) => a.arr));
    const techMax = Math.max(...accounts.filter((a) => a.touchModel === 'tech').map((a) => a.arr));
    expect(highMin).toBeGreaterThan(techMax);
  });

  it('gives every account 2-6 contacts on its own domain and 1-2 contracts with a bill of materials', async () => {
    const contacts = (await listContacts(first.db, actor, { limit: 5000 })).items;
    const contracts = (await listContracts(first.db, actor, { limit: 5000 })).items;
    const accounts = await allAccounts(first.db);
    for (const account of accounts) {
      const own = contacts.filter((c) => c.accountId === account.id);
      expect(own.length).toBeGreaterThanOrEqual(2);
      expect(own.length).toBeLessThanOrEqual(6);
      expect(own.every((c) => c.email.endsWith(`@${account.domain}`))).toBe(true);
      const terms = contracts.filter((c) => c.accountId === account.id);
      expect(terms.length).toBeGreaterThanOrEqual(1);
      expect(terms.length).toBeLessThanOrEqual(2);
    }
    expect(new Set(contacts.map((c) => c.persona)).size).toBe(6);
    const timelines = await Promise.all(accounts.slice(0, 20).map(async (a) => (await listTimeline(first.db, actor, a.id, { limit: 100 })).items));
    expect(timelines.every((t) => t.length >= 4)).toBe(true);
    const entries = timelines.flat();
    expect(new Set(entries.map((t) => t.digital))).toEqual(new Set([true, false]));
    expect(new Set(entries.map((t) => t.channel)).size).toBeGreaterThanOrEqual(5);
    expect(entries.every((t) => Date.parse(t.occurredAt) <= clock.now().getTime())).toBe(true);
    expect(contracts.every((c) => c.lineItems.length > 0)).toBe(true);
    // Every term has started; some renew within 90 days.
    const today = clock.now().toISOString().slice(0, 10);
    expect(contracts.every((c) => c.startDate <= today)).toBe(true);
    expect(accounts.filter((a) => a.nextRenewalDate !== null && a.nextRenewalDate < '2026-08-30').length).toBeGreaterThan(10);
    expect(contracts.some((c) => c.lineItems.some((l) => l.billing === 'one_off'))).toBe(true);
    expect(contracts.some((c) => c.lineItems.some((l) => l.billing === 'recurring' && !l.renewable))).toBe(true);
    // ARR is derived from the contracts.
    const total = accounts.reduce((sum, a) => sum + a.arr, 0);
    const fromContracts = contracts.filter((c) => c.status === 'active').reduce((sum, c) => sum + c.arr, 0);
    expect(total).toBeCloseTo(fromContracts, 2);
  });

  it('creates the demo team, the saved segments (each with members) and a working demo sign-in', async () => {
    const members = await listMembers(first.db, actor);
    expect(members.filter((m) => m.roles.includes('csm')).length).toBeGreaterThanOrEqual(7);
    expect(members.find((m) => m.email === DEMO_ADMIN_EMAIL)?.roles).toEqual(['admin', 'csm']);
    expect(await checkMemberPassword(first.db, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)).toBe(true);
    expect(await demoSignInWorks(first.db)).toBe(true);
    const segments = await listSegments(first.db, clock, actor);
    expect(segments.map((s) => s.name).sort()).toEqual(
      ['High touch EMEA', 'Renewing in 90 days', 'Strategic (ARR >= 100k)', 'Tech touch', 'Value Created culture'].sort(),
    );
    for (const s of segments) expect(s.count, s.name).toBeGreaterThan(0);
  });

  it('the demo runs the customer-success, high-touch and tech-touch models, active, with open moments', async () => {
    const models = await listModels(first.db, actor);
    expect(models.map((m) => m.key).sort()).toEqual(['customer-success', 'high-touch', 'tech-touch']);
    for (const m of models) {
      expect(m.activeVersion, m.key).toBe(1);
      // Four eyes: written by the seed, approved by the demo admin.
      expect(m.versions[0], m.key).toMatchObject({ version: 1, status: 'active', author: 'demo seed', approver: 'Alex Morgan' });
    }
    const accounts = await allAccounts(first.db);
    const open = (await Promise.all(accounts.map((a) => listAccountMoments(first.db, clock, actor, a.id))))
      .flat()
      .filter((m) => m.status === 'open' || m.status === 'escalated');
    // High-touch accounts are run by high touch, tech-touch ones by tech touch, low-touch ones by customer success.
    for (const key of ['customer-success', 'high-touch', 'tech-touch']) expect(open.filter((m) => m.model?.key === key).length, key).toBeGreaterThan(0);
    for (const touch of ['high', 'low', 'tech'] as const) {
      const withMoments = accounts.filter((a) => a.touchModel === touch && open.some((m) => m.account.id === a.id));
      expect(withMoments.length, touch).toBeGreaterThan(0);
    }
    expect(open.every((m) => Date.parse(m.openedAt) <= clock.now().getTime())).toBe(true);
    // The demo admin signs in to a non-empty "My moments".
    const admin = (await listMembers(first.db, actor)).find((m) => m.email === DEMO_ADMIN_EMAIL);
    if (!admin) throw new Error('no demo admin');
    const mine = await listMyMoments(
      first.db,
      clock,
      memberActor({ workspace_id: DEMO_WORKSPACE_ID, id: admin.id, name: admin.name, roles: admin.roles }),
      'open',
    );
    expect(mine.length).toBeGreaterThan(0);
    // ...and lands on a home page with their moments and, as a lead, the team's load across several members.
    const home = await getHome(first.db, clock, memberActor({ workspace_id: DEMO_WORKSPACE_ID, id: admin.id, name: admin.name, roles: admin.roles }));
    expect(home.moments.counts.open).toBe(mine.length);
    expect(home.team?.filter((t) => t.memberId !== null).length).toBeGreaterThan(2);
    expect(home.team?.reduce((n, t) => n + t.open, 0)).toBe(open.length);
  });

  it('opens with news the engine reacted to: a sponsor change, a new CSM and a published release', async () => {
    const accounts = await allAccounts(first.db);
    const moments = (await Promise.all(accounts.map((a) => listAccountMoments(first.db, clock, actor, a.id)))).flat();
    const byMoment = (id: string) => moments.filter((m) => m.moment.id === id);
    // One customer replaced its sponsor (promoted, then the old one left): one moment, for its account manager.
    expect(byMoment('sponsor-change')).toHaveLength(1);
    const [change] = byMoment('sponsor-change');
    const events = (await listEvents(first.db, actor, { accountId: change?.account.id, name: 'Sponsor Changed', limit: 50 })).items;
    expect(events.map((e) => e.properties.change).sort()).toEqual(['added', 'added', 'removed']);
    expect(events.filter((e) => e.properties.initial === false)).toHaveLength(2);
    // Seeded contacts are history: no account got a moment for its first sponsor.
    expect(byMoment('sponsor-missing')).toHaveLength(0);
    // The demo admin took over an account as CSM: the introduction is theirs.
    expect(byMoment('csm-introduction')).toMatchObject([{ assignee: { name: 'Alex Morgan' } }]);
    // The release reached every Analytics Suite owner; the customer-success model's ongoing accounts got the moment.
    const [release] = await listReleases(first.db, actor);
    const owners = accounts.filter((a) => a.offerings.includes('Analytics Suite'));
    expect(release).toMatchObject({ name: DEMO_RELEASE.name, status: 'published' });
    expect(release?.accountsReached).toBeGreaterThanOrEqual(owners.length);
    const released = byMoment('new-release');
    expect(released.length).toBeGreaterThan(0);
    const reached = new Set((await listEvents(first.db, actor, { name: 'Product Released', limit: 500 })).items.map((e) => e.accountId));
    expect(released.every((m) => reached.has(m.account.id))).toBe(true);
  });

  it('holds 90 days of product usage that arrived through the Segment ingestion path, each event on its contact and account', async () => {
    const days = DEMO_HISTORY_DAYS * 86_400_000;
    const usage = await first.db
      .selectFrom('events')
      .select((eb) => [
        'type',
        eb.fn.countAll<number>().as('n'),
        eb.fn.min('timestamp').as('first'),
        eb.fn.max('timestamp').as('last'),
        eb.fn.count<number>('account_id').as('onAccount'),
        eb.fn.count<number>('contact_id').as('onContact'),
      ])
      .where('workspace_id', '=', DEMO_WORKSPACE_ID)
      .where('type', 'in', ['identify', 'group', 'track'])
      .groupBy('type')
      .execute();
    const track = usage.find((u) => u.type === 'track');
    expect(usage.map((u) => u.type).sort()).toEqual(['group', 'identify', 'track']);
    expect(Number(track?.n)).toBeGreaterThan(20_000);
    expect(seeded.summary?.productEvents).toBe(usage.reduce((sum, u) => sum + Number(u.n), 0));
    // Over the whole 90 days, none in the future.
    expect(new Date(track?.first as Date).getTime()).toBeGreaterThanOrEqual(clock.now().getTime() - days);
    expect(new Date(track?.first as Date).getTime()).toBeLessThan(clock.now().getTime() - days + 2 * 86_400_000);
    expect(new Date(track?.last as Date).getTime()).toBeLessThanOrEqual(clock.now().getTime());
    // Identify (by email) and group (by the account's external id) resolved every event to an account; the contacts' to their contact.
    for (const u of usage) expect(Number(u.onAccount), u.type).toBe(Number(u.n));
    expect(Number(track?.onContact)).toBeGreaterThan(Number(track?.n) / 2);
    const sample = (await listEvents(first.db, actor, { name: 'Logged In', limit: 200 })).items.filter((e) => e.contactId !== null);
    const contacts = new Map((await listContacts(first.db, actor, { limit: 5000 })).items.map((c) => [c.id, c]));
    expect(sample.length).toBeGreaterThan(50);
    for (const e of sample) expect(contacts.get(e.contactId as string)?.accountId).toBe(e.accountId);
    // The product's users are the contacts (identified by email) and others known by user id only: no contact was added.
    expect(contacts.size).toBe(planDemo(clock.now(), 200).reduce((n, p) => n + p.contacts.length, 0));
  });

  it('defines metrics over the product events; some accounts are rising, some declining and some silent', async () => {
    expect((await listMetrics(first.db, actor)).map((m) => m.key).sort()).toEqual(DEMO_METRICS.map((m) => m.key).sort());
    const accounts = await allAccounts(first.db);
    const values = await Promise.all(accounts.map((a) => accountMetrics(first.db, clock, actor, a.id)));
    const metric = (v: (typeof values)[number], key: string) => v.metrics.find((m) => m.key === key);
    const last = (v: (typeof values)[number], key: string, from: number, to: number) =>
      (metric(v, key)?.history ?? []).slice(DEMO_HISTORY_DAYS - to, DEMO_HISTORY_DAYS - from).reduce((sum, h) => sum + h.value, 0);
    // Silent: used the product this quarter, nobody for the last three weeks.
    const silent = values.filter(
      (v) => metric(v, 'weekly_active_users')?.windows['90d'] && last(v, 'reports_viewed', 0, 21) === 0 && last(v, 'weekly_active_users', 0, 21) === 0,
    );
    // Declining: still used, but the last four weeks well below the four before.
    const declining = values.filter((v) => {
      const recent = last(v, 'reports_viewed', 0, 28);
      return recent > 0 && recent < 0.7 * last(v, 'reports_viewed', 28, 56);
    });
    const rising = values.filter((v) => last(v, 'reports_viewed', 0, 28) > 1.4 * last(v, 'reports_viewed', 28, 56) && last(v, 'reports_viewed', 28, 56) > 0);
    expect(silent.length).toBeGreaterThanOrEqual(5);
    expect(declining.length).toBeGreaterThanOrEqual(5);
    expect(rising.length).toBeGreaterThanOrEqual(5);
    expect(values.some((v) => (metric(v, 'rows_exported')?.windows['90d'] ?? 0) > 1000)).toBe(true);
    expect(values.some((v) => metric(v, 'last_login')?.lastSeenAt !== null)).toBe(true);
  });

  it('opens moments from metric and absence rules on that usage, and gives every demo member moments overdue, due and upcoming', async () => {
    const admin = (await listMembers(first.db, actor)).find((m) => m.email === DEMO_ADMIN_EMAIL);
    const lead = memberActor({ workspace_id: DEMO_WORKSPACE_ID, id: admin?.id ?? '', name: admin?.name ?? '', roles: admin?.roles ?? [] });
    const byRule = async (rule: 'metric' | 'absence') => listMyMoments(first.db, clock, lead, 'open', 1000, { member: 'team', rule });
    const metric = await byRule('metric');
    const absence = await byRule('absence');
    expect(new Set(metric.map((m) => m.moment.id))).toEqual(new Set(['usage-decrease', 'advocacy-invitation']));
    expect(absence.filter((m) => m.moment.id === 'usage-stopped').length).toBeGreaterThan(0);
    expect(absence.filter((m) => m.moment.id === 'inactive-nudge').length).toBeGreaterThan(0);
    expect(metric.every((m) => typeof m.evidence.metric === 'string')).toBe(true);
    // The team has been working: done and skipped moments as well as open ones.
    expect((await listMyMoments(first.db, clock, lead, 'completed', 1000, { member: 'team' })).length).toBeGreaterThan(200);
    const members = await listMembers(first.db, actor);
    expect(members).toHaveLength(12);
    for (const m of members) {
      const self = memberActor({ workspace_id: DEMO_WORKSPACE_ID, id: m.id, name: m.name, roles: m.roles });
      for (const view of ['overdue', 'due', 'upcoming'] as const) {
        expect((await listMyMoments(first.db, clock, self, view)).length, `${m.name} (${m.roles.join(', ')}): ${view}`).toBeGreaterThan(0);
      }
    }
  });

  it("keeps each account's own record current as the team works: 'Updated' falls on many different days, tags added by members", async () => {
    const accounts = await allAccounts(first.db);
    const days = new Set(accounts.map((a) => a.updatedAt.slice(0, 10)));
    expect(days.size).toBeGreaterThan(20);
    const edits = await first.db
      .selectFrom('audit_log')
      .select(['actor_type', 'after'])
      .where('workspace_id', '=', DEMO_WORKSPACE_ID)
      .where('action', '=', 'account.updated')
      .execute();
    expect(edits.filter((e) => e.actor_type === 'member').length).toBeGreaterThan(20);
    expect(accounts.some((a) => a.tags.includes('at-risk'))).toBe(true);
  });

  it('shows a webhook endpoint for the CRM, disabled so that the demo sends nothing anywhere', async () => {
    const endpoints = await listWebhookEndpoints(first.db, clock, actor);
    expect(endpoints).toEqual([
      expect.objectContaining({
        url: 'https://crm.example.com/hooks/momentum',
        enabled: false,
        events: ['Sponsor Changed', 'Contract Renewed', 'Phase Entered'],
      }),
    ]);
  });

  it('has an ingest key for the product and an admin key for the CRM that expires in a year', async () => {
    const keys = await listApiKeys(first.db, actor);
    expect(keys.map((k) => ({ name: k.name, scopes: k.scopes, expires: k.expiresAt === null ? null : k.expiresAt.slice(0, 10) }))).toEqual(
      expect.arrayContaining([
        { name: 'Segment (product events)', scopes: ['ingest'], expires: null },
        { name: 'CRM sync', scopes: ['admin'], expires: '2027-06-01' },
      ]),
    );
  });

  it('shows a campaign sent nine days ago with its stats: sent as .eml files, opened (some only by privacy proxies) and clicked', async () => {
    const admin = (await listMembers(first.db, actor)).find((m) => m.email === DEMO_ADMIN_EMAIL);
    const member = memberActor({ workspace_id: DEMO_WORKSPACE_ID, id: admin?.id ?? '', name: admin?.name ?? '', roles: admin?.roles ?? [] });
    const sent = (await listCampaigns(first.db, member, { status: 'sent', limit: 10 }))[0];
    expect(sent?.name).toBe('May product news');
    const stats = await campaignStats(first.db, DEMO_WORKSPACE_ID, sent?.id ?? '');
    expect(stats.sent).toBeGreaterThan(50);
    expect(stats.queued).toBe(0);
    expect(stats.opened / stats.sent).toBeGreaterThan(0.6);
    expect(stats.machineOpened).toBeGreaterThan(0);
    expect(stats.clicked / stats.sent).toBeGreaterThan(0.2);
    expect(stats.clicked).toBeLessThan(stats.opened);
    // With the campaign went the demo's other messages due by then.
    expect(readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml')).length).toBeGreaterThanOrEqual(stats.sent);
    const opened = await listEvents(first.db, actor, { name: 'Email Opened', limit: 1 });
    expect(opened.items).toHaveLength(1);
  });

  it('changes nothing when run again', async () => {
    const before = await digest(first.db);
    const again = await seedDemo(first.db, clock, undefined, config);
    expect(again).toEqual({ created: false, email: DEMO_ADMIN_EMAIL, password: DEMO_ADMIN_PASSWORD });
    expect(await digest(first.db)).toBe(before);
    expect(await allAccounts(first.db)).toHaveLength(200);
  });

  it('produces the same workspace from the same day in another database', async () => {
    const result = await seedDemo(second.db, clock, undefined, { ...config, dataDir: join(dataDir, 'second') });
    expect(result.created).toBe(true);
    expect(result.summary).toEqual(seeded.summary);
    expect(await digest(second.db)).toBe(await digest(first.db));
  }, 240_000);

  it('tells `serve` the demo sign-in only while the demo password still works', async () => {
    const rt = { db: first.db, clock, config: loadConfig({}, { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789' }) };
    expect(await ensureDemo(rt)).toEqual({ email: DEMO_ADMIN_EMAIL, password: DEMO_ADMIN_PASSWORD });
    const admin = (await listMembers(first.db, actor)).find((m) => m.email === DEMO_ADMIN_EMAIL);
    await updateMember(first.db, clock, actor, admin?.id ?? '', { password: 'a new and private password' });
    expect(await ensureDemo(rt)).toBeUndefined();
    expect(await demoSignInWorks(first.db)).toBe(false);
  });
});
