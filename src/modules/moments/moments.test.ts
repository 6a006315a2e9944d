import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestMember, createTestWorkspace, TEST_PASSWORD, type TestWorkspace } from '../../../test/factories.ts';
import { fixedClock } from '../../lib/clock.ts';
import { createAccount } from '../accounts/accounts.ts';
import { sweep } from '../engine/engine.ts';
import { applyModel } from '../models/models.ts';
import { createWebhookEndpoint } from '../webhooks/webhooks.ts';
import { runAutomatedMoments } from './moments.ts';

const clock = fixedClock('2026-06-01T09:00:00Z');
let database: TestDatabase;
let ws: TestWorkspace;
let api: Awaited<ReturnType<typeof createTestApp>>;
let key: string;
let csmEmail: string;
let accountId: string;
let hookSecret: string;

// A real HTTP server stands in for the CRM: it answers as the test sets it (fail, slow, ok) and keeps what it got.
let hookMode: 'fail' | 'slow' | 'ok' = 'fail';
const received: { path: string; body: Record<string, unknown>; raw: string; headers: Record<string, string> }[] = [];
const hooks = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => {
    body += chunk;
  });
  request.on('end', () => {
    received.push({ path: request.url ?? '', body: JSON.parse(body || '{}'), raw: body, headers: request.headers as Record<string, string> });
    const answer = () => response.writeHead(hookMode === 'fail' ? 500 : 202, { 'content-type': 'application/json' }).end('{}');
    if (hookMode === 'slow') setTimeout(answer, 2_000);
    else answer();
  });
});

const model = `key: moments-api
name: Moments API
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
    playbook: [Introduce the team, Agree the plan]
    due: 2d
    start: { type: scheduled, rrule: FREQ=DAILY;COUNT=1, anchor: engaged }
  - id: notify
    name: Notify the CRM
    phase: onboarding
    owner: automated
    channel: other
    digital: true
    objective: Tell the CRM the account is onboarding.
    start: { type: scheduled, rrule: FREQ=DAILY;COUNT=1, anchor: engaged }
    action: { type: webhook, url: HOOK_URL }
`;

