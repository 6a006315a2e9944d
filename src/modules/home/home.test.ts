import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestMember, createTestWorkspace, TEST_PASSWORD, type TestWorkspace } from '../../../test/factories.ts';
import { fixedClock } from '../../lib/clock.ts';
import { createAccount } from '../accounts/accounts.ts';
import { createContract } from '../contracts/contracts.ts';
import { evaluateNewEvents, sweep } from '../engine/engine.ts';
import { recordInteractionEvent } from '../events/events.ts';
import { applyModel } from '../models/models.ts';

const clock = fixedClock('2026-06-01T09:00:00Z');
let database: TestDatabase;
let ws: TestWorkspace;
let api: Awaited<ReturnType<typeof createTestApp>>;
const emails: Record<'csm' | 'other' | 'lead', string> = { csm: '', other: '', lead: '' };
const ids: Record<'csm' | 'other' | 'lead', string> = { csm: '', other: '', lead: '' };
let acme: string;

// Kickoff is due in 2 days, the review in 20: two different weeks. A high-severity case opens an alert.
const model = `key: home
name: Home
phases:
  - key: onboarding
    name: Onboarding
moments:
  - id: kickoff
    name: Kickoff
    phase: onboarding
    owner: csm
    channel: meeting
    digital: false
    objective: Meet the team.
    due: 2d
    start: { type: scheduled, rrule: FREQ=DAILY;COUNT=1, anchor: engaged }
  - id: review
    name: Plan review
    phase: onboarding
    owner: csm
    channel: meeting
    digital: false
    objective: Review the plan.
    due: 20d
    start: { type: scheduled, rrule: FREQ=DAILY;COUNT=1, anchor: engaged }
  - id: sev1
    name: High-severity case
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: React fast.
    due: 1d
    start: { type: event, event: Case Opened, where: [{ property: severity, op: eq, value: high }], cooldown: 1d }
`;

async function signIn(email: string): Promise<string> {
  const res = await api.call('POST', '/api/v1/auth/sign-in', { body: { email, password: TEST_PASSWORD } });
  return String(res.headers['set-cookie'] ?? '').split(';')[0] ?? '';
}

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, clock);
  api = await createTestApp(database.db, clock);
  const csm = await createTestMember(database.db, clock, ws, ['csm'], 'Casey CSM');
  const other = await createTestMember(database.db, clock, ws, ['csm'], 'Olive Other');
  const lead = await createTestMember(database.db, clock, ws, ['executive'], 'Lee Lead');
  Object.assign(emails, { csm: csm.email, other: other.email, lead: lead.email });
  Object.assign(ids, { csm: csm.member.id, other: other.member.id, lead: lead.member.id });
  acme = (await createAccount(database.db, clock, ws.system, { name: 'Acme', team: { csm: csm.member.id } })).id;
  const globex = (await createAccount(database.db, clock, ws.system, { name: 'Globex', team: { csm: csm.member.id } })).id;
  await createAccount(database.db, clock, ws.system, { name: 'Initech', team: { csm: other.member.id } });
  // Acme renews in 30 days (in the window), Globex in 200 (outside it).
  for (const [accountId, renewal, arr] of [
    [acme, '2026-07-01', 40_000],
    [globex, '2026-12-18', 90_000],
  ] as const) {
    await createContract(database.db, clock, ws.system, {
      accountId,
      name: 'Subscription',
      status: 'active',
      startDate: '2025-07-01',
      endDate: renewal,
      renewalDate: renewal,
      lineItems: [{ offering: 'Platform', quantity: 1, unitPrice: arr }],
    });
  }
  await applyModel(database.db, clock, ws.system, { source: model, file: 'home.yaml' }, { approve: true });
  await sweep(database.db, clock, { workspaceId: ws.workspaceId });
  await recordInteractionEvent(database.db, clock, ws.workspaceId, {
    accountId: acme,
    name: 'Case Opened',
    channel: 'case',
    digital: true,
    occurredAt: clock.now(),
    properties: { severity: 'high' },
    key: 'case-1',
    source: 'test',
  });
  await evaluateNewEvents(database.db, clock, ws.workspaceId);
});
afterAll(async () => {
  await api?.close();
  await database?.dispose();
});

describe('home page', () => {
  it('gives a member their open moments in numbers and by week, their renewals in the next 90 days with ARR, and alerts on their accounts', async () => {
    const res = await api.call('GET', '/api/v1/home', { cookie: await signIn(emails.csm) });
    expect(res.status).toBe(200);
    const home = res.body;
    expect(home.member.name).toBe('Casey CSM');
    // Three accounts' moments: kickoff and review on Acme and Globex each, plus the case on Acme.
    expect(home.moments.counts).toEqual({ overdue: 0, dueThisWeek: 3, escalated: 0, open: 5 });
    expect(home.moments.weeks).toEqual([3, 0, 2, 0, 0, 0, 0, 0]);
    expect(
      home.moments.next
        .map((m: { moment: { id: string } }) => m.moment.id)
        .slice(0, 3)
        .sort(),
    ).toEqual(['kickoff', 'kickoff', 'sev1']);
    expect(home.renewals).toMatchObject({
      withinDays: 90,
      count: 1,
      arr: 40_000,
      items: [{ id: acme, name: 'Acme', nextRenewalDate: '2026-07-01', arr: 40_000 }],
    });
    expect(home.alerts.map((a: { moment: { id: string }; account: { name: string } }) => [a.moment.id, a.account.name])).toEqual([['sev1', 'Acme']]);
    // A CSM is not a lead: no team view.
    expect(home.team).toBeNull();
  });

  it("shows another member only their own work, and a lead the team's open and overdue moments per member", async () => {
    const other = (await api.call('GET', '/api/v1/home', { cookie: await signIn(emails.other) })).body;
    expect(other.moments.counts.open).toBe(2);
    expect(other.renewals.count).toBe(0);
    expect(other.alerts).toEqual([]);
    clock.advance(3 * 86_400_000);
    const lead = (await api.call('GET', '/api/v1/home', { cookie: await signIn(emails.lead) })).body;
    expect(lead.moments.counts.open).toBe(0);
    expect(lead.team).toEqual([
      { memberId: expect.any(String), name: 'Casey CSM', open: 5, overdue: 3 },
      { memberId: expect.any(String), name: 'Olive Other', open: 2, overdue: 1 },
    ]);
  });

  it('refuses an API key with a clear message: the home page is a member’s', async () => {
    const res = await api.call('GET', '/api/v1/home', { key: await createTestKey(database.db, clock, ws) });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/sign in as a member/);
  });
});

