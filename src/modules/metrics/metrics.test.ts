import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace, testClock } from '../../../test/factories.ts';
import { systemActor } from '../../lib/actor.ts';
import { fixedClock } from '../../lib/clock.ts';
import { createAccount, findAccountIdByExternalId } from '../accounts/accounts.ts';
import { ingestEvents, purgeExpiredEvents, recordInteractionEvent } from '../events/events.ts';
import { accountMetrics, createMetric, rebuildMetrics } from './metrics.ts';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createTestApp>>;
const clock = testClock('2026-06-01T09:00:00Z');
const DAY = 86_400_000;
const daysAgo = (n: number, hour = 10) => new Date(Date.parse('2026-06-01T00:00:00Z') - n * DAY + hour * 3_600_000).toISOString();

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createTestApp(database.db, clock);
});
afterAll(async () => {
  await api?.close();
  await database?.dispose();
});

/** A workspace with one account (external id acme) whose users u1..u3 are identified and grouped. */
async function workspaceWithAccount(): Promise<{ ws: TestWorkspace; accountId: string }> {
  const ws = await createTestWorkspace(database.db, clock);
  const users = ['u1', 'u2', 'u3'];
  await ingestEvents(database.db, clock, ws.system, {
    messages: users.flatMap((u) => [
      { type: 'identify', userId: u, traits: { email: `${u}@acme.test` } },
      { type: 'group', userId: u, groupId: 'acme', traits: { name: 'Acme' } },
    ]),
  });
  const accountId = (await findAccountIdByExternalId(database.db, ws.workspaceId, 'acme')) as string;
  return { ws, accountId };
}

const track = (userId: string, event: string, at: string, properties: Record<string, unknown> = {}) => ({
  type: 'track',
  userId,
  event,
  timestamp: at,
  properties,
});

