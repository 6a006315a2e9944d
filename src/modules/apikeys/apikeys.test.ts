import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace } from '../../../test/factories.ts';
import { fixedClock } from '../../lib/clock.ts';

const clock = fixedClock('2026-06-01T09:00:00Z');
let database: TestDatabase;
let ws: TestWorkspace;
let api: Awaited<ReturnType<typeof createTestApp>>;
let admin: string;

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, clock);
  api = await createTestApp(database.db, clock);
  admin = await createTestKey(database.db, clock, ws);
});
afterAll(async () => {
  await api?.close();
  await database?.dispose();
});

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

describe('API key expiry', () => {
  it('creates a key that expires at the chosen time, lists it with its expiry and audits it', async () => {
    const created = await api.call('POST', '/api/v1/api-keys', {
      key: admin,
      body: { name: 'Quarterly export', scopes: ['admin'], expiresAt: '2026-08-30T09:00:00+02:00' },
    });
    expect(created.status).toBe(201);
    expect(created.body.apiKey.expiresAt).toBe('2026-08-30T07:00:00.000Z');
    const listed = await api.call('GET', '/api/v1/api-keys', { key: admin });
    expect(listed.body.items.find((k: { id: string }) => k.id === created.body.apiKey.id)).toMatchObject({ expiresAt: '2026-08-30T07:00:00.000Z' });
    const audit = await api.call('GET', `/api/v1/audit?entityType=api_key&entityId=${created.body.apiKey.id}`, { key: admin });
    expect(audit.body.items[0]).toMatchObject({ action: 'api_key.created', after: { expiresAt: '2026-08-30T07:00:00.000Z' } });
  });

  it('creates keys that never expire when no expiry is given, or null', async () => {
    const omitted = await api.call('POST', '/api/v1/api-keys', { key: admin, body: { name: 'Forever' } });
    const explicit = await api.call('POST', '/api/v1/api-keys', { key: admin, body: { name: 'Forever too', expiresAt: null } });
    expect(omitted.body.apiKey.expiresAt).toBeNull();
    expect(explicit.body.apiKey.expiresAt).toBeNull();
  });

  it('refuses an expiry in the past or that is not a date and time, naming body.expiresAt, and creates nothing', async () => {
    const before = (await api.call('GET', '/api/v1/api-keys', { key: admin })).body.items.length;
    for (const expiresAt of ['2026-05-31T09:00:00Z', '2026-06-01T09:00:00Z', 'next tuesday', '2026-13-01T00:00:00Z', '2026-07-01', 12]) {
      const res = await api.call('POST', '/api/v1/api-keys', { key: admin, body: { name: 'Bad expiry', expiresAt } });
      expect(res.status, String(expiresAt)).toBe(400);
      expect(res.body.error.details[0].path).toBe('body.expiresAt');
    }
    expect((await api.call('GET', '/api/v1/api-keys', { key: admin })).body.items.length).toBe(before);
  });

  it('refuses an expired key with a 401 saying it expired, as a bearer token, a Basic user name and a body writeKey', async () => {
    const created = await api.call('POST', '/api/v1/api-keys', {
      key: admin,
      body: { name: 'Short-lived', scopes: ['admin', 'ingest'], expiresAt: '2026-06-01T10:00:00Z' },
    });
    const secret: string = created.body.secret;
    expect((await api.call('GET', '/api/v1/accounts', { key: secret })).status).toBe(200);
    clock.set('2026-06-01T10:00:00Z');
    try {
      const bearer = await api.call('GET', '/api/v1/accounts', { key: secret });
      expect(bearer.status).toBe(401);
      expect(bearer.body.error).toMatchObject({
        code: 'unauthenticated',
        message: 'This API key expired on 2026-06-01 10:00 UTC: an admin can create a new one in Settings > API keys',
      });
      const segment = await api.call('POST', '/v1/track', { headers: basic(secret), body: { userId: 'u1', event: 'Late' } });
      expect(segment.status).toBe(401);
      expect(segment.body.error.message).toMatch(/^This API key expired on 2026-06-01 10:00 UTC/);
      const writeKey = await api.call('POST', '/v1/track', { body: { writeKey: secret, userId: 'u1', event: 'Late' } });
      expect(writeKey.status).toBe(401);
      expect(writeKey.body.error.message).toMatch(/^This write key expired on 2026-06-01 10:00 UTC/);
      // Other keys go on working.
      expect((await api.call('GET', '/api/v1/accounts', { key: admin })).status).toBe(200);
    } finally {
      clock.set('2026-06-01T09:00:00Z');
    }
  });
});

describe('API key last use', () => {
  it('records when a key was last used, writing at most once a minute per key', async () => {
    const created = await api.call('POST', '/api/v1/api-keys', { key: admin, body: { name: 'Pipeline', scopes: ['ingest'] } });
    const id: string = created.body.apiKey.id;
    const lastUsed = async () =>
      (await database.db.selectFrom('api_keys').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow()).last_used_at?.toISOString() ?? null;
    expect(created.body.apiKey.lastUsedAt).toBeNull();
    const send = () => api.call('POST', '/v1/track', { headers: basic(created.body.secret), body: { userId: 'u2', event: 'Used' } });

    clock.set('2026-06-01T09:10:00Z');
    expect((await send()).status).toBe(200);
    expect(await lastUsed()).toBe('2026-06-01T09:10:00.000Z');
    clock.set('2026-06-01T09:10:59Z');
    await send();
    expect(await lastUsed()).toBe('2026-06-01T09:10:00.000Z');
    clock.set('2026-06-01T09:11:01Z');
    await send();
    expect(await lastUsed()).toBe('2026-06-01T09:11:01.000Z');
    const listed = await api.call('GET', '/api/v1/api-keys', { key: admin });
    expect(listed.body.items.find((k: { id: string }) => k.id === id).lastUsedAt).toBe('2026-06-01T09:11:01.000Z');
    clock.set('2026-06-01T09:00:00Z');
  });
});
