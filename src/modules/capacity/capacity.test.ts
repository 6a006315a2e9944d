import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestMember, createTestWorkspace, TEST_PASSWORD, type TestWorkspace } from '../../../test/factories.ts';
import { fixedClock } from '../../lib/clock.ts';
import { DEFAULT_HOURS_PER_MEMBER } from './capacity.schema.ts';

const clock = fixedClock('2026-06-01T09:00:00Z');
let database: TestDatabase;
let ws: TestWorkspace;
let api: Awaited<ReturnType<typeof createTestApp>>;
let key: string;

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, clock);
  api = await createTestApp(database.db, clock);
  key = await createTestKey(database.db, clock, ws);
  await createTestMember(database.db, clock, ws, ['csm'], 'Casey CSM');
  await createTestMember(database.db, clock, ws, ['account_manager'], 'Alex AM');
});
afterAll(async () => {
  await api?.close();
  await database?.dispose();
});

const role = (body: { roles: { role: string }[] }, name: string) => body.roles.find((r) => r.role === name);

describe('team capacity', () => {
  it("counts each role's active members at the default hours until an admin sets them, then members × the hours set, audited", async () => {
    const before = await api.call('GET', '/api/v1/capacity', { key });
    expect(before.status).toBe(200);
    // The test workspace's admin is also a CSM.
    expect(role(before.body, 'csm')).toEqual({ role: 'csm', hoursPerMember: DEFAULT_HOURS_PER_MEMBER, members: 2, hours: 2 * DEFAULT_HOURS_PER_MEMBER });
    expect(role(before.body, 'partner')).toMatchObject({ members: 0, hours: 0 });
    const set = await api.call('PUT', '/api/v1/capacity', { key, body: { roles: [{ role: 'csm', hoursPerMember: 100 }] } });
    expect(set.status).toBe(200);
    expect(role(set.body, 'csm')).toMatchObject({ hoursPerMember: 100, hours: 200 });
    expect(role(set.body, 'account_manager')).toMatchObject({ hoursPerMember: DEFAULT_HOURS_PER_MEMBER, members: 1 });
    const audit = await database.db.selectFrom('audit_log').select(['action', 'before', 'after']).where('action', '=', 'capacity.updated').execute();
    expect(audit).toEqual([
      expect.objectContaining({ before: expect.objectContaining({ csm: DEFAULT_HOURS_PER_MEMBER }), after: expect.objectContaining({ csm: 100 }) }),
    ]);
  });

  it('refuses an unknown role, negative or fractional hours, more hours than a month has, or a role named twice, and changes nothing', async () => {
    const bad: [unknown, string][] = [
      [{ roles: [{ role: 'wizard', hoursPerMember: 10 }] }, 'body.roles.0.role'],
      [{ roles: [{ role: 'csm', hoursPerMember: -1 }] }, 'body.roles.0.hoursPerMember'],
      [{ roles: [{ role: 'csm', hoursPerMember: 10.5 }] }, 'body.roles.0.hoursPerMember'],
      [{ roles: [{ role: 'csm', hoursPerMember: 800 }] }, 'body.roles.0.hoursPerMember'],
      [
        {
          roles: [
            { role: 'csm', hoursPerMember: 10 },
            { role: 'csm', hoursPerMember: 20 },
          ],
        },
        'body.roles',
      ],
    ];
    for (const [body, path] of bad) {
      const res = await api.call('PUT', '/api/v1/capacity', { key, body });
      expect(res.status, path).toBe(400);
      expect(
        res.body.error.details.map((d: { path: string }) => d.path),
        path,
      ).toContain(path);
    }
    expect(role((await api.call('GET', '/api/v1/capacity', { key })).body, 'csm')).toMatchObject({ hoursPerMember: 100 });
  });

  it('lets members read the capacity and only admins change it', async () => {
    const casey = await createTestMember(database.db, clock, ws, ['csm'], 'Cora CSM');
    const signIn = await api.call('POST', '/api/v1/auth/sign-in', { body: { email: casey.email, password: TEST_PASSWORD } });
    const cookie = String(signIn.headers['set-cookie'] ?? '').split(';')[0] ?? '';
    expect((await api.call('GET', '/api/v1/capacity', { cookie })).status).toBe(200);
    expect((await api.call('PUT', '/api/v1/capacity', { cookie, body: { roles: [{ role: 'csm', hoursPerMember: 1 }] } })).status).toBe(403);
  });
});
