import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/db.ts';
import { createTestWorkspace, TEST_PASSWORD, testClock } from '../test/factories.ts';
import { jobCatalog } from './jobs/catalog.ts';
import { signIn } from './modules/members/members.ts';
import { startWorker, type Worker } from './worker.ts';

let database: TestDatabase;
let worker: Worker | undefined;
const clock = testClock();

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await worker?.stop();
  await database?.dispose();
});

describe('worker', () => {
  it('declares every job with a module-prefixed name and a retry policy', () => {
    for (const job of jobCatalog) {
      expect(job.name).toMatch(/^[a-z]+\.[a-z-]+$/);
      expect(job.retryLimit).toBeGreaterThanOrEqual(0);
    }
  });

  it('consumes a queued job on this database: expired sessions are purged', async () => {
    const ws = await createTestWorkspace(database.db, clock);
    await signIn(database.db, clock, ws.adminEmail, TEST_PASSWORD);
    clock.advance(30 * 24 * 3600 * 1000);
    worker = await startWorker({ db: database.db, clock, queue: database.queue }, { info: () => {}, error: (m) => console.error(m) });
    await worker.boss.send('members.purge-sessions', {});
    const deadline = Date.now() + 20_000;
    let remaining = 1;
    while (Date.now() < deadline && remaining > 0) {
      await new Promise((r) => setTimeout(r, 250));
      remaining = (
        await database.db
          .selectFrom('sessions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    }
    expect(Number(remaining)).toBe(0);
  });

  it('reports running until it is stopped, then stopped (what /readyz shows)', async () => {
    const running = worker ?? (await startWorker({ db: database.db, clock, queue: database.queue }, { info: () => {}, error: (m) => console.error(m) }));
    expect(running.state()).toBe('running');
    await running.stop();
    worker = undefined;
    expect(running.state()).toBe('stopped');
  });
});