// Runs after the home page tests, three days on: the kickoffs and the case are overdue, the reviews 17 days away.
describe('inbox (My moments)', () => {
  const names = (body: { items: { moment: { id: string }; account: { name: string } }[] }) => body.items.map((m) => `${m.moment.id}@${m.account.name}`).sort();

  it('splits my moments into overdue, due this week, upcoming and completed (with notes), and filters by account and rule', async () => {
    const cookie = await signIn(emails.csm);
    const view = async (query: string) => (await api.call('GET', `/api/v1/moments?${query}`, { cookie })).body;
    expect(names(await view('view=overdue'))).toEqual(['kickoff@Acme', 'kickoff@Globex', 'sev1@Acme']);
    expect(names(await view('view=due'))).toEqual([]);
    expect(names(await view('view=upcoming'))).toEqual(['review@Acme', 'review@Globex']);
    expect(names(await view(`view=open&accountId=${acme}`))).toEqual(['kickoff@Acme', 'review@Acme', 'sev1@Acme']);
    expect(names(await view('view=open&rule=event'))).toEqual(['sev1@Acme']);
    const sev1 = (await view('view=open&rule=event')).items[0];
    const done = await api.call('POST', `/api/v1/moments/${sev1.id}/complete`, { cookie, body: { notes: 'Called the admin', outcome: 'fixed' } });
    expect(done.status).toBe(200);
    const completed = await view('view=completed');
    expect(completed.items.map((m: { moment: { id: string }; notes: string }) => [m.moment.id, m.notes])).toEqual([['sev1', 'Called the admin']]);
  });

  it("lets a lead see any member's or the whole team's moments, and refuses that to others", async () => {
    const lead = await signIn(emails.lead);
    const casey = await api.call('GET', `/api/v1/moments?view=open&member=${ids.csm}`, { cookie: lead });
    expect(names(casey.body)).toEqual(['kickoff@Acme', 'kickoff@Globex', 'review@Acme', 'review@Globex']);
    const team = await api.call('GET', '/api/v1/moments?view=open&member=team', { cookie: lead });
    expect(team.body.items).toHaveLength(6);
    const refused = await api.call('GET', `/api/v1/moments?view=open&member=${ids.csm}`, { cookie: await signIn(emails.other) });
    expect(refused.status).toBe(403);
  });

  it('reassigns an open moment to another member, audited; refuses a stranger, an unknown member and a completed moment', async () => {
    const casey = await signIn(emails.csm);
    const olive = await signIn(emails.other);
    const mine = (await api.call('GET', '/api/v1/moments?view=upcoming', { cookie: casey })).body.items;
    const review = mine.find((m: { account: { name: string } }) => m.account.name === 'Acme');
    const moved = await api.call('POST', `/api/v1/moments/${review.id}/assign`, { cookie: casey, body: { memberId: ids.other } });
    expect(moved.status).toBe(200);
    expect(moved.body.assignee).toMatchObject({ memberId: ids.other, name: 'Olive Other' });
    expect(names((await api.call('GET', '/api/v1/moments?view=upcoming', { cookie: olive })).body)).toEqual(['review@Acme', 'review@Initech']);
    const audit = await api.call('GET', `/api/v1/audit?entityType=moment_instance&entityId=${review.id}`, { key: await createTestKey(database.db, clock, ws) });
    expect(audit.body.items[0]).toMatchObject({
      action: 'moment.reassigned',
      before: { assignee: { name: 'Casey CSM' } },
      after: { assignee: { name: 'Olive Other' } },
    });
    // Olive is no lead and the Globex review is Casey's.
    const globex = mine.find((m: { account: { name: string } }) => m.account.name === 'Globex');
    expect((await api.call('POST', `/api/v1/moments/${globex.id}/assign`, { cookie: olive, body: { memberId: ids.other } })).status).toBe(403);
    const unknown = await api.call('POST', `/api/v1/moments/${globex.id}/assign`, {
      cookie: casey,
      body: { memberId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toBe('body.memberId');
    const completed = (await api.call('GET', '/api/v1/moments?view=completed', { cookie: casey })).body.items[0];
    expect((await api.call('POST', `/api/v1/moments/${completed.id}/assign`, { cookie: casey, body: { memberId: ids.other } })).status).toBe(409);
  });
});
