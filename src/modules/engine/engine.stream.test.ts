import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestMember, createTestWorkspace, type TestWorkspace } from '../../../test/factories.ts';
import { systemClock } from '../../lib/clock.ts';
import { createAccount } from '../accounts/accounts.ts';
import { applyModel } from '../models/models.ts';
import { sweep } from './engine.ts';

const model = `
key: stream-test
name: Stream test
segment: { conditions: [{ field: tags, op: has, value: stream }] }
phases:
  - key: onboarding
    name: Onboarding
moments:
  - id: high-severity-case
    name: High-severity case
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: Call the sponsor about the case.
    start: { type: event, event: Case Opened, where: [{ property: severity, op: eq, value: high }], cooldown: 1d }
`;

let database: TestDatabase;
let ws: TestWorkspace;
let api: Awaited<ReturnType<typeof createTestApp>>;
let accountId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, systemClock);
  const csm = await createTestMember(database.db, systemClock, ws, ['csm']);
  accountId = (
    await createAccount(database.db, systemClock, ws.system, { name: 'Streamed Co', externalId: 'streamed', tags: ['stream'], team: { csm: csm.member.id } })
  ).id;
  await applyModel(database.db, systemClock, ws.system, { source: model, file: 'stream-test.yaml' }, { approve: true });
  await sweep(database.db, systemClock, { workspaceId: ws.workspaceId });
  api = await createTestApp(database.db, systemClock);
});
afterAll(async () => {
  await api?.close();
  await database?.dispose();
});

async function openInstances() {
  return database.db
    .selectFrom('moment_instances')
    .select(['moment_id', 'status'])
    .where('workspace_id', '=', ws.workspaceId)
    .where('account_id', '=', accountId)
    .execute();
}

describe('streaming evaluation', () => {
  it('opens the moment for an ingested event right after it commits, without waiting for a sweep', async () => {
    const key = await createTestKey(database.db, systemClock, ws, ['ingest']);
    const basic = { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` };
    await api.call('POST', '/v1/group', { headers: basic, body: { userId: 'u-1', groupId: 'streamed' } });
    await api.call('POST', '/v1/track', { headers: basic, body: { userId: 'u-1', event: 'Case Opened', properties: { severity: 'low' } } });
    const res = await api.call('POST', '/v1/track', { headers: basic, body: { userId: 'u-1', event: 'Case Opened', properties: { severity: 'high' } } });
    expect(res.status).toBe(200);
    let rows = await openInstances();
    for (let i = 0; i < 100 && rows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rows = await openInstances();
    }
    expect(rows).toEqual([{ moment_id: 'high-severity-case', status: 'open' }]);
  });
});
