import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestMember, createTestWorkspace, TEST_PASSWORD, type TestWorkspace, testClock } from '../../../test/factories.ts';

let database: TestDatabase;
let ws: TestWorkspace;
let api: Awaited<ReturnType<typeof createTestApp>>;
const clock = testClock();

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, clock);
  api = await createTestApp(database.db, clock);
});
afterAll(async () => {
  await api?.close();
  await database?.dispose();
});

async function signIn(email: string, password = TEST_PASSWORD) {
  const res = await api.call('POST', '/api/v1/auth/sign-in', { body: { email, password } });
  const cookie = String(res.headers['set-cookie'] ?? '');
  return { res, cookie: cookie.split(';')[0] ?? '', setCookie: cookie };
}

describe('sign-in and sessions', () => {
  it('signs in with a case-insensitive email and sets an httpOnly SameSite session cookie', async () => {
    const { res, setCookie, cookie } = await signIn(ws.adminEmail.toUpperCase());
    expect(res.status).toBe(200);
    expect(res.body.member.email).toBe(ws.adminEmail);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const me = await api.call('GET', '/api/v1/me', { cookie });
    expect(me.body.member.roles).toEqual(['admin', 'csm']);
  });

  it('refuses a wrong password with 401 and the same message as an unknown email', async () => {
    const wrong = await signIn(ws.adminEmail, 'not the password');
    const unknown = await signIn('nobody@vendor.test', 'not the password');
    expect(wrong.res.status).toBe(401);
    expect(unknown.res.status).toBe(401);
    expect(wrong.res.body.error.message).toBe(unknown.res.body.error.message);
  });

  it('stores only a hash of the session token and of the password', async () => {
    const { cookie } = await signIn(ws.adminEmail);
    const token = decodeURIComponent(cookie.split('=')[1] ?? '');
    const sessions = await database.db.selectFrom('sessions').select('token_hash').execute();
    expect(sessions.some((s) => s.token_hash === token)).toBe(false);
    const member = await database.db.selectFrom('members').select('password_hash').where('email', '=', ws.adminEmail).executeTakeFirstOrThrow();
    expect(member.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('answers 401 "session has expired" once a session is past its lifetime', async () => {
    const { cookie } = await signIn(ws.adminEmail);
    clock.advance(8 * 24 * 3600 * 1000);
    const res = await api.call('GET', '/api/v1/me', { cookie });
    clock.set('2026-06-01T09:00:00Z');
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/expired/);
  });

  it('ends the session on sign-out', async () => {
    const { cookie } = await signIn(ws.adminEmail);
    expect((await api.call('POST', '/api/v1/auth/sign-out', { cookie })).status).toBe(204);
    expect((await api.call('GET', '/api/v1/me', { cookie })).status).toBe(401);
  });

  it('refuses a change signed in by cookie from another site, or without the console header, and writes nothing', async () => {
    const { cookie } = await signIn(ws.adminEmail);
    const before = (await api.call('GET', '/api/v1/accounts?limit=500', { cookie })).body.total;
    // A cross-site form post of a CSV import, with the session cookie riding along.
    const crossSite = await api.app.inject({
      method: 'POST',
      url: '/api/v1/imports/accounts',
      headers: { cookie, 'content-type': 'text/csv', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'x-momentum-client': 'console' },
      payload: 'name\nPwned\n',
    });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json().error.message).toMatch(/another site/);
    // A text/plain sign-out from another origin.
    const signOut = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-out',
      headers: { cookie, origin: 'http://evil.example', 'content-type': 'text/plain' },
      payload: 'x',
    });
    expect(signOut.statusCode).toBe(403);
    // Same origin but without the console's header (a form cannot add it).
    const bare = await api.app.inject({
      method: 'POST',
      url: '/api/v1/segments',
      headers: { cookie, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x', filter: { conditions: [] } }),
    });
    expect(bare.statusCode).toBe(403);
    expect(bare.json().error.message).toMatch(/x-momentum-client/);
    // Segment ingestion signed in by cookie is a change too.
    const track = await api.app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { cookie, 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
      payload: JSON.stringify({ type: 'track', event: 'Pwned', userId: 'u' }),
    });
    expect(track.statusCode).toBe(403);
    // Nothing changed: the session still works, no account was imported; reads need no header.
    expect((await api.call('GET', '/api/v1/me', { cookie })).status).toBe(200);
    expect((await api.call('GET', '/api/v1/accounts?limit=500', { cookie })).body.total).toBe(before);
    // The console's own requests pass: same origin, with the header.
    const own = await api.app.inject({
      method: 'POST',
      url: '/api/v1/segments',
      headers: { cookie, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80', 'x-momentum-client': 'console' },
      payload: JSON.stringify({ name: 'From the console', filter: { conditions: [] } }),
    });
    expect(own.statusCode).toBe(201);
  });

  it('slows wrong passwords down, then locks the email for 15 minutes (audited); the right password waits too', async () => {
    const casey = await createTestMember(database.db, clock, ws, ['csm']);
    const attempt = (password: string) => api.call('POST', '/api/v1/auth/sign-in', { body: { email: casey.email, password } });
    for (let i = 0; i < 5; i++) expect((await attempt('wrong')).status).toBe(401);
    // Past five: each next try waits (1 s, 2 s, 4 s ...), said with Retry-After.
    const early = await attempt('wrong');
    expect(early.status).toBe(429);
    expect(early.headers['retry-after']).toBe('1');
    for (let i = 5; i < 10; i++) {
      clock.advance(2 ** (i - 5) * 1000);
      expect((await attempt('wrong')).status, `failure ${i + 1}`).toBe(401);
    }
    // The tenth wrong password locked it: even the right one is refused until the lock ends.
    const locked = await attempt(TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.error.message).toMatch(/locked after 10 wrong passwords: try again in 15 minutes/);
    expect(Number(locked.headers['retry-after'])).toBe(15 * 60);
    const key = await createTestKey(database.db, clock, ws);
    const audit = await api.call('GET', `/api/v1/audit?entityType=member&entityId=${casey.member.id}`, { key });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('member.sign_in_locked');
    clock.advance(15 * 60 * 1000);
    expect((await attempt(TEST_PASSWORD)).status).toBe(200);
    // A success starts the count again.
    expect((await attempt('wrong')).status).toBe(401);
    expect((await attempt(TEST_PASSWORD)).status).toBe(200);
  });

  it('makes an address that keeps failing with many emails wait out a 15-minute window', async () => {
    // Earlier tests' wrong passwords came from this address too: count until it is refused.
    let refused = 0;
    for (let i = 0; i <= 50 && !refused; i++) {
      const res = await api.call('POST', '/api/v1/auth/sign-in', { body: { email: `guess-${i}@nowhere.test`, password: 'x' } });
      if (res.status === 429) refused = i + 1;
      else expect(res.status).toBe(401);
    }
    expect(refused).toBeGreaterThan(0);
    const blocked = await api.call('POST', '/api/v1/auth/sign-in', { body: { email: ws.adminEmail, password: TEST_PASSWORD } });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.message).toMatch(/from this address/);
    clock.advance(15 * 60 * 1000 + 1000);
    expect((await api.call('POST', '/api/v1/auth/sign-in', { body: { email: ws.adminEmail, password: TEST_PASSWORD } })).status).toBe(200);
  });

  it('refuses sign-in for a disabled member and drops their sessions', async () => {
    const casey = await createTestMember(database.db, clock, ws, ['csm']);
    const { cookie } = await signIn(casey.email);
    const key = await createTestKey(database.db, clock, ws);
    const res = await api.call('PATCH', `/api/v1/members/${casey.member.id}`, { key, body: { disabled: true } });
    expect(res.body.disabled).toBe(true);
    expect((await api.call('GET', '/api/v1/me', { cookie })).status).toBe(401);
    expect((await signIn(casey.email)).res.status).toBe(401);
  });
});

