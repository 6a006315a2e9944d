import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.ts';
import { createTestKey, createTestWorkspace, TEST_PASSWORD, type TestWorkspace, testClock, unique } from '../../test/factories.ts';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import type { App } from './types.ts';

const clock = testClock();
let database: TestDatabase;
let ws: TestWorkspace;
let app: App;

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, clock);
  const config = loadConfig(
    {},
    {
      MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789',
      MOMENTUM_DATA_DIR: '/tmp/momentum-test-unused',
      RATE_LIMIT_API_PER_MINUTE: 3,
      RATE_LIMIT_INGEST_PER_MINUTE: 2,
    },
  );
  app = await buildApp({ db: database.db, clock, config, onIngested: () => undefined });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await database?.dispose();
});

const get = (url: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') => app.inject({ method: 'GET', url, headers, remoteAddress });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API rate limits', () => {
  it('answers 429 with Retry-After and RateLimit headers once a key passes its limit, and counts down before that', async () => {
    const key = await createTestKey(database.db, clock, ws);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ok = await get('/api/v1/accounts', bearer(key));
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['ratelimit-limit']).toBe('3');
      remaining.push(String(ok.headers['ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await get('/api/v1/accounts', bearer(key));
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-limit']).toBe('3');
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(Number(refused.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
    expect(refused.json()).toEqual({
      error: { code: 'rate_limited', message: expect.stringMatching(/^Too many API requests: this API key may make 3 per minute\. Try again in \d+ s\.$/) },
    });
  });

  it('counts each key on its own: a second key is unaffected by the first one passing its limit', async () => {
    const busy = await createTestKey(database.db, clock, ws);
    const quiet = await createTestKey(database.db, clock, ws);
    for (let i = 0; i < 4; i++) await get('/api/v1/accounts', bearer(busy));
    expect((await get('/api/v1/accounts', bearer(busy))).statusCode).toBe(429);
    const other = await get('/api/v1/accounts', bearer(quiet));
    expect(other.statusCode).toBe(200);
    expect(other.headers['ratelimit-remaining']).toBe('2');
  });

  it('counts console sessions one by one, not by the address they share', async () => {
    const signIn = async () => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: ws.adminEmail, password: TEST_PASSWORD } });
      return String(res.headers['set-cookie']).split(';')[0] ?? '';
    };
    const first = await signIn();
    const second = await signIn();
    for (let i = 0; i < 3; i++) expect((await get('/api/v1/me', { cookie: first })).statusCode).toBe(200);
    const refused = await get('/api/v1/me', { cookie: first });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.message).toContain('this session');
    expect((await get('/api/v1/me', { cookie: second })).statusCode).toBe(200);
  });

  it('limits ingestion per write key, apart from the same key on the API', async () => {
    const ingestKey = await createTestKey(database.db, clock, ws, ['ingest', 'admin']);
    const other = await createTestKey(database.db, clock, ws, ['ingest']);
    const track = (writeKey: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/track',
        payload: { writeKey, userId: 'rate-user', event: 'Rate Limited' },
      });
    expect((await track(ingestKey)).statusCode).toBe(200);
    expect((await track(ingestKey)).statusCode).toBe(200);
    const refused = await track(ingestKey);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.json().error.message).toMatch(/^Too many ingestion requests: this API key may make 2 per minute/);
    expect((await track(other)).statusCode).toBe(200);
    // The same key's REST API budget is its own.
    expect((await get('/api/v1/accounts', bearer(ingestKey))).statusCode).toBe(200);
  });

  it('says in the OpenAPI document that /api/v1 routes may answer 429', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { responses: object }>> };
    expect(Object.keys(doc.paths['/api/v1/accounts']?.get?.responses ?? {})).toContain('429');
    expect(Object.keys(doc.paths['/api/v1/api-keys']?.post?.responses ?? {})).toContain('429');
  });

  it('counts signed-out callers by address and leaves health checks alone', async () => {
    for (let i = 0; i < 5; i++) expect((await get('/healthz', {}, '10.1.1.1')).statusCode).toBe(200);
    // A different email each time: the sign-in throttle per email must not be what answers.
    const signInAs = (remoteAddress: string) =>
      app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', remoteAddress, payload: { email: `${unique('nobody')}@vendor.test`, password: 'wrong' } });
    for (let i = 0; i < 3; i++) expect((await signInAs('10.2.2.2')).statusCode).not.toBe(429);
    const refused = await signInAs('10.2.2.2');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.message).toContain('this client address');
    expect((await signInAs('10.3.3.3')).statusCode).not.toBe(429);
  });
});