describe('account metrics', () => {
  it('computes count, distinct users, sum and last seen over 7/28/90-day windows with week-over-week change, incrementally', async () => {
    const { ws, accountId } = await workspaceWithAccount();
    const count = await createMetric(database.db, clock, ws.system, { key: 'reports', label: 'Reports exported', kind: 'count', eventName: 'Report Exported' });
    await createMetric(database.db, clock, ws.system, { key: 'reporters', label: 'Users exporting', kind: 'distinct_users', eventName: 'Report Exported' });
    await createMetric(database.db, clock, ws.system, { key: 'pages', label: 'Pages exported', kind: 'sum', eventName: 'Report Exported', property: 'pages' });
    await createMetric(database.db, clock, ws.system, { key: 'last_login', label: 'Last login', kind: 'last_seen', eventName: 'Logged In' });
    await ingestEvents(database.db, clock, ws.system, {
      messages: [
        // This week: 3 reports by 2 users, 10 pages.
        track('u1', 'Report Exported', daysAgo(0), { pages: 4 }),
        track('u1', 'Report Exported', daysAgo(2), { pages: 'not a number' }),
        track('u2', 'Report Exported', daysAgo(6), { pages: 6 }),
        // The week before: 1 report. Then one 20 days ago and one 60 days ago.
        track('u3', 'Report Exported', daysAgo(9), { pages: 1 }),
        track('u3', 'Report Exported', daysAgo(20), { pages: 2 }),
        track('u1', 'Report Exported', daysAgo(60), { pages: 3 }),
        track('u2', 'Logged In', daysAgo(12)),
        // Far future: kept, flagged, and left out of metrics.
        track('u1', 'Report Exported', new Date(Date.parse(daysAgo(0)) + 30 * DAY).toISOString(), { pages: 100 }),
      ],
    });
    const { metrics } = await accountMetrics(database.db, clock, ws.system, accountId);
    const byKey = Object.fromEntries(metrics.map((m) => [m.key, m]));
    expect(byKey.reports).toMatchObject({ id: count.id, windows: { '7d': 3, '28d': 5, '90d': 6 }, weekOverWeek: 2 });
    expect(byKey.reporters).toMatchObject({ windows: { '7d': 2, '28d': 3, '90d': 3 }, weekOverWeek: 1 });
    expect(byKey.pages).toMatchObject({ windows: { '7d': 10, '28d': 13, '90d': 16 }, weekOverWeek: 9 });
    expect(byKey.last_login).toMatchObject({ windows: { '7d': 0, '28d': 1, '90d': 1 }, lastSeenAt: daysAgo(12) });
    expect(byKey.reports?.history).toHaveLength(90);
    expect(byKey.reports?.history.at(-1)).toEqual({ day: '2026-06-01', value: 1 });
    expect(byKey.reports?.history.at(-7)).toEqual({ day: '2026-05-26', value: 1 });
  });

  it('never counts an event dated more than a day ahead of its arrival, not even once its day has come', async () => {
    const { ws, accountId } = await workspaceWithAccount();
    await createMetric(database.db, clock, ws.system, { key: 'exports', label: 'Exports', kind: 'count', eventName: 'Exported' });
    const ahead = new Date(clock.now().getTime() + 3 * DAY).toISOString();
    await ingestEvents(database.db, clock, ws.system, { messages: [track('u1', 'Exported', ahead), track('u1', 'Exported', daysAgo(1))] });
    // Four days later the event's day is inside every window: it still does not count (it came from a wrong clock).
    const later = fixedClock(new Date(clock.now().getTime() + 4 * DAY));
    const exports = (await accountMetrics(database.db, later, ws.system, accountId)).metrics.find((m) => m.key === 'exports');
    expect(exports?.windows).toEqual({ '7d': 1, '28d': 1, '90d': 1 });
  });

  it("counts a user's earlier activity for the account once the user is grouped into it", async () => {
    const { ws, accountId } = await workspaceWithAccount();
    await createMetric(database.db, clock, ws.system, { key: 'views', label: 'Views', kind: 'count', eventName: 'Viewed' });
    await ingestEvents(database.db, clock, ws.system, { messages: [track('newcomer', 'Viewed', daysAgo(1)), track('newcomer', 'Viewed', daysAgo(3))] });
    expect((await accountMetrics(database.db, clock, ws.system, accountId)).metrics[0]?.windows['7d']).toBe(0);
    await ingestEvents(database.db, clock, ws.system, { messages: [{ type: 'group', userId: 'newcomer', groupId: 'acme' }] });
    expect((await accountMetrics(database.db, clock, ws.system, accountId)).metrics[0]?.windows['7d']).toBe(2);
  });

  it('backfills a sum metric defined after its events arrived, and rebuild recomputes the same values from raw events', async () => {
    const { ws, accountId } = await workspaceWithAccount();
    await ingestEvents(database.db, clock, ws.system, {
      messages: [track('u1', 'Seats Added', daysAgo(1), { seats: 5 }), track('u2', 'Seats Added', daysAgo(3), { seats: 2.5 })],
    });
    await createMetric(database.db, clock, ws.system, { key: 'seats', label: 'Seats added', kind: 'sum', eventName: 'Seats Added', property: 'seats' });
    await createMetric(database.db, clock, ws.system, { key: 'adds', label: 'Seat adds', kind: 'count', eventName: 'Seats Added' });
    const before = await accountMetrics(database.db, clock, ws.system, accountId);
    expect(before.metrics.find((m) => m.key === 'seats')?.windows['7d']).toBe(7.5);
    // Lose the rollups, then rebuild them from raw events.
    await sql`delete from event_rollups where workspace_id = ${ws.workspaceId}::uuid`.execute(database.db);
    await sql`delete from event_property_sums where workspace_id = ${ws.workspaceId}::uuid`.execute(database.db);
    expect((await accountMetrics(database.db, clock, ws.system, accountId)).metrics.find((m) => m.key === 'adds')?.windows['7d']).toBe(0);
    const rebuilt = await rebuildMetrics(database.db, ws.workspaceId);
    expect(rebuilt.rollups).toBeGreaterThan(0);
    expect(await accountMetrics(database.db, clock, ws.system, accountId)).toEqual(before);
  });

  it('counts interactions recorded by other modules once per key, with their channel and digital flag', async () => {
    const ws = await createTestWorkspace(database.db, clock);
    const account = await createAccount(database.db, clock, ws.system, { name: 'Initech' });
    await createMetric(database.db, clock, ws.system, { key: 'meetings', label: 'Meetings', kind: 'count', eventName: 'Meeting Held' });
    const input = {
      accountId: account.id,
      name: 'Meeting Held',
      channel: 'meeting' as const,
      digital: false,
      key: 'timeline-1',
      source: 'timeline',
      occurredAt: new Date(daysAgo(2)),
    };
    expect(await recordInteractionEvent(database.db, clock, ws.workspaceId, input)).toBe(true);
    expect(await recordInteractionEvent(database.db, clock, ws.workspaceId, input)).toBe(false);
    const { metrics } = await accountMetrics(database.db, clock, ws.system, account.id);
    expect(metrics[0]?.windows['7d']).toBe(1);
    const events = await api.call('GET', `/api/v1/events?accountId=${account.id}&name=Meeting%20Held`, { key: await createTestKey(database.db, clock, ws) });
    expect(events.body.items).toEqual([expect.objectContaining({ type: 'interaction', name: 'Meeting Held', channel: 'meeting', digital: false })]);
  });
});