describe('members and API keys', () => {
  it('lets only admins create members, and rejects an invalid email naming the field', async () => {
    const csm = await createTestMember(database.db, clock, ws, ['csm']);
    const { cookie } = await signIn(csm.email);
    const forbidden = await api.call('POST', '/api/v1/members', { cookie, body: { email: 'x@vendor.test', name: 'X', roles: ['csm'] } });
    expect(forbidden.status).toBe(403);
    const admin = await signIn(ws.adminEmail);
    const bad = await api.call('POST', '/api/v1/members', { cookie: admin.cookie, body: { email: 'not-an-email', name: 'X', roles: ['csm'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.email');
  });

  it('shows a new API key once, stores only its hash, and stops accepting it once revoked', async () => {
    const admin = await signIn(ws.adminEmail);
    const created = await api.call('POST', '/api/v1/api-keys', { cookie: admin.cookie, body: { name: 'CRM sync', scopes: ['admin'] } });
    expect(created.status).toBe(201);
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^mk_/);
    const listed = await api.call('GET', '/api/v1/api-keys', { cookie: admin.cookie });
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect((await api.call('GET', '/api/v1/accounts', { key: secret })).status).toBe(200);
    await api.call('DELETE', `/api/v1/api-keys/${created.body.apiKey.id}`, { cookie: admin.cookie });
    const after = await api.call('GET', '/api/v1/accounts', { key: secret });
    expect(after.status).toBe(401);
  });

  it('refuses an ingest-scoped key on the members API with 403', async () => {
    const ingest = await createTestKey(database.db, clock, ws, ['ingest']);
    const res = await api.call('GET', '/api/v1/accounts', { key: ingest });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/scope/);
  });

  it('answers 401 to an unknown key and to no credentials at all', async () => {
    expect((await api.call('GET', '/api/v1/accounts', { key: 'mk_nope_nope' })).status).toBe(401);
    expect((await api.call('GET', '/api/v1/accounts')).status).toBe(401);
  });

  it('records sign-ins, member changes and key creation in the audit log', async () => {
    const key = await createTestKey(database.db, clock, ws);
    const res = await api.call('GET', '/api/v1/audit?limit=200', { key });
    const actions = new Set(res.body.items.map((i: { action: string }) => i.action));
    for (const action of ['member.signed_in', 'member.created', 'member.updated', 'api_key.created', 'api_key.revoked']) expect(actions).toContain(action);
  });
});
