import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestMember, createTestWorkspace, type TestWorkspace } from '../../../test/factories.ts';
import { testDatabase } from '../../config.ts';
import { fixedClock } from '../../lib/clock.ts';
import { createAccount, updateAccount } from '../accounts/accounts.ts';
import { recordInteractionEvent } from '../events/events.ts';
import { createMetric } from '../metrics/metrics.ts';
import { applyModel } from '../models/models.ts';
import { completeMoment, listMyMoments, runAutomatedMoments } from '../moments/moments.ts';
import { simulateModel } from './engine.simulate.ts';
import { evaluateNewEvents, getAccountEngagement, sweep } from './engine.ts';

const T0 = '2026-06-01T09:00:00Z'; // a Monday
const DAY = 24 * 3600 * 1000;
const at = (days: number, hours = 0) => new Date(new Date(T0).getTime() + days * DAY + hours * 3600 * 1000);

const model = (extra = '') => `
key: engine-test
name: Engine test
segment: { conditions: [{ field: tags, op: has, value: engine }] }
phases:
  - key: onboarding
    name: Onboarding
    exit: { after: 30d }
  - key: ongoing
    name: Ongoing
moments:
  - id: kickoff
    name: Kickoff
    phase: onboarding
    owner: csm
    channel: meeting
    digital: false
    objective: Meet the team.
    effortMinutes: 60
    due: 7d
    start: { type: scheduled, rrule: FREQ=WEEKLY;COUNT=1, anchor: phase_start, offset: 7d }
  - id: first-monday
    name: Monthly review
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: Review the month.
    start: { type: scheduled, rrule: FREQ=MONTHLY;BYDAY=+1MO }
  - id: silent
    name: No login for 14 days
    phase: onboarding
    owner: csm
    channel: email
    digital: true
    objective: Re-engage.
    start: { type: absence, event: Logged In, for: 14d }
  - id: few-users
    name: Fewer than 2 users in 10 days
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: Escalate slow adoption.
    start: { type: expectation, event: User Created, atLeast: 2, within: 10d, after: { phase: onboarding }, escalateTo: account_manager }
  - id: sev1
    name: High-severity case
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: React fast.
    start: { type: event, event: Case Opened, where: [{ property: severity, op: eq, value: high }], cooldown: 1d }
  - id: usage-drop
    name: Usage drop
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: Find out why.
    start: { type: event, metric: { key: reports, window: 7d, change: -50 }, cooldown: 14d }
  - id: automated-welcome
    name: Welcome
    phase: onboarding
    owner: automated
    channel: email
    digital: true
    objective: Welcome.
    start: { type: scheduled, rrule: FREQ=DAILY;COUNT=1, anchor: engaged }
    action: { type: record, note: welcomed }
${extra}`;

let database: TestDatabase;
let ws: TestWorkspace;
let csm: Awaited<ReturnType<typeof createTestMember>>;
let am: Awaited<ReturnType<typeof createTestMember>>;
let active: string;
let silent: string;

async function instances(accountId: string, momentId?: string) {
  let q = database.db.selectFrom('moment_instances').selectAll().where('workspace_id', '=', ws.workspaceId).where('account_id', '=', accountId);
  if (momentId) q = q.where('moment_id', '=', momentId);
  return q.orderBy('opened_at').execute();
}

async function event(accountId: string, name: string, when: Date, properties: Record<string, unknown> = {}) {
  await recordInteractionEvent(database.db, fixedClock(when), ws.workspaceId, {
    accountId,
    name,
    channel: 'product',
    digital: true,
    occurredAt: when,
    properties,
    key: `${name}:${accountId}:${when.toISOString()}:${JSON.stringify(properties)}`,
    source: 'test',
  });
}

/** The properties of the events the engine recorded about an account under this name, oldest first. */
async function recorded(accountId: string, name: string) {
  const rows = await database.db
    .selectFrom('events')
    .select('properties')
    .where('workspace_id', '=', ws.workspaceId)
    .where('account_id', '=', accountId)
    .where('name', '=', name)
    .where('source', '=', 'module:engine')
    .orderBy('timestamp')
    .execute();
  return rows.map((r) => r.properties as Record<string, unknown>);
}

