import { describe, expect, it } from 'vitest';
import { createTestMember, TEST_PASSWORD, testClock } from '../../../test/factories.ts';
import { apiSuite } from '../../../test/suite.ts';
import { recordBackup } from './system.ts';

const clock = testClock('2026-06-01T09:00:00Z');
const suite = apiSuite(clock);

describe('system status', () => {
  it('shows admins the version, database, schema and worker, with no backup recorded yet', async () => {
    const res = await suite.api.call('GET', '/api/v1/system', { key: suite.key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      schema: { pending: [], current: expect.stringMatching(/^\d{4}_/) },
      worker: 'elsewhere',
      ready: true,
      backups: [],
      daysSinceBackup: null,
    });
  });

  it('lists recorded backups newest first and counts the days since the last one', async () => {
    await recordBackup(suite.database.db, clock, { file: '/backups/a.momentum-backup', rows: 10, bytes: 2048, schema: '0009_x' });
    clock.advance(3 * 24 * 3600 * 1000);
    await recordBackup(suite.database.db, clock, { file: '/backups/b.momentum-backup', rows: 12, bytes: 4096, schema: '0010_y' });
    clock.advance(2 * 24 * 3600 * 1000);
    const res = await suite.api.call('GET', '/api/v1/system', { key: suite.key });
    expect(res.body.backups.map((b: { file: string }) => b.file)).toEqual(['/backups/b.momentum-backup', '/backups/a.momentum-backup']);
    expect(res.body.backups[0]).toMatchObject({ rows: 12, bytes: 4096, schema: '0010_y', by: 'momentum backup' });
    expect(res.body.daysSinceBackup).toBe(2);
    // The audit log carries the same record, for each workspace.
    const audit = await suite.api.call('GET', '/api/v1/audit?entityType=database', { key: suite.key });
    expect(audit.body.items[0]).toMatchObject({ action: 'database.backed_up', actor: { type: 'system', name: 'momentum backup' } });
  });

  it('is for admins only', async () => {
    const csm = await createTestMember(suite.database.db, clock, suite.ws, ['csm']);
    const signIn = await suite.api.call('POST', '/api/v1/auth/sign-in', { body: { email: csm.email, password: TEST_PASSWORD } });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0] ?? '';
    expect((await suite.api.call('GET', '/api/v1/system', { cookie })).status).toBe(403);
  });
});
