import { afterAll, beforeAll } from 'vitest';
import type { Clock } from '../src/lib/clock.ts';
import { createTestApp } from './app.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace } from './factories.ts';

export interface ApiSuite {
  database: TestDatabase;
  ws: TestWorkspace;
  api: Awaited<ReturnType<typeof createTestApp>>;
  /** An admin API key of ws. */
  key: string;
}

/**
 * The usual set-up of an API test file, registered as its beforeAll/afterAll: a fresh database, a workspace with an
 * admin, the app and an admin key. The fields are filled in before the first test runs.
 */
export function apiSuite(clock: Clock): ApiSuite {
  const suite = {} as ApiSuite;
  beforeAll(async () => {
    suite.database = await createTestDatabase();
    suite.ws = await createTestWorkspace(suite.database.db, clock);
    suite.api = await createTestApp(suite.database.db, clock);
    suite.key = await createTestKey(suite.database.db, clock, suite.ws);
  });
  afterAll(async () => {
    await suite.api?.close();
    await suite.database?.dispose();
  });
  return suite;
}
