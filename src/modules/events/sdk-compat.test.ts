import type { AddressInfo } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace } from '../../../test/factories.ts';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import type { App } from '../../http/types.ts';
import { systemClock } from '../../lib/clock.ts';
import { MAX_REQUEST_BYTES } from './events.schema.ts';
import { attachLateEvents, listEvents } from './events.ts';

// SDKs as their users run them, with default settings, against a real listening Momentum server on loopback; and
// what such SDKs send that other clients may get wrong (compressed bodies, text/plain, writeKey in the body, CORS).
let database: TestDatabase;
let ws: TestWorkspace;
let app: App;
let host: string;
let writeKey: string;

const settings = { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789', MOMENTUM_DATA_DIR: '/tmp/momentum-test-unused' };

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, systemClock);
  app = await buildApp({ db: database.db, clock: systemClock, config: loadConfig({}, settings), onIngested: () => undefined });
  await app.listen({ host: '127.0.0.1', port: 0 });
  host = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  writeKey = await createTestKey(database.db, systemClock, ws, ['ingest']);
});
afterAll(async () => {
  await app?.close();
  await database?.dispose();
});

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const eventsOf = async (userId: string) => (await listEvents(database.db, ws.system, { userId, limit: 5000 })).items;

async function post(path: string, body: Buffer | string, headers: Record<string, string>) {
  const res = await fetch(`${host}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe('@rudderstack/rudder-sdk-node against Momentum (gzip on by default)', () => {
  it('delivers every event of 250 track, identify and group calls, in several gzipped batches', async () => {
    const client = new RudderAnalytics(writeKey, { dataPlaneUrl: host });
    const failures: unknown[] = [];
    const user = `rudder-user-${Date.now()}`;
    client.identify({ userId: user, traits: { email: `${user}@hooli.test`, name: 'Gavin Belson' } });
    client.group({ userId: user, groupId: 'hooli', traits: { name: 'Hooli' } });
    for (let i = 0; i < 248; i++) client.track({ userId: user, event: 'Box Shipped', properties: { box: i } });
    await client.flush((error) => error && failures.push(error));
    await expect.poll(async () => (await eventsOf(user)).length, { timeout: 20_000 }).toBe(250);
    expect(failures).toEqual([]);
    const events = await eventsOf(user);
    expect(new Set(events.filter((e) => e.name === 'Box Shipped').map((e) => e.properties.box)).size).toBe(248);
    expect(events.find((e) => e.type === 'identify')?.context).toMatchObject({ library: { name: 'analytics-node' } });
    // The SDK sends its batches in parallel: a track batch committing while the group call commits stays unattached
    // until the worker's events.attach-late job, which runs here as the worker would. Then every event has the account.
    await attachLateEvents(database.db, systemClock);
    const attached = await eventsOf(user);
    expect(attached.filter((e) => e.name === 'Box Shipped' && e.accountId === null)).toEqual([]);
  });
});

describe('compressed request bodies', () => {
  const batchOf = (user: string, n: number) =>
    JSON.stringify({ batch: Array.from({ length: n }, (_, i) => ({ type: 'track', userId: user, event: 'Compressed', properties: { i } })) });

  it('accepts gzip on /v1/batch and deflate on a single call, labelled JSON or not labelled at all', async () => {
    const user = `zip-${Date.now()}`;
    const gz = await post('/v1/batch', gzipSync(batchOf(user, 3)), {
      authorization: basic(writeKey),
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(gz).toMatchObject({ status: 200, body: { stored: 3 } });
    const single = JSON.stringify({ userId: user, event: 'Deflated' });
    const df = await post('/v1/track', deflateSync(single), { authorization: basic(writeKey), 'content-encoding': 'deflate' });
    expect(df).toMatchObject({ status: 200, body: { stored: 1 } });
    expect((await eventsOf(user)).length).toBe(4);
  });

  it('applies the 500 KB limit to the decompressed body: a 600 KB batch that gzips to a few KB gets 400 and nothing is stored', async () => {
    const user = `big-${Date.now()}`;
    const body = JSON.stringify({ batch: [{ type: 'track', userId: user, event: 'Big', properties: { pad: 'x'.repeat(600 * 1024) } }] });
    const zipped = gzipSync(body);
    expect(zipped.length).toBeLessThan(4096);
    const res = await post('/v1/batch', zipped, { authorization: basic(writeKey), 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'payload_too_large', message: expect.stringContaining('once decompressed') });
    expect(await eventsOf(user)).toEqual([]);
  });

  it('refuses a gzip bomb (480 KB expanding to 480 MB) with 400, and stops inflating it at the limit', async () => {
    // 48 gzip members of 10 MB of spaces each: one valid gzip stream that inflates to 480 MB.
    const bomb = Buffer.concat(Array.from({ length: 48 }, () => gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20), { level: 9 })));
    expect(bomb.length).toBeLessThan(MAX_REQUEST_BYTES);
    const cpu = process.cpuUsage();
    const res = await post('/v1/batch', bomb, { authorization: basic(writeKey), 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('payload_too_large');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Inflating all of it takes about a second of CPU on these machines; stopping at 500 KB, a few milliseconds.
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1000).toBeLessThan(400);
    // The server, and the connection, are fine.
    const after = await post('/v1/t', JSON.stringify({ type: 'track', event: 'After Bomb', userId: 'after-bomb', writeKey }), { 'content-type': 'text/plain' });
    expect(after.status).toBe(200);
  });

  it('answers 400 saying so to a body labelled gzip that is not gzip', async () => {
    const res = await post('/v1/batch', batchOf('not-gzip', 1), {
      authorization: basic(writeKey),
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'bad_request', message: expect.stringContaining('is not gzip data') });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers 400 to a gzip body cut short, and 415 naming the supported encodings to another encoding', async () => {
    const cut = gzipSync(batchOf('cut', 50)).subarray(0, 60);
    const truncated = await post('/v1/batch', cut, { authorization: basic(writeKey), 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(truncated.status).toBe(400);
    const br = await post('/v1/batch', batchOf('br', 1), {
      authorization: basic(writeKey),
      'content-type': 'application/json',
      'content-encoding': 'compress',
    });
    expect(br.status).toBe(415);
    expect(br.body.error.message).toContain('gzip or deflate');
  });
});

describe("analytics.js 2.0's requests", () => {
  it('stores a text/plain call on a short path (/v1/t, /v1/i, /v1/b) authenticated by the writeKey in the body', async () => {
    const user = `ajs-${Date.now()}`;
    const t = await post('/v1/t', JSON.stringify({ type: 'track', event: 'Clicked', userId: user, writeKey }), { 'content-type': 'text/plain' });
    expect(t).toMatchObject({ status: 200, body: { stored: 1 } });
    expect(t.headers.get('access-control-allow-origin')).toBe('*');
    const i = await post('/v1/i', JSON.stringify({ type: 'identify', userId: user, traits: { plan: 'pro' }, writeKey }), { 'content-type': 'text/plain' });
    expect(i.status).toBe(200);
    const b = await post('/v1/b', JSON.stringify({ writeKey, batch: [{ type: 'page', userId: user, name: 'Home' }], sentAt: new Date().toISOString() }), {
      'content-type': 'text/plain',
    });
    expect(b).toMatchObject({ status: 200, body: { stored: 1 } });
    expect((await eventsOf(user)).map((e) => e.type).sort()).toEqual(['identify', 'page', 'track']);
  });

  it('sends CORS headers with errors and unknown paths under /v1, and answers preflights', async () => {
    const unknownKey = await post('/v1/t', JSON.stringify({ type: 'track', event: 'X', userId: 'u', writeKey: 'mk_nope' }), { 'content-type': 'text/plain' });
    expect(unknownKey.status).toBe(401);
    expect(unknownKey.headers.get('access-control-allow-origin')).toBe('*');
    const notJson = await post('/v1/p', '{nope', { 'content-type': 'text/plain' });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('access-control-allow-origin')).toBe('*');
    const unknown = await post('/v1/nowhere', '{}', { 'content-type': 'text/plain' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await fetch(`${host}/v1/t`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('answers 429 with X-RateLimit-Reset, readable by a page on another origin, once a write key passes its limit', async () => {
    const limited = await buildApp({
      db: database.db,
      clock: systemClock,
      config: loadConfig({}, { ...settings, RATE_LIMIT_INGEST_PER_MINUTE: 1 }),
      onIngested: () => undefined,
    });
    try {
      const body = JSON.stringify({ type: 'track', event: 'Limited', userId: 'limited', writeKey });
      const first = await limited.inject({ method: 'POST', url: '/v1/t', headers: { 'content-type': 'text/plain' }, payload: body });
      expect(first.statusCode).toBe(200);
      const second = await limited.inject({ method: 'POST', url: '/v1/t', headers: { 'content-type': 'text/plain' }, payload: body });
      expect(second.statusCode).toBe(429);
      expect(Number(second.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
      expect(second.headers['x-ratelimit-reset']).toBe(second.headers['retry-after']);
      expect(second.headers['access-control-allow-origin']).toBe('*');
      expect(String(second.headers['access-control-expose-headers'])).toContain('x-ratelimit-reset');
    } finally {
      await limited.close();
    }
  });
});
