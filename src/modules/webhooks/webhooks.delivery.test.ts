import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestWorkspace, type TestWorkspace, unique } from '../../../test/factories.ts';
import type { Clock } from '../../lib/clock.ts';
import { createAccount } from '../accounts/accounts.ts';
import { listAudit } from '../audit/audit.ts';
import { recordMomentumEvents } from '../events/events.ts';
import { callWorkspaceWebhook, MAX_ATTEMPTS, purgeWebhookDeliveries, RETRY_DELAYS_S, runWebhooks } from './webhooks.jobs.ts';
import type { PrivateTargets } from './webhooks.send.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookDelivery,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  replayWebhookDelivery,
  rotateWebhookSecret,
  sendTestWebhook,
  updateWebhookEndpoint,
} from './webhooks.ts';

// Real time moved forward by hand: signatures carry real timestamps (receivers check them), retries fall due by advancing.
let offset = 0;
const clock: Clock = { now: () => new Date(Date.now() + offset) };
const advanceTo = (at: string | null) => {
  offset += Math.max(0, new Date(at as string).getTime() - clock.now().getTime()) + 10;
};

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}
let received: Received[] = [];
let handle: (req: IncomingMessage, res: ServerResponse, body: string) => void = (_req, res) => res.writeHead(204).end();
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    received.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body });
    handle(req, res, body);
  });
});
let base = '';
let database: TestDatabase;

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  database = await createTestDatabase();
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await database?.dispose();
});

let previous: TestWorkspace | undefined;

/**
 * Each test in a workspace of its own, at real time again, with one account and one endpoint on the receiver; the
 * previous test's endpoints are deleted so that none of their retries falls due here.
 */
async function setUp(path: string, events: string[] | null = ['Sponsor Changed', 'Champion Changed']) {
  if (previous) {
    const old = previous;
    for (const e of await listWebhookEndpoints(database.db, clock, old.admin)) await deleteWebhookEndpoint(database.db, clock, old.admin, e.id);
  }
  offset = 0;
  received = [];
  handle = (_req, res) => res.writeHead(204).end();
  const ws = await createTestWorkspace(database.db, clock);
  previous = ws;
  const account = await createAccount(database.db, clock, ws.system, { name: unique('Acme') });
  // The endpoint comes later than what setting up recorded (an account created may be an event too).
  offset += 5;
  const { endpoint, secret } = await createWebhookEndpoint(
    database.db,
    clock,
    ws.admin,
    { url: `${base}${path}`, events },
    { allowPrivate: true, resolve: false },
  );
  return { ws, accountId: account.id, endpoint, secret };
}

const record = (ws: TestWorkspace, accountId: string, name = 'Sponsor Changed', summary = unique('change')) =>
  recordMomentumEvents(database.db, clock, ws.system, 'contacts', [{ accountId, name, properties: { summary }, key: unique('k') }]);

const run = (allowPrivate: PrivateTargets = true, timeoutMs = 2000) => runWebhooks(database.db, clock, { allowPrivate, timeoutMs, budgetMs: 10_000 });
const deliveries = (ws: TestWorkspace, endpointId: string) => listWebhookDeliveries(database.db, ws.admin, endpointId, { limit: 100 });
const summaryOf = (r: Received) => (JSON.parse(r.body) as { data: { properties: { summary: string } } }).data.properties.summary;

