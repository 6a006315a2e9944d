import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestWorkspace, testClock } from '../../../test/factories.ts';
import { jobCatalog } from '../../jobs/catalog.ts';
import { ingestEvents, listEvents } from './events.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.dispose();
});

describe('raw event retention job', () => {
  it('runs daily and by default deletes events received more than 400 days ago, keeping younger ones', async () => {
    const now = testClock('2026-06-01T09:00:00Z');
    const ws = await createTestWorkspace(database.db, now);
    const receivedDaysAgo = async (days: number, event: string) => {
      const at = testClock(new Date(now.now().getTime() - days * 86_400_000).toISOString());
      await ingestEvents(database.db, at, ws.system, { messages: [{ type: 'track', userId: 'keeper', event }] });
    };
    await receivedDaysAgo(401, 'Too Old');
    await receivedDaysAgo(399, 'Still Kept');
    const spec = jobCatalog.find((j) => j.name === 'events.purge-expired');
    expect(spec?.cron).toBe('41 3 * * *');
    const payload = spec?.payload.parse({});
    expect(payload).toEqual({ olderThanDays: 400 });
    expect(await spec?.handle({ db: database.db, clock: now }, payload)).toEqual({ deleted: 1 });
    const left = await listEvents(database.db, ws.system, { userId: 'keeper', limit: 10 });
    expect(left.items.map((e) => e.name)).toEqual(['Still Kept']);
  });
});
