import type { AddressInfo } from 'node:net';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace } from '../../../test/factories.ts';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import type { App } from '../../http/types.ts';
import { systemClock } from '../../lib/clock.ts';
import { findAccountIdByExternalId } from '../accounts/accounts.ts';
import { findContactByEmail } from '../contacts/contacts.ts';
import { listEvents } from './events.ts';

// The official Segment client, unchanged, against a real listening Momentum server on loopback.
let database: TestDatabase;
let ws: TestWorkspace;
let app: App;
let host: string;

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, systemClock);
  const config = loadConfig({}, { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789', MOMENTUM_DATA_DIR: '/tmp/momentum-test-unused' });
  app = await buildApp({ db: database.db, clock: systemClock, config });
  await app.listen({ host: '127.0.0.1', port: 0 });
  host = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app?.close();
  await database?.dispose();
});

describe('@segment/analytics-node against Momentum', () => {
  it('delivers identify, group, track and page calls, which land attached to the contact and account', async () => {
    const writeKey = await createTestKey(database.db, systemClock, ws, ['ingest']);
    const analytics = new Analytics({ writeKey, host, flushAt: 3, maxRetries: 0 });
    const failures: unknown[] = [];
    analytics.on('error', (error) => failures.push(error));
    analytics.identify({ userId: 'sdk-user-1', traits: { email: 'sdk.user@initech.test', name: 'Peter Gibbons' } });
    analytics.group({ userId: 'sdk-user-1', groupId: 'initech', traits: { name: 'Initech' } });
    analytics.track({ userId: 'sdk-user-1', event: 'TPS Report Filed', properties: { pages: 3, cover: true } });
    analytics.page({ userId: 'sdk-user-1', name: 'Dashboard' });
    analytics.track({ anonymousId: 'anon-sdk', event: 'Pricing Viewed' });
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(failures).toEqual([]);

    const accountId = await findAccountIdByExternalId(database.db, ws.workspaceId, 'initech');
    expect(accountId).toBeDefined();
    const contact = await findContactByEmail(database.db, ws.system, 'sdk.user@initech.test');
    expect(contact).toMatchObject({ name: 'Peter Gibbons', accountId });
    const events = (await listEvents(database.db, ws.system, { limit: 50 })).items;
    expect(events.map((e) => `${e.type}:${e.name ?? ''}`).sort()).toEqual([
      'group:',
      'identify:',
      // The group call named a new group: Momentum created its account, and says so.
      'interaction:Account Created',
      'page:Dashboard',
      'track:Pricing Viewed',
      'track:TPS Report Filed',
    ]);
    const report = events.find((e) => e.name === 'TPS Report Filed');
    expect(report).toMatchObject({ accountId, contactId: contact?.id, properties: { pages: 3, cover: true } });
    expect(report?.sentAt).not.toBeNull();
    expect(report?.context).toMatchObject({ library: { name: '@segment/analytics-node' } });
  });

  it('has a batch refused as a whole when the write key is unknown (the client drops it and reports the error)', async () => {
    const analytics = new Analytics({ writeKey: 'mk_unknown_key', host, flushAt: 1, maxRetries: 0 });
    const failures: unknown[] = [];
    analytics.on('error', (error) => failures.push(error));
    analytics.track({ userId: 'sdk-user-2', event: 'Should Not Land' });
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(failures.length).toBe(1);
    expect((await listEvents(database.db, ws.system, { userId: 'sdk-user-2', limit: 5 })).items).toEqual([]);
  });
});
