// Who may call what, by construction: every registered route declares its access, and calling each one as every
// kind of caller gets the outcome its access promises.
import { describe, expect, it } from 'vitest';
import { createTestKey, createTestMember, TEST_PASSWORD, testClock } from '../../test/factories.ts';
import { apiSuite } from '../../test/suite.ts';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import type { MemberRole } from '../lib/actor.ts';
import type { Access } from './types.ts';

const clock = testClock();
const suite = apiSuite(clock);

type Caller = 'nobody' | 'ingest key' | 'admin key' | Extract<MemberRole, 'executive' | 'csm' | 'admin'>;
const callers: Caller[] = ['nobody', 'ingest key', 'admin key', 'executive', 'csm', 'admin'];

/** Whether the access lets the caller past authorisation (true), or it is refused with 401 or 403. */
function expected(access: Access, caller: Caller): true | 401 | 403 {
  if (access === 'public') return true;
  if (access === 'control') return 401;
  if (caller === 'nobody') return 401;
  if (access === 'ingest') return true;
  if (caller === 'ingest key') return 403;
  if (caller === 'admin key') return true;
  if (access === 'read') return true;
  if (access === 'write') return caller === 'executive' ? 403 : true;
  return caller === 'admin' ? true : 403;
}

describe('access by construction', () => {
  it('every registered route declares its access, and the table is reviewed: any change of access shows in access.routes.txt', async () => {
    const routes = suite.api.app.declaredRoutes();
    expect(routes.length).toBeGreaterThan(70);
    expect(routes.filter((r) => r.access === null)).toEqual([]);
    const table = routes
      .filter((r) => r.method !== 'HEAD')
      .map((r) => `${String(r.access).padEnd(8)}${String(r.method).padEnd(8)}${r.url}`)
      .sort();
    await expect(`${table.join('\n')}\n`).toMatchFileSnapshot('./access.routes.txt');
  });

  it('refuses to start with a route that declares no access', async () => {
    const config = loadConfig({}, { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789', MOMENTUM_DATA_DIR: '/tmp/momentum-test-unused' });
    const app = await buildApp({ db: suite.database.db, clock, config });
    app.get('/api/v1/forgotten', async () => ({ secret: true }));
    await expect(app.ready()).rejects.toThrow('Routes without a declared access (config.access): GET /api/v1/forgotten');
    await app.close().catch(() => undefined);
  });

  it('calls every route as nobody, an ingest key, an admin key, an executive, a CSM and an admin, and gets what its access says', async () => {
    const headers: Record<Caller, Record<string, string>> = {
      nobody: {},
      'ingest key': { authorization: `Bearer ${await createTestKey(suite.database.db, clock, suite.ws, ['ingest'])}` },
      'admin key': { authorization: `Bearer ${suite.key}` },
      executive: {},
      csm: {},
      admin: {},
    };
    for (const role of ['executive', 'csm', 'admin'] as const) {
      const member = await createTestMember(suite.database.db, clock, suite.ws, [role], `Walk ${role}`);
      const res = await suite.api.call('POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: TEST_PASSWORD } });
      headers[role] = { cookie: String(res.headers['set-cookie']).split(';')[0] ?? '', 'x-momentum-client': 'console' };
    }
    // Signing out ends the walk's sessions: last.
    const routes = suite.api.app
      .declaredRoutes()
      .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS')
      .sort((a, b) => Number(a.url.endsWith('/sign-out')) - Number(b.url.endsWith('/sign-out')));
    const wrong: string[] = [];
    let calls = 0;
    for (const route of routes) {
      const url = route.url.replace(/:[A-Za-z]+/g, '0b7c2f44-5f7a-4c55-9d1e-2b7d3c1f9a10').replace('*', 'x');
      const method = (Array.isArray(route.method) ? route.method[0] : route.method) as 'GET';
      for (const caller of callers) {
        const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
        const res = await suite.api.app.inject({
          method,
          url,
          headers: { ...headers[caller], ...(body && { 'content-type': 'application/json' }) },
          ...(body && { payload: body }),
        });
        calls++;
        const want = expected(route.access as Access, caller);
        const got = res.statusCode;
        const ok = want === true ? got !== 401 && got !== 403 : got === want;
        if (!ok) wrong.push(`${method} ${route.url} as ${caller}: ${got}, expected ${want === true ? 'not 401/403' : want}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(calls).toBeGreaterThan(400);
  });
});