beforeAll(async () => {
  database = await createTestDatabase();
  const clock = fixedClock(T0);
  ws = await createTestWorkspace(database.db, clock);
  csm = await createTestMember(database.db, clock, ws, ['csm'], 'Casey CSM');
  am = await createTestMember(database.db, clock, ws, ['account_manager'], 'Alex AM');
  await createMetric(database.db, clock, ws.system, { key: 'reports', label: 'Reports viewed', kind: 'count', eventName: 'Report Viewed' });
  const team = { csm: csm.member.id, account_manager: am.member.id };
  active = (await createAccount(database.db, clock, ws.system, { name: 'Active Co', tags: ['engine'], team })).id;
  silent = (await createAccount(database.db, clock, ws.system, { name: 'Silent Co', tags: ['engine'], team })).id;
  await createAccount(database.db, clock, ws.system, { name: 'Outside segment', tags: ['other'] });
  await applyModel(database.db, clock, ws.system, { source: model(), file: 'engine-test.yaml' }, { approve: true });
  const first = await sweep(database.db, clock, { workspaceId: ws.workspaceId });
  expect(first.engaged).toBe(2);
});
afterAll(async () => {
  await database?.dispose();
});

describe('engine sweeps (fixed clock)', () => {
  it('engages the accounts of the segment in the first phase and opens the calendar moment due at engagement time', async () => {
    const engagement = await getAccountEngagement(database.db, ws.workspaceId, active);
    expect(engagement.phase).toBe('onboarding');
    expect(engagement.model?.key).toBe('engine-test');
    const monday = await instances(active, 'first-monday');
    expect(monday.map((i) => i.idempotency_key.split(':').slice(3).join(':'))).toEqual(['s:2026-06-01T09:00:00.000Z']);
    expect(monday[0]?.assignee_member_id).toBe(csm.member.id);
    // Each opening is an event too (webhooks, the timeline and other rules see it).
    expect((await recorded(active, 'Moment Opened')).filter((p) => p.instance === monday[0]?.id)).toEqual([
      expect.objectContaining({
        model: 'engine-test',
        moment: 'first-monday',
        rule: 'scheduled',
        assigneeRole: 'csm',
        assigneeMemberId: csm.member.id,
        dueAt: monday[0]?.due_at.toISOString(),
      }),
    ]);
  });

  it('opens an anchored schedule at its offset from the phase start, and not before', async () => {
    await sweep(database.db, fixedClock(at(6)), { workspaceId: ws.workspaceId });
    expect(await instances(active, 'kickoff')).toHaveLength(0);
    await sweep(database.db, fixedClock(at(7)), { workspaceId: ws.workspaceId });
    const kickoff = await instances(active, 'kickoff');
    expect(kickoff).toHaveLength(1);
    expect(kickoff[0]?.due_at.toISOString()).toBe(at(14).toISOString());
  });

  it('opens an event rule for a matching event only, with the event as evidence, once per cooldown', async () => {
    await event(active, 'Case Opened', at(7, 1), { severity: 'low' });
    await event(active, 'Case Opened', at(7, 1), { severity: 'high' });
    await event(active, 'Case Opened', at(7, 2), { severity: 'high', again: true });
    const report = await evaluateNewEvents(database.db, fixedClock(at(7, 2)), ws.workspaceId);
    expect(report.opened.event).toBe(1);
    const sev1 = await instances(active, 'sev1');
    expect(sev1).toHaveLength(1);
    expect(sev1[0]?.evidence).toMatchObject({ properties: { severity: 'high' } });
    expect(await evaluateNewEvents(database.db, fixedClock(at(7, 3)), ws.workspaceId)).toMatchObject({ opened: { event: 0 } });
  });

  it('escalates a missed expectation to the named role once the deadline has passed', async () => {
    await event(active, 'User Created', at(1));
    await event(active, 'User Created', at(2));
    await event(silent, 'User Created', at(3));
    await sweep(database.db, fixedClock(at(9)), { workspaceId: ws.workspaceId });
    expect(await instances(silent, 'few-users')).toHaveLength(0);
    const report = await sweep(database.db, fixedClock(at(10)), { workspaceId: ws.workspaceId });
    expect(report.opened.expectation).toBe(1);
    expect(await instances(active, 'few-users')).toHaveLength(0);
    const escalated = await instances(silent, 'few-users');
    expect(escalated).toHaveLength(1);
    expect(escalated[0]).toMatchObject({ status: 'escalated', assignee_role: 'account_manager', assignee_member_id: am.member.id });
    expect(escalated[0]?.evidence).toMatchObject({ seen: 1, atLeast: 2 });
    expect(await recorded(silent, 'Moment Escalated')).toEqual([
      expect.objectContaining({
        instance: escalated[0]?.id,
        moment: 'few-users',
        rule: 'expectation',
        assigneeRole: 'account_manager',
        assigneeMemberId: am.member.id,
      }),
    ]);
    expect(await recorded(active, 'Moment Escalated')).toEqual([]);
  });

  it('opens an absence moment when no such event happened for the duration, counted from the last one', async () => {
    await event(active, 'Logged In', at(1));
    await sweep(database.db, fixedClock(at(14)), { workspaceId: ws.workspaceId });
    expect(await instances(silent, 'silent')).toHaveLength(1);
    expect(await instances(active, 'silent')).toHaveLength(0);
    await sweep(database.db, fixedClock(at(15)), { workspaceId: ws.workspaceId });
    expect(await instances(active, 'silent')).toHaveLength(1);
    await sweep(database.db, fixedClock(at(16)), { workspaceId: ws.workspaceId });
    expect(await instances(silent, 'silent')).toHaveLength(1);
  });

  it('opens a metric rule when the metric drops against the previous window', async () => {
    for (let d = 15; d < 22; d++) await event(active, 'Report Viewed', at(d), { d });
    await event(active, 'Report Viewed', at(23));
    await sweep(database.db, fixedClock(at(22, 1)), { workspaceId: ws.workspaceId });
    expect(await instances(active, 'usage-drop')).toHaveLength(0);
    const report = await sweep(database.db, fixedClock(at(28, 1)), { workspaceId: ws.workspaceId });
    expect(report.opened.metric).toBe(1);
    const drop = await instances(active, 'usage-drop');
    expect(drop[0]?.evidence).toMatchObject({ metric: 'reports', value: 1, previous: 7 });
    expect(await recorded(active, 'Metric Threshold Crossed')).toEqual([
      expect.objectContaining({ instance: drop[0]?.id, moment: 'usage-drop', rule: 'metric', metric: 'reports', value: 1, previous: 7 }),
    ]);
  });

  it('runs automated moments through their action and records the result', async () => {
    const result = await runAutomatedMoments(database.db, fixedClock(at(1)));
    expect(result.ran).toBe(2);
    const welcome = await instances(active, 'automated-welcome');
    expect(welcome[0]).toMatchObject({ status: 'done', outcome: 'welcomed', completed_by: 'automation' });
  });

  it('lists my moments as due, overdue and escalated, and completes one with notes', async () => {
    const clock = fixedClock(at(8));
    const overdue = await listMyMoments(database.db, clock, csm.actor, 'overdue');
    expect(overdue.length).toBeGreaterThan(0);
    expect(overdue.every((m) => m.overdue)).toBe(true);
    const escalated = await listMyMoments(database.db, clock, am.actor, 'escalated');
    expect(escalated.map((m) => m.moment.id)).toEqual(['few-users']);
    const done = await completeMoment(database.db, clock, csm.actor, overdue[0]?.id as string, {
      status: 'done',
      notes: 'Met the team',
      outcome: 'plan agreed',
    });
    expect(done).toMatchObject({ status: 'done', notes: 'Met the team', outcome: 'plan agreed' });
  });

  it('moves an account to the next phase when the exit criteria hold, and records the transition as an event', async () => {
    const report = await sweep(database.db, fixedClock(at(30)), { workspaceId: ws.workspaceId });
    expect(report.phaseChanges).toBe(2);
    const engagement = await getAccountEngagement(database.db, ws.workspaceId, active);
    expect(engagement.phase).toBe('ongoing');
    expect(engagement.phases.map((p) => [p.phase, p.exitedAt !== null])).toEqual([
      ['onboarding', true],
      ['ongoing', false],
    ]);
    const account = await database.db.selectFrom('accounts').select('phase').where('id', '=', active).executeTakeFirstOrThrow();
    expect(account.phase).toBe('ongoing');
    const events = await database.db
      .selectFrom('events')
      .select(['name', 'properties'])
      .where('account_id', '=', active)
      .where('name', '=', 'Phase Entered')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]?.properties).toMatchObject({ from: 'onboarding', to: 'ongoing' });
  });
});