describe('retention', () => {
  it('purges raw events older than the retention, keeps newer ones and the rollups behind metric history', async () => {
    const { ws, accountId } = await workspaceWithAccount();
    await createMetric(database.db, clock, ws.system, { key: 'logins', label: 'Logins', kind: 'count', eventName: 'Logged In' });
    const old = testClock('2026-01-01T10:00:00Z');
    await ingestEvents(database.db, old, ws.system, { messages: [track('u1', 'Logged In', '2026-01-01T09:00:00Z')] });
    await ingestEvents(database.db, clock, ws.system, { messages: [track('u1', 'Logged In', daysAgo(1))] });
    const history = (await accountMetrics(database.db, clock, ws.system, accountId)).metrics[0]?.windows;
    const deleted = await purgeExpiredEvents(database.db, clock, 100);
    expect(deleted).toBeGreaterThanOrEqual(1);
    const remaining = await database.db
      .selectFrom('events')
      .select('timestamp')
      .where('workspace_id', '=', ws.workspaceId)
      .where('name', '=', 'Logged In')
      .execute();
    expect(remaining.map((r) => r.timestamp.toISOString())).toEqual([daysAgo(1)]);
    expect((await accountMetrics(database.db, clock, ws.system, accountId)).metrics[0]?.windows).toEqual(history);
    await expect(purgeExpiredEvents(database.db, clock, 6)).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

describe('metrics API', () => {
  it('defines metrics with an admin key, refuses a sum without a property, and serves an account its values', async () => {
    const { ws, accountId } = await workspaceWithAccount();
    const key = await createTestKey(database.db, clock, ws);
    const bad = await api.call('POST', '/api/v1/metrics', { key, body: { key: 'pages', label: 'Pages', kind: 'sum', eventName: 'Report Exported' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.property');
    const created = await api.call('POST', '/api/v1/metrics', { key, body: { key: 'exports', label: 'Exports', kind: 'count', eventName: 'Report Exported' } });
    expect(created.status).toBe(201);
    const dup = await api.call('POST', '/api/v1/metrics', { key, body: { key: 'exports', label: 'Again', kind: 'count', eventName: 'X' } });
    expect(dup.status).toBe(409);
    await ingestEvents(database.db, clock, systemActor(ws.workspaceId), { messages: [track('u1', 'Report Exported', daysAgo(0))] });
    const values = await api.call('GET', `/api/v1/accounts/${accountId}/metrics`, { key });
    expect(values.status).toBe(200);
    expect(values.body.metrics[0]).toMatchObject({ key: 'exports', windows: { '7d': 1 }, weekOverWeek: null });
    const renamed = await api.call('PATCH', `/api/v1/metrics/${created.body.id}`, { key, body: { label: 'Report exports' } });
    expect(renamed.body.label).toBe('Report exports');
    expect((await api.call('GET', '/api/v1/metrics', { key })).body.items).toHaveLength(1);
    expect((await api.call('DELETE', `/api/v1/metrics/${created.body.id}`, { key })).status).toBe(204);
    expect((await api.call('GET', '/api/v1/accounts/00000000-0000-4000-8000-000000000000/metrics', { key })).status).toBe(404);
  });

  it('queries events by account, name and time range, newest first, with a cursor', async () => {
    const { ws, accountId } = await workspaceWithAccount();
    const key = await createTestKey(database.db, clock, ws);
    await ingestEvents(database.db, clock, ws.system, {
      messages: [1, 2, 3, 4, 5].map((d) => track('u1', 'Logged In', daysAgo(d))).concat([track('u2', 'Other', daysAgo(1))]),
    });
    const from = encodeURIComponent(daysAgo(4, 0));
    const first = await api.call('GET', `/api/v1/events?accountId=${accountId}&name=Logged%20In&from=${from}&limit=2`, { key });
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: { timestamp: string }) => e.timestamp)).toEqual([daysAgo(1), daysAgo(2)]);
    const second = await api.call('GET', `/api/v1/events?accountId=${accountId}&name=Logged%20In&from=${from}&limit=2&cursor=${first.body.nextCursor}`, {
      key,
    });
    expect(second.body.items.map((e: { timestamp: string }) => e.timestamp)).toEqual([daysAgo(3), daysAgo(4)]);
    expect(second.body.nextCursor).toBeNull();
    expect((await api.call('GET', '/api/v1/events?cursor=garbage', { key })).status).toBe(400);
  });
});

describe('metric preview', () => {
  it('previews each kind workspace-wide on real data: daily values, accounts with a value, the top accounts and when last seen', async () => {
    const { ws } = await workspaceWithAccount();
    await ingestEvents(database.db, clock, ws.system, {
      messages: [
        { type: 'group', userId: 'b1', groupId: 'globex', traits: { name: 'Globex' } },
        track('u1', 'Report Exported', daysAgo(0), { pages: 4 }),
        track('u2', 'Report Exported', daysAgo(0), { pages: 6 }),
        track('u1', 'Report Exported', daysAgo(3), { pages: 1 }),
        track('b1', 'Report Exported', daysAgo(3, 12), { pages: 20 }),
        track('b1', 'Report Exported', daysAgo(40), { pages: 100 }),
      ],
    });
    const key = await createTestKey(database.db, clock, ws);
    const preview = (body: Record<string, unknown>) => api.call('POST', '/api/v1/metrics/preview', { key, body });

    const count = await preview({ kind: 'count', eventName: 'Report Exported' });
    expect(count.status).toBe(200);
    expect(count.body).toMatchObject({ days: 28, from: '2026-05-05', to: '2026-06-01', total: 4, accounts: 2, warnings: [] });
    expect(count.body.history).toHaveLength(28);
    expect(count.body.history.at(-1)).toEqual({ day: '2026-06-01', value: 2 });
    expect(count.body.history.at(-4)).toEqual({ day: '2026-05-29', value: 2 });
    expect(count.body.topAccounts.map((a: { name: string; value: number }) => [a.name, a.value])).toEqual([
      ['Acme', 3],
      ['Globex', 1],
    ]);
    expect(count.body.lastSeenAt).toBe(daysAgo(0));

    const users = await preview({ kind: 'distinct_users', eventName: 'Report Exported', days: 7 });
    expect(users.body).toMatchObject({ days: 7, total: 3, accounts: 2 });
    expect(users.body.history.at(-1)).toEqual({ day: '2026-06-01', value: 2 });

    // A sum no metric keeps yet is read from the raw events; once a metric sums it, from the daily sums: the same values.
    const draft = { kind: 'sum', eventName: 'Report Exported', property: 'pages', days: 90 };
    const raw = await preview(draft);
    expect(raw.body).toMatchObject({ days: 90, total: 131, accounts: 2, warnings: [] });
    expect(raw.body.topAccounts[0]).toMatchObject({ name: 'Globex', value: 120 });
    await createMetric(database.db, clock, ws.system, { key: 'pages', label: 'Pages', kind: 'sum', eventName: 'Report Exported', property: 'pages' });
    expect((await preview(draft)).body).toEqual(raw.body);

    const seen = await preview({ kind: 'last_seen', eventName: 'Report Exported' });
    expect(seen.body).toMatchObject({ total: 2, accounts: 2 });
    expect(seen.body.topAccounts[0]).toMatchObject({ name: 'Acme', lastSeenAt: daysAgo(0) });
  });

  it('warns, without refusing, about an event never seen (suggesting a near name), one never on an account and a summed property never seen', async () => {
    const { ws } = await workspaceWithAccount();
    await ingestEvents(database.db, clock, ws.system, {
      messages: [track('u1', 'Report Exported', daysAgo(1), { pages: 3, format: 'pdf' }), track('stranger', 'Trial Started', daysAgo(1))],
    });
    const key = await createTestKey(database.db, clock, ws);
    const preview = (body: Record<string, unknown>) => api.call('POST', '/api/v1/metrics/preview', { key, body });

    const typo = await preview({ kind: 'count', eventName: 'report_exported' });
    expect(typo.status).toBe(200);
    expect(typo.body).toMatchObject({ total: 0, accounts: 0, lastSeenAt: null, lastReceivedAt: null });
    expect(typo.body.warnings).toEqual([
      {
        path: 'eventName',
        message:
          'No event named "report_exported" has been seen in this workspace yet: the metric will count from the first one that arrives. Did you mean "Report Exported"?',
      },
    ]);
    const unknown = await preview({ kind: 'sum', eventName: 'Invoice Paid', property: 'amount' });
    expect(unknown.body.warnings.map((w: { path: string }) => w.path)).toEqual(['eventName', 'property']);

    const offAccount = await preview({ kind: 'count', eventName: 'Trial Started' });
    expect(offAccount.body.lastReceivedAt).toBe(clock.now().toISOString());
    expect(offAccount.body.warnings[0].message).toMatch(/none from a user grouped into an account/);

    const missing = await preview({ kind: 'sum', eventName: 'Report Exported', property: 'Pages' });
    expect(missing.body.warnings).toEqual([{ path: 'property', message: expect.stringMatching(/has a property named "Pages"/) }]);
    const text = await preview({ kind: 'sum', eventName: 'Report Exported', property: 'format' });
    expect(text.body.warnings).toEqual([{ path: 'property', message: expect.stringMatching(/"format" is never a number/) }]);

    // Saving the definition is allowed: the warning comes with the saved metric.
    const created = await api.call('POST', '/api/v1/metrics', { key, body: { key: 'invoices', label: 'Invoices', kind: 'count', eventName: 'Invoice Paid' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      key: 'invoices',
      warnings: [{ path: 'eventName', message: expect.stringMatching(/^No event named "Invoice Paid"/) }],
    });
    const fixed = await api.call('PATCH', `/api/v1/metrics/${created.body.id}`, { key, body: { eventName: 'Report Exported' } });
    expect(fixed.body).toMatchObject({ eventName: 'Report Exported', warnings: [] });
  });

  it('refuses bad input with 400 naming the field, and saves nothing', async () => {
    const { ws } = await workspaceWithAccount();
    const key = await createTestKey(database.db, clock, ws);
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['POST', '/api/v1/metrics/preview', { kind: 'average', eventName: 'X' }, 'body.kind'],
      ['POST', '/api/v1/metrics/preview', { kind: 'count', eventName: '  ' }, 'body.eventName'],
      ['POST', '/api/v1/metrics/preview', { kind: 'count', eventName: 'X', days: 30 }, 'body.days'],
      ['POST', '/api/v1/metrics/preview', { kind: 'sum', eventName: 'X' }, 'body.property'],
      ['POST', '/api/v1/metrics/preview', { kind: 'count', eventName: 'X', property: 'p' }, 'body.property'],
      ['POST', '/api/v1/metrics', { key: 'Weekly Reports', label: 'Reports', kind: 'count', eventName: 'X' }, 'body.key'],
      ['POST', '/api/v1/metrics', { key: 'reports', label: '', kind: 'count', eventName: 'X' }, 'body.label'],
      ['POST', '/api/v1/metrics', { key: 'reports', label: 'Reports', kind: 'count', eventName: 'x'.repeat(201) }, 'body.eventName'],
      ['POST', '/api/v1/metrics', { key: 'reports', label: 'Reports', kind: 'count', eventName: 'X', extra: 1 }, 'body.extra'],
    ];
    for (const [method, url, body, path] of cases) {
      const response = await api.call(method as 'POST', url, { key, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await api.call('GET', '/api/v1/metrics', { key })).body.items).toEqual([]);
    const audited = await database.db
      .selectFrom('audit_log')
      .select('id')
      .where('workspace_id', '=', ws.workspaceId)
      .where('entity_type', '=', 'metric')
      .execute();
    expect(audited).toEqual([]);
  });

  it('lists the event names seen in the workspace (Momentum’s own too), alphabetically, with when each last arrived', async () => {
    const { ws } = await workspaceWithAccount();
    await ingestEvents(database.db, clock, ws.system, {
      messages: [track('u1', 'Report Exported', daysAgo(1)), track('u2', 'Logged In', daysAgo(2)), track('u1', 'Logged In', daysAgo(0))],
    });
    const key = await createTestKey(database.db, clock, ws);
    const names = await api.call('GET', '/api/v1/metrics/event-names', { key });
    expect(names.status).toBe(200);
    expect(names.body.items).toEqual([
      { name: 'Account Created', lastReceivedAt: clock.now().toISOString() },
      { name: 'Logged In', lastReceivedAt: clock.now().toISOString() },
      { name: 'Report Exported', lastReceivedAt: clock.now().toISOString() },
    ]);
  });

  it("lists an account's events with the contact who did them", async () => {
    const ws = await createTestWorkspace(database.db, clock);
    await ingestEvents(database.db, clock, ws.system, {
      messages: [
        { type: 'identify', userId: 'grace', traits: { email: 'grace@initech.test', name: 'Grace Hopper' } },
        { type: 'group', userId: 'grace', groupId: 'initech', traits: { name: 'Initech' } },
        track('grace', 'meeting_held', daysAgo(1)),
      ],
    });
    const accountId = (await findAccountIdByExternalId(database.db, ws.workspaceId, 'initech')) as string;
    const key = await createTestKey(database.db, clock, ws);
    const events = await api.call('GET', `/api/v1/events?accountId=${accountId}&name=meeting_held`, { key });
    expect(events.status).toBe(200);
    expect(events.body.items).toEqual([
      expect.objectContaining({
        name: 'meeting_held',
        userId: 'grace',
        contact: expect.objectContaining({ name: 'Grace Hopper', email: 'grace@initech.test' }),
      }),
    ]);
  });
});