beforeAll(async () => {
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks/momentum`;
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, clock);
  api = await createTestApp(database.db, clock);
  key = await createTestKey(database.db, clock, ws);
  const csm = await createTestMember(database.db, clock, ws, ['csm'], 'Casey CSM');
  csmEmail = csm.email;
  accountId = (await createAccount(database.db, clock, ws.system, { name: 'Acme', team: { csm: csm.member.id } })).id;
  // The action's URL is a registered endpoint (for no events): its secret signs the calls.
  hookSecret = (await createWebhookEndpoint(database.db, clock, ws.admin, { url: hookUrl, events: [] }, { allowPrivate: true, resolve: false })).secret;
  await applyModel(database.db, clock, ws.system, { source: model.replace('HOOK_URL', hookUrl), file: 'moments-api.yaml' }, { approve: true });
  await sweep(database.db, clock, { workspaceId: ws.workspaceId });
});
afterAll(async () => {
  await api?.close();
  await database?.dispose();
  hooks.closeAllConnections();
  await new Promise((resolve) => hooks.close(resolve));
});

async function signIn(email: string): Promise<string> {
  const res = await api.call('POST', '/api/v1/auth/sign-in', { body: { email, password: TEST_PASSWORD } });
  return String(res.headers['set-cookie'] ?? '').split(';')[0] ?? '';
}

describe('moments API', () => {
  it("lists a member's due moments, and overdue ones once the due date has passed", async () => {
    const signIn = await api.call('POST', '/api/v1/auth/sign-in', { body: { email: csmEmail, password: TEST_PASSWORD } });
    const cookie = String(signIn.headers['set-cookie'] ?? '').split(';')[0] ?? '';
    const due = await api.call('GET', '/api/v1/moments?view=due', { cookie });
    expect(due.status).toBe(200);
    expect(due.body.items).toHaveLength(1);
    expect(due.body.items[0]).toMatchObject({
      account: { id: accountId, name: 'Acme' },
      moment: { id: 'kickoff', name: 'Kickoff', playbook: ['Introduce the team', 'Agree the plan'] },
      assignee: { role: 'csm', name: 'Casey CSM' },
      status: 'open',
      overdue: false,
    });
    clock.advance(3 * 24 * 3600 * 1000);
    // Sessions end after a day idle: sign in again three days later.
    const later = await api.call('POST', '/api/v1/auth/sign-in', { body: { email: csmEmail, password: TEST_PASSWORD } });
    const overdue = await api.call('GET', '/api/v1/moments?view=overdue', { cookie: String(later.headers['set-cookie'] ?? '').split(';')[0] ?? '' });
    expect(overdue.body.items.map((m: { overdue: boolean }) => m.overdue)).toEqual([true]);
  });

  it("shows an account's moments and engagement, and completes a moment with notes", async () => {
    const list = await api.call('GET', `/api/v1/accounts/${accountId}/moments`, { key });
    expect(list.status).toBe(200);
    const id = list.body.items.find((m: { moment: { id: string } }) => m.moment.id === 'kickoff').id;
    const done = await api.call('POST', `/api/v1/moments/${id}/complete`, { key, body: { notes: 'Met the whole team', outcome: 'plan agreed' } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'done', notes: 'Met the whole team', outcome: 'plan agreed' });
    const again = await api.call('POST', `/api/v1/moments/${id}/complete`, { key, body: {} });
    expect(again.status).toBe(409);
    const engagement = await api.call('GET', `/api/v1/accounts/${accountId}/engagement`, { key });
    expect(engagement.body).toMatchObject({ phase: 'onboarding', model: { key: 'moments-api', version: 1 } });
  });

  it('runs an automated webhook against a real server, signed with its endpoint secret: a 500 and a timeout are retried, a 202 completes it', async () => {
    const row = () => database.db.selectFrom('moment_instances').selectAll().where('moment_id', '=', 'notify').executeTakeFirstOrThrow();
    hookMode = 'fail';
    expect(await runAutomatedMoments(database.db, clock, { allowPrivate: true })).toEqual({ ran: 1, failed: 1 });
    expect(await row()).toMatchObject({ status: 'open', outcome: expect.stringMatching(/answered 500/), evidence: { attempts: 1 } });
    expect(received[0]).toMatchObject({ path: '/hooks/momentum', body: { moment: 'notify', account: accountId, model: 'moments-api' } });
    hookMode = 'slow';
    expect(await runAutomatedMoments(database.db, clock, { webhookTimeoutMs: 200, allowPrivate: true })).toEqual({ ran: 1, failed: 1 });
    expect(await row()).toMatchObject({ status: 'open', outcome: expect.stringMatching(/failed: timed out after 0.2 s/), evidence: { attempts: 2 } });
    hookMode = 'ok';
    expect(await runAutomatedMoments(database.db, clock, { allowPrivate: true })).toEqual({ ran: 1, failed: 0 });
    expect(await row()).toMatchObject({
      status: 'done',
      outcome: expect.stringMatching(/answered 202/),
      completed_by: 'automation',
      evidence: { attempts: 3 },
    });
    expect(received).toHaveLength(3);
    // Signed per Standard Webhooks with the endpoint's secret (as of the test clock's time), the same message on each retry.
    const last = received[2] as (typeof received)[number];
    expect(last.body).toMatchObject({ type: 'Moment Action', moment: 'notify' });
    const signedAt = new Date(Number(last.headers['webhook-timestamp']) * 1000);
    expect(signedAt.toISOString()).toBe(clock.now().toISOString());
    expect(last.headers['webhook-signature']).toBe(new Webhook(hookSecret).sign(last.headers['webhook-id'] as string, signedAt, last.raw));
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    // Done: nothing runs again.
    expect(await runAutomatedMoments(database.db, clock)).toEqual({ ran: 0, failed: 0 });
  });

  it('a member creates an ad-hoc task on an account for a colleague: it is in their inbox as a task, opened as an event, and completed like any moment', async () => {
    const casey = await signIn(csmEmail);
    const other = await createTestMember(database.db, clock, ws, ['csm'], 'Robin Rep');
    const dueAt = new Date(clock.now().getTime() + 10 * 86_400_000).toISOString().slice(0, 10);
    const created = await api.call('POST', '/api/v1/moments/tasks', {
      cookie: casey,
      body: {
        accountId,
        title: 'Send the security questionnaire',
        description: 'Their CISO asked on the call',
        dueAt,
        assigneeMemberId: other.member.id,
        channel: 'email',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      account: { id: accountId, name: 'Acme' },
      model: null,
      rule: 'task',
      moment: { name: 'Send the security questionnaire', objective: 'Their CISO asked on the call', channel: 'email' },
      assignee: { memberId: other.member.id, name: 'Robin Rep' },
      status: 'open',
      dueAt: `${dueAt}T23:59:59.999Z`,
    });
    const robin = await signIn(other.email);
    const upcoming = await api.call('GET', '/api/v1/moments?view=upcoming&rule=task', { cookie: robin });
    expect(upcoming.body.items.map((m: { id: string }) => m.id)).toEqual([created.body.id]);
    const opened = await database.db.selectFrom('events').select(['name', 'properties']).where('message_id', 'like', `%${created.body.id}%`).execute();
    expect(opened).toEqual([
      expect.objectContaining({ name: 'Moment Opened', properties: expect.objectContaining({ rule: 'task', momentName: 'Send the security questionnaire' }) }),
    ]);
    const audit = await database.db.selectFrom('audit_log').select('action').where('entity_id', '=', created.body.id).execute();
    expect(audit.map((a) => a.action)).toEqual(['moment.task_created']);
    const done = await api.call('POST', `/api/v1/moments/${created.body.id}/complete`, {
      cookie: robin,
      body: { notes: 'Sent it', outcome: 'questionnaire sent' },
    });
    expect(done.body).toMatchObject({ status: 'done', model: null, notes: 'Sent it' });
    const completed = await api.call('GET', '/api/v1/moments?view=completed&rule=task', { cookie: robin });
    expect(completed.body.items).toEqual([expect.objectContaining({ id: created.body.id, outcome: 'questionnaire sent' })]);
  });

  it('refuses a task without a title, due in the past, on an unknown account or for an unknown member, naming the field and saving nothing', async () => {
    const casey = await signIn(csmEmail);
    const count = async () =>
      (
        await database.db
          .selectFrom('moment_instances')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const before = await count();
    const tomorrow = new Date(clock.now().getTime() + 86_400_000).toISOString();
    const yesterday = new Date(clock.now().getTime() - 86_400_000).toISOString();
    const cases: [Record<string, unknown>, string][] = [
      [{ accountId, title: '  ', dueAt: tomorrow }, 'body.title'],
      [{ accountId, title: 'Call back', dueAt: yesterday }, 'body.dueAt'],
      [{ accountId, title: 'Call back', dueAt: 'next tuesday' }, 'body.dueAt'],
      [{ accountId: '00000000-0000-4000-8000-000000000000', title: 'Call back', dueAt: tomorrow }, 'body.accountId'],
      [{ accountId, title: 'Call back', dueAt: tomorrow, assigneeMemberId: '00000000-0000-4000-8000-000000000000' }, 'body.assigneeMemberId'],
      [{ accountId, title: 'Call back', dueAt: tomorrow, channel: 'pigeon' }, 'body.channel'],
    ];
    for (const [body, path] of cases) {
      const res = await api.call('POST', '/api/v1/moments/tasks', { cookie: casey, body });
      expect(res.status, path).toBe(400);
      expect(
        res.body.error.details.map((d: { path: string }) => d.path),
        path,
      ).toContain(path);
    }
    expect(await count()).toBe(before);
  });

  it('documents the models and moments routes in the OpenAPI document', async () => {
    const res = await api.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/models', '/api/v1/models/validate', '/api/v1/responsibilities', '/api/v1/moments', '/api/v1/moments/{id}/complete']),
    );
  });
});