describe('manual phase changes', () => {
  it("follows a member's change of the account's phase to another phase of its model", async () => {
    const clock = fixedClock(at(31));
    await updateAccount(database.db, clock, ws.system, silent, { phase: 'onboarding' });
    await sweep(database.db, fixedClock(at(31, 1)), { workspaceId: ws.workspaceId });
    const engagement = await getAccountEngagement(database.db, ws.workspaceId, silent);
    expect(engagement.phase).toBe('onboarding');
    expect(engagement.phases.map((p) => p.phase)).toEqual(['onboarding', 'ongoing', 'onboarding']);
    await updateAccount(database.db, clock, ws.system, silent, { phase: 'ongoing' });
    await sweep(database.db, fixedClock(at(31, 2)), { workspaceId: ws.workspaceId });
    expect((await getAccountEngagement(database.db, ws.workspaceId, silent)).phase).toBe('ongoing');
  });
});

describe('exactly one instance per occurrence', () => {
  const fresh = async (name: string) => {
    const clock = fixedClock(at(40));
    return (await createAccount(database.db, clock, ws.system, { name, tags: ['engine'], phase: 'onboarding' })).id;
  };

  it('two sweeps at once open each instance once', async () => {
    const a = await fresh('Concurrent Co');
    await sweep(database.db, fixedClock(at(40, 1)), { workspaceId: ws.workspaceId });
    const reports = await Promise.all([
      sweep(database.db, fixedClock(at(60)), { workspaceId: ws.workspaceId }),
      sweep(database.db, fixedClock(at(60)), { workspaceId: ws.workspaceId }),
    ]);
    const [first = 0, second = 0] = reports.map((r) => Object.values(r.opened).reduce((x, y) => x + y, 0));
    const rows = await instances(a);
    expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(rows.length);
    expect(first + second).toBeGreaterThan(0);
    const total = await database.db
      .selectFrom('moment_instances')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('workspace_id', '=', ws.workspaceId)
      .where('opened_at', '=', at(60))
      .executeTakeFirstOrThrow();
    expect(total.n).toBe(first + second);
  });

  it('two evaluations of the same new event at once open its instance once, and both succeed', async () => {
    const a = await fresh('Racing Co');
    await sweep(database.db, fixedClock(at(40, 1)), { workspaceId: ws.workspaceId });
    await event(a, 'Case Opened', at(80), { severity: 'high', race: true });
    // Both read the engine cursor before either moves it, so both see the event: the instance key decides.
    const reports = await Promise.all([
      evaluateNewEvents(database.db, fixedClock(at(80, 5)), ws.workspaceId),
      evaluateNewEvents(database.db, fixedClock(at(80, 5)), ws.workspaceId),
    ]);
    expect(reports.reduce((sum, r) => sum + r.opened.event, 0)).toBe(1);
    expect(await instances(a, 'sev1')).toHaveLength(1);
  });

  // On PostgreSQL two evaluations really overlap: the second one's insert waits on the first one's uncommitted instance,
  // and must then skip it (on conflict do nothing), not fail. (PGlite runs one statement at a time: no such overlap.)
  it.skipIf(testDatabase().kind !== 'postgres')('an evaluation that overlaps an uncommitted one skips its instance instead of failing', async () => {
    const a = await fresh('Overlapping Co');
    await sweep(database.db, fixedClock(at(40, 1)), { workspaceId: ws.workspaceId });
    await event(a, 'Case Opened', at(81), { severity: 'high', overlap: true });
    const asOf = fixedClock(at(81, 5));
    let second: Promise<unknown> | undefined;
    await database.db.transaction().execute(async (trx) => {
      await evaluateNewEvents(trx, asOf, ws.workspaceId);
      second = evaluateNewEvents(database.db, asOf, ws.workspaceId).then(
        (report) => report,
        (error: Error) => error,
      );
      // Hold the first transaction open until the second evaluation is waiting on its row lock.
      for (let i = 0; i < 100; i++) {
        const waiting = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(database.db);
        if ((waiting.rows[0]?.n ?? 0) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    const result = await second;
    expect(result).not.toBeInstanceOf(Error);
    expect((result as { opened: { event: number } }).opened.event).toBe(0);
    expect(await instances(a, 'sev1')).toHaveLength(1);
  });

  it('a rerun sweep after an interruption neither duplicates nor misses', async () => {
    await fresh('Interrupted Co');
    await sweep(database.db, fixedClock(at(40, 2)), { workspaceId: ws.workspaceId });
    const asOf = at(70);
    const clean = await sweep(database.db, fixedClock(asOf), { workspaceId: ws.workspaceId });
    const all = await database.db.selectFrom('moment_instances').select(['id', 'idempotency_key']).where('opened_at', '=', asOf).orderBy('id').execute();
    expect(all.length).toBeGreaterThan(1);
    // The interruption: half of what the sweep opened never committed.
    const lost = all.slice(0, Math.ceil(all.length / 2));
    await database.db
      .deleteFrom('moment_instances')
      .where(
        'id',
        'in',
        lost.map((r) => r.id),
      )
      .execute();
    const rerun = await sweep(database.db, fixedClock(asOf), { workspaceId: ws.workspaceId });
    expect(Object.values(rerun.opened).reduce((x, y) => x + y, 0)).toBe(lost.length);
    const after = await database.db.selectFrom('moment_instances').select('idempotency_key').where('opened_at', '=', asOf).execute();
    expect(after.map((r) => r.idempotency_key).sort()).toEqual(all.map((r) => r.idempotency_key).sort());
    expect(Object.values(clean.opened).reduce((x, y) => x + y, 0)).toBe(all.length);
    const again = await sweep(database.db, fixedClock(asOf), { workspaceId: ws.workspaceId });
    expect(Object.values(again.opened).reduce((x, y) => x + y, 0)).toBe(0);
  });
});

describe('versions', () => {
  it('accounts keep the version they were engaged under; a new version engages new accounts only', async () => {
    const clock = fixedClock(at(80));
    const before = await getAccountEngagement(database.db, ws.workspaceId, active);
    const extra = `  - id: extra
    name: Extra
    phase: ongoing
    owner: csm
    channel: call
    digital: false
    objective: Added in version 2.
    start: { type: scheduled, rrule: FREQ=DAILY }
`;
    const v2 = await applyModel(database.db, clock, ws.system, { source: model(extra), file: 'engine-test.yaml' }, { approve: true });
    expect(v2.version.version).toBe((before.model?.version ?? 0) + 1);
    const newcomer = (await createAccount(database.db, clock, ws.system, { name: 'Newcomer', tags: ['engine'], phase: 'ongoing' })).id;
    await sweep(database.db, fixedClock(at(81)), { workspaceId: ws.workspaceId });
    expect((await getAccountEngagement(database.db, ws.workspaceId, active)).model?.version).toBe(before.model?.version);
    expect((await getAccountEngagement(database.db, ws.workspaceId, newcomer)).model?.version).toBe(v2.version.version);
    expect(await instances(active, 'extra')).toHaveLength(0);
    expect(await instances(newcomer, 'extra')).toHaveLength(1);
    await sweep(database.db, fixedClock(at(82)), { workspaceId: ws.workspaceId });
    expect((await instances(newcomer, 'extra')).map((i) => i.status)).toEqual(['missed', 'open']);
  });
});

describe('simulation', () => {
  it('forecasts moments per week and effort per role and writes nothing', async () => {
    const extra = `  - id: daily-digest
    name: Daily digest
    phase: ongoing
    owner: csm
    channel: email
    digital: true
    objective: Keep in touch.
    effortMinutes: 6
    start: { type: scheduled, rrule: FREQ=DAILY }
`;
    const count = async () =>
      (
        await database.db
          .selectFrom('moment_instances')
          .select(sql<number>`count(*)::int`.as('n'))
          .where('workspace_id', '=', ws.workspaceId)
          .executeTakeFirstOrThrow()
      ).n;
    const before = await count();
    const report = await simulateModel(database.db, ws.workspaceId, { source: model(extra), file: 'engine-test.yaml' }, { from: at(100), to: at(160) });
    expect(report.accounts).toBeGreaterThan(0);
    expect(report.byRule.scheduled).toBeGreaterThan(0);
    expect(report.perWeek.some((r) => r.role === 'csm')).toBe(true);
    expect(report.effortPerMonth.find((r) => r.role === 'csm')?.hours).toBeGreaterThan(0);
    expect(report.digitalShare).toBeGreaterThan(0);
    expect(await count()).toBe(before);
  });

  it('a forecast with growth adds synthetic accounts that are engaged and get onboarding moments, and writes nothing', async () => {
    const accounts = () =>
      database.db.selectFrom('accounts').select(['id', 'name', 'updated_at']).where('workspace_id', '=', ws.workspaceId).orderBy('id').execute();
    const teams = async () =>
      (
        await database.db
          .selectFrom('account_team')
          .select(sql<number>`count(*)::int`.as('n'))
          .where('workspace_id', '=', ws.workspaceId)
          .executeTakeFirstOrThrow()
      ).n;
    const before = await accounts();
    const teamsBefore = await teams();
    const input = { source: model(), file: 'engine-test.yaml' };
    const range = { from: new Date('2026-10-01T09:00:00Z'), to: new Date('2026-11-30T09:00:00Z') };
    const plain = await simulateModel(database.db, ws.workspaceId, input, range);
    const grown = await simulateModel(database.db, ws.workspaceId, input, { ...range, growth: { accountsPerMonth: 10 } });
    expect(plain.growth).toBeNull();
    expect(grown.growth).toMatchObject({ accountsPerMonth: 10, monthlyRate: null, added: 20, engaged: 20 });
    expect(grown.growth?.perMonth).toEqual([
      { month: '2026-10', accounts: 10 },
      { month: '2026-11', accounts: 10 },
    ]);
    expect(grown.growth?.templates).toBeGreaterThan(0);
    expect(grown.accounts).toBe(plain.accounts + 20);
    // Every synthetic account gets the onboarding welcome and kickoff (those created in the last week miss the kickoff's offset).
    expect(grown.growth?.moments).toBeGreaterThanOrEqual(20 + 15);
    expect(grown.total).toBe(plain.total + (grown.growth?.moments ?? 0));
    expect(grown.byRule.scheduled).toBeGreaterThan(plain.byRule.scheduled);
    // A rate compounds on the segment's current members: 100% a month doubles the base within a full month.
    const rated = await simulateModel(database.db, ws.workspaceId, input, { ...range, growth: { monthlyRate: 100, template: [active] } });
    expect(rated.growth).toMatchObject({ monthlyRate: 100, templates: 1 });
    expect(rated.growth?.perMonth[0]?.accounts).toBe(rated.growth?.base);
    expect(await accounts()).toEqual(before);
    expect(await teams()).toBe(teamsBefore);
  });

  it('rejects a growth with both or neither of accounts per month and a rate, and unknown template accounts', async () => {
    const input = { source: model(), file: 'engine-test.yaml' };
    const range = { from: at(100), to: at(110) };
    await expect(simulateModel(database.db, ws.workspaceId, input, { ...range, growth: { accountsPerMonth: 5, monthlyRate: 2 } })).rejects.toThrow(
      /exactly one/,
    );
    await expect(simulateModel(database.db, ws.workspaceId, input, { ...range, growth: {} })).rejects.toThrow(/exactly one/);
    const unknown = '00000000-0000-4000-8000-000000000000';
    await expect(simulateModel(database.db, ws.workspaceId, input, { ...range, growth: { accountsPerMonth: 5, template: [unknown] } })).rejects.toThrow(
      /not found/,
    );
  });
});