describe('webhook deliveries', () => {
  it('signs each delivery per Standard Webhooks: the receiver verifies it with the secret, and only subscribed events are sent', async () => {
    const { ws, accountId, endpoint, secret } = await setUp('/all', null);
    await createWebhookEndpoint(
      database.db,
      clock,
      ws.admin,
      { url: `${base}/renewals`, events: ['Contract Renewed'] },
      { allowPrivate: true, resolve: false },
    );
    await record(ws, accountId, 'Sponsor Changed', 'Sponsor replaced');
    expect(await run()).toMatchObject({ created: 1, delivered: 1 });
    expect(received.map((r) => r.path)).toEqual(['/all']);
    const [request] = received as [Received];
    const payload = new Webhook(secret).verify(request.body, request.headers) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({
      type: 'Sponsor Changed',
      timestamp: expect.stringMatching(/Z$/),
      data: { account: { id: accountId, name: expect.any(String) }, properties: { summary: 'Sponsor replaced', actor: 'system' } },
    });
    expect(request.headers['webhook-id']).toMatch(/^msg_/);
    expect(request.headers['content-type']).toBe('application/json');
    // A wrong secret does not verify.
    expect(() => new Webhook(`whsec_${Buffer.from('another secret of 24 bytes').toString('base64')}`).verify(request.body, request.headers)).toThrow();
    const [delivery] = await deliveries(ws, endpoint.id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, responseStatus: 204, eventName: 'Sponsor Changed', nextAttemptAt: null });
    const detail = await getWebhookDelivery(database.db, ws.admin, delivery?.id as string);
    expect(detail.attemptLog).toEqual([
      expect.objectContaining({
        attempt: 1,
        responseStatus: 204,
        responseMs: expect.any(Number),
        requestHeaders: expect.objectContaining({ 'webhook-id': request.headers['webhook-id'] }),
      }),
    ]);
    // Running again sends nothing twice.
    expect(await run()).toMatchObject({ created: 0, attempted: 0 });
  });

  it("delivers in order per account: a later event waits while the earlier one is retried, another account's events go on", async () => {
    const { ws, accountId, endpoint } = await setUp('/ordered');
    const other = (await createAccount(database.db, clock, ws.system, { name: unique('Other') })).id;
    let failFirst = true;
    handle = (_req, res, body) => {
      const fail = failFirst && body.includes('"a1"');
      if (fail) failFirst = false;
      res.writeHead(fail ? 500 : 200).end('ok');
    };
    await record(ws, accountId, 'Sponsor Changed', 'a1');
    await record(ws, accountId, 'Champion Changed', 'a2');
    await record(ws, other, 'Sponsor Changed', 'b1');
    await run();
    expect(received.map(summaryOf).sort()).toEqual(['a1', 'b1']);
    const waiting = (await deliveries(ws, endpoint.id)).filter((d) => d.status === 'pending');
    expect(waiting).toHaveLength(2);
    const retried = waiting.find((d) => d.attempts === 1) as { nextAttemptAt: string };
    advanceTo(retried.nextAttemptAt);
    await run();
    expect(received.map(summaryOf)).toEqual([...received.slice(0, 2).map(summaryOf), 'a1', 'a2']);
    expect((await deliveries(ws, endpoint.id)).map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('retries a 500 with exponential backoff over about three days, then gives up and disables the endpoint saying why', async () => {
    const { ws, accountId, endpoint } = await setUp('/failing');
    handle = (_req, res) => res.writeHead(500).end('database down');
    await record(ws, accountId);
    const start = clock.now().getTime();
    const delays: number[] = [];
    await run();
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      const [d] = await deliveries(ws, endpoint.id);
      expect(d).toMatchObject({ status: 'pending', attempts: i, responseStatus: 500, error: 'answered 500' });
      delays.push(Math.round((new Date(d?.nextAttemptAt as string).getTime() - new Date(d?.lastAttemptAt as string).getTime()) / 1000));
      advanceTo(d?.nextAttemptAt ?? null);
      await run();
    }
    expect(delays).toEqual(RETRY_DELAYS_S);
    expect(delays.slice(0, 4)).toEqual([60, 120, 240, 480]);
    const [given] = await deliveries(ws, endpoint.id);
    expect(given).toMatchObject({
      status: 'failed',
      attempts: MAX_ATTEMPTS,
      nextAttemptAt: null,
      error: expect.stringMatching(/gave up after 13 attempts: answered 500/),
    });
    const hours = (clock.now().getTime() - start) / 3600_000;
    expect(hours).toBeGreaterThan(60);
    expect(hours).toBeLessThan(80);
    expect(received).toHaveLength(MAX_ATTEMPTS);
    const disabled = await getWebhookEndpoint(database.db, clock, ws.admin, endpoint.id);
    expect(disabled).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/every delivery failed since .*answered 500/) });
    // Disabled: new events are not sent.
    await record(ws, accountId);
    await run();
    expect(received).toHaveLength(MAX_ATTEMPTS);
  });

  it('counts a receiver that does not answer within the timeout as a failed attempt, to be retried', async () => {
    const { ws, accountId, endpoint } = await setUp('/slow');
    handle = (_req, res) => setTimeout(() => res.writeHead(200).end(), 1500);
    await record(ws, accountId);
    const started = Date.now();
    await run(true, 300);
    expect(Date.now() - started).toBeLessThan(1400);
    const [d] = await deliveries(ws, endpoint.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, responseStatus: null, error: 'timed out after 0.3 s', nextAttemptAt: expect.any(String) });
  });

  it('disables the endpoint at once when it answers 410 Gone, and the member sees why; later events wait', async () => {
    const { ws, accountId, endpoint } = await setUp('/gone');
    handle = (_req, res) => res.writeHead(410).end('gone');
    await record(ws, accountId, 'Sponsor Changed', 'first');
    await run();
    expect(await getWebhookEndpoint(database.db, clock, ws.admin, endpoint.id)).toMatchObject({
      enabled: false,
      disabledReason: expect.stringMatching(/answered 410 Gone/),
    });
    const [d] = await deliveries(ws, endpoint.id);
    expect(d).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 410 });
    const audit = await listAudit(database.db, ws.admin, { entityType: 'webhook_endpoint', entityId: endpoint.id, limit: 5 });
    expect(audit.items[0]).toMatchObject({ action: 'webhook_endpoint.disabled_automatically' });
    await record(ws, accountId, 'Sponsor Changed', 'second');
    await run();
    expect(received).toHaveLength(1);
    // Enabled again by a member: events from now on are sent, not those of the disabled period.
    handle = (_req, res) => res.writeHead(204).end();
    await updateWebhookEndpoint(database.db, clock, ws.admin, endpoint.id, { enabled: true }, { allowPrivate: true, resolve: false });
    await record(ws, accountId, 'Sponsor Changed', 'third');
    await run();
    expect(received.map(summaryOf)).toEqual(['first', 'third']);
  });

  it('refuses a redirect to a private or metadata address, and a private target when private addresses are not allowed', async () => {
    const { ws, accountId, endpoint } = await setUp('/redirect');
    const port = (receiver.address() as AddressInfo).port;
    const targets: Record<string, string> = {
      '/redirect': 'http://169.254.169.254/latest/meta-data/',
      '/redirect-loopback': `http://127.0.0.2:${port}/internal`,
      '/redirect-ok': '/landed',
    };
    handle = (req, res) => {
      const to = targets[req.url ?? ''];
      if (to) res.writeHead(307, { location: to }).end();
      else res.writeHead(200).end();
    };
    // Only 127.0.0.1 (the test receiver) is allowed: the redirects' targets are not.
    await record(ws, accountId);
    await run(['127.0.0.1']);
    const [metadata] = await deliveries(ws, endpoint.id);
    expect(metadata).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/redirect to http:\/\/169\.254\.169\.254\/.* refused/) });

    const loopback = await createWebhookEndpoint(
      database.db,
      clock,
      ws.admin,
      { url: `${base}/redirect-loopback`, events: ['Sponsor Changed'] },
      { allowPrivate: true, resolve: false },
    );
    const followed = await createWebhookEndpoint(
      database.db,
      clock,
      ws.admin,
      { url: `${base}/redirect-ok`, events: ['Sponsor Changed'] },
      { allowPrivate: true, resolve: false },
    );
    await record(ws, accountId);
    await run(['127.0.0.1']);
    expect((await deliveries(ws, loopback.endpoint.id))[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/127\.0\.0\.2.*refused/) });
    // A redirect to an allowed address is followed, with the same signed body.
    expect((await deliveries(ws, followed.endpoint.id))[0]).toMatchObject({ status: 'delivered', responseStatus: 200 });
    expect(received.filter((r) => r.path === '/internal')).toHaveLength(0);
    expect(received.filter((r) => r.path === '/landed')).toHaveLength(1);

    // With the setting off, the receiver itself (on 127.0.0.1) is refused before any connection.
    const count = received.length;
    await record(ws, accountId);
    await run([]);
    expect(received).toHaveLength(count);
    const refused = (await deliveries(ws, followed.endpoint.id))[0];
    expect(refused).toMatchObject({ status: 'failed', error: expect.stringMatching(/127\.0\.0\.1 .*private, loopback.*refused/) });
  });

  it('replays a delivery as the same message; a replay of a delivery whose endpoint was deleted is refused', async () => {
    const { ws, accountId, endpoint, secret } = await setUp('/replay');
    await record(ws, accountId);
    await run();
    const [original] = await deliveries(ws, endpoint.id);
    const replay = await replayWebhookDelivery(database.db, clock, ws.admin, original?.id as string);
    expect(replay).toMatchObject({ status: 'pending', replayOf: original?.id, messageId: original?.messageId });
    await run();
    expect(received).toHaveLength(2);
    expect(received[1]?.body).toBe(received[0]?.body);
    expect(received[1]?.headers['webhook-id']).toBe(received[0]?.headers['webhook-id']);
    new Webhook(secret).verify(received[1]?.body as string, received[1]?.headers as Record<string, string>);
    expect((await getWebhookDelivery(database.db, ws.admin, replay.id)).status).toBe('delivered');

    await deleteWebhookEndpoint(database.db, clock, ws.admin, endpoint.id);
    await expect(replayWebhookDelivery(database.db, clock, ws.admin, original?.id as string)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/endpoint of this delivery was deleted/),
    });
  });

  it('signs with both the old and the new secret during a rotation grace period, then with the new one only', async () => {
    const { ws, accountId, endpoint, secret: oldSecret } = await setUp('/rotate');
    const rotated = await rotateWebhookSecret(database.db, clock, ws.admin, endpoint.id, { graceHours: 24 });
    expect(rotated.secret).not.toBe(oldSecret);
    expect(rotated.endpoint.previousSecretExpiresAt).not.toBeNull();
    await record(ws, accountId);
    await run();
    const during = received[0] as Received;
    expect(during.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    new Webhook(oldSecret).verify(during.body, during.headers);
    new Webhook(rotated.secret).verify(during.body, during.headers);

    offset += 25 * 3600_000;
    await record(ws, accountId);
    await run();
    // Timestamps are checked against real time by receivers: verify this one's signatures as of its own timestamp.
    const after = received[1] as Received;
    expect(after.headers['webhook-signature']?.split(' ')).toHaveLength(1);
    const signedAt = new Date(Number(after.headers['webhook-timestamp']) * 1000);
    const expected = new Webhook(rotated.secret).sign(after.headers['webhook-id'] as string, signedAt, after.body);
    expect(after.headers['webhook-signature']).toBe(expected);
    expect(new Webhook(oldSecret).sign(after.headers['webhook-id'] as string, signedAt, after.body)).not.toBe(expected);
  });

  it("signs an automated moment's call with the secret of the endpoint registered for its URL, and sends none to a URL not registered", async () => {
    const { ws, endpoint, secret } = await setUp('/action', []);
    const call = (url: string) =>
      callWorkspaceWebhook(
        database.db,
        clock,
        { workspaceId: ws.workspaceId, url, messageId: 'msg_action1', payload: { type: 'Moment Action' } },
        { allowPrivate: true },
      );
    expect(await call(endpoint.url)).toEqual({ ok: true, outcome: `webhook ${endpoint.url} answered 204` });
    new Webhook(secret).verify(received[0]?.body as string, received[0]?.headers as Record<string, string>);
    expect(await call(`${base}/elsewhere`)).toMatchObject({ ok: false, outcome: expect.stringMatching(/register this URL under Settings → Webhooks/) });
    expect(received).toHaveLength(1);
  });

  it('keeps the first 2,000 characters of a long answer, and purges finished deliveries after 30 days while waiting ones stay', async () => {
    const { ws, accountId, endpoint } = await setUp('/long');
    handle = (_req, res) => res.writeHead(200).end('x'.repeat(200_000));
    await record(ws, accountId);
    await run();
    const [done] = await deliveries(ws, endpoint.id);
    expect(done).toMatchObject({ status: 'delivered', responseStatus: 200 });
    expect((await getWebhookDelivery(database.db, ws.admin, done?.id as string)).attemptLog[0]?.responseBody).toHaveLength(2000);
    handle = (_req, res) => res.writeHead(503).end();
    await record(ws, accountId);
    await run();
    expect((await deliveries(ws, endpoint.id)).map((d) => d.status).sort()).toEqual(['delivered', 'pending']);
    offset += 29 * 86_400_000;
    expect(await purgeWebhookDeliveries(database.db, clock)).toBe(0);
    offset += 2 * 86_400_000;
    expect(await purgeWebhookDeliveries(database.db, clock)).toBeGreaterThanOrEqual(1);
    expect((await deliveries(ws, endpoint.id)).map((d) => d.status)).toEqual(['pending']);
  });

  it('sends a signed test message at once and reports the answer, refusing a private target when not allowed', async () => {
    const { ws, endpoint, secret } = await setUp('/test');
    handle = (_req, res) => res.writeHead(418).end('short and stout');
    const result = await sendTestWebhook(database.db, clock, ws.admin, endpoint.id, { allowPrivate: true });
    expect(result).toMatchObject({
      ok: false,
      responseStatus: 418,
      responseBody: 'short and stout',
      error: 'answered 418',
      messageId: expect.stringMatching(/^msg_test_/),
    });
    expect(new Webhook(secret).verify(received[0]?.body as string, received[0]?.headers as Record<string, string>)).toMatchObject({ type: 'Webhook Test' });
    const refused = await sendTestWebhook(database.db, clock, ws.admin, endpoint.id, { allowPrivate: [] });
    expect(refused).toMatchObject({ ok: false, responseStatus: null, error: expect.stringMatching(/refused/) });
    expect(received).toHaveLength(1);
    // A test is not a delivery.
    expect(await deliveries(ws, endpoint.id)).toEqual([]);
  });

  it('sends a waiting delivery as soon as a member enables its endpoint again, its retries resuming', async () => {
    const { ws, accountId, endpoint } = await setUp('/paused');
    handle = (_req, res) => res.writeHead(502).end();
    await record(ws, accountId);
    await run();
    const check = { allowPrivate: true as const, resolve: false };
    await updateWebhookEndpoint(database.db, clock, ws.admin, endpoint.id, { enabled: false }, check);
    handle = (_req, res) => res.writeHead(200).end();
    offset += 3600_000;
    await run();
    expect(received).toHaveLength(1);
    await updateWebhookEndpoint(database.db, clock, ws.admin, endpoint.id, { enabled: true }, check);
    await run();
    expect(received).toHaveLength(2);
    const [d] = await deliveries(ws, endpoint.id);
    expect(d).toMatchObject({ status: 'delivered', attempts: 2, responseStatus: 200 });
    expect((await getWebhookDelivery(database.db, ws.admin, d?.id as string)).attemptLog.map((a) => a.responseStatus)).toEqual([502, 200]);
  });
});
