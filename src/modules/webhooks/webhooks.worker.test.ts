import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestWorkspace } from '../../../test/factories.ts';
import { systemClock } from '../../lib/clock.ts';
import { startWorker, type Worker } from '../../worker.ts';
import { createAccount } from '../accounts/accounts.ts';
import { recordMomentumEvents } from '../events/events.ts';
import { createWebhookEndpoint } from './webhooks.ts';

let database: TestDatabase;
let worker: Worker | undefined;
const received: { body: string; headers: Record<string, string> }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    received.push({ body, headers: req.headers as Record<string, string> });
    res.writeHead(204).end();
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  database = await createTestDatabase();
});
afterAll(async () => {
  await worker?.stop();
  await database?.dispose();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('webhooks through the job queue', () => {
  it('the webhooks.deliver job of a running worker sends a new event, signed, with the private-address setting it was given', async () => {
    const ws = await createTestWorkspace(database.db, systemClock);
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/queue`;
    const { secret } = await createWebhookEndpoint(
      database.db,
      systemClock,
      ws.admin,
      { url, events: ['Sponsor Changed'] },
      { allowPrivate: true, resolve: false },
    );
    const account = await createAccount(database.db, systemClock, ws.system, { name: 'Queue Co' });
    await recordMomentumEvents(database.db, systemClock, ws.system, 'contacts', [
      { accountId: account.id, name: 'Sponsor Changed', properties: { summary: 'through the queue' }, key: 'queue-1' },
    ]);
    worker = await startWorker(
      { db: database.db, clock: systemClock, queue: database.queue, webhooks: { allowPrivate: ['127.0.0.1'] } },
      { info: () => {}, error: (m) => console.error(m) },
    );
    // The job runs every minute; sent now rather than waiting for the tick.
    await worker.boss.send('webhooks.deliver', {});
    await expect.poll(() => received.length, { timeout: 20_000, interval: 250 }).toBe(1);
    expect(new Webhook(secret).verify(received[0]?.body as string, received[0]?.headers as Record<string, string>)).toMatchObject({
      type: 'Sponsor Changed',
      data: { properties: { summary: 'through the queue' } },
    });
  });
});
