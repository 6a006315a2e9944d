import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabase } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/client.ts';
import { migrateToLatest } from '../src/db/migrate.ts';

export interface TestDatabase extends Database {
  /** Closes and, on PostgreSQL, drops the database. */
  dispose(): Promise<void>;
}

/** A fresh, migrated database: in-memory PGlite, or a new database on TEST_DATABASE_URL's server (postgres project). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const target = testDatabase();
  if (target.kind === 'pglite') {
    const database = await openDatabase({});
    await migrateToLatest(database.db);
    return { ...database, dispose: () => database.close() };
  }
  const name = `momentum_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(target.url, `create database ${name}`);
  const url = new URL(target.url);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 5 });
  await migrateToLatest(database.db);
  return {
    ...database,
    dispose: async () => {
      await database.close();
      await adminQuery(target.url, `drop database if exists ${name} with (force)`);
    },
  };
}

/**
 * A fresh, empty (unmigrated) database of the kind under test: in-memory PGlite, or a new database on
 * TEST_DATABASE_URL's server, dropped by dispose (restores and copies need an empty target).
 */
export async function createEmptyTestDatabase(): Promise<TestDatabase> {
  const target = testDatabase();
  if (target.kind === 'pglite') {
    const database = await openDatabase({});
    return { ...database, dispose: () => database.close() };
  }
  const created = await createEmptyPostgresDatabase(target.url);
  const database = await openDatabase({ databaseUrl: created.url, poolSize: 2 });
  return {
    ...database,
    dispose: async () => {
      await database.close();
      await created.drop();
    },
  };
}

/** The connection string of a fresh empty database (for tests that start the server process themselves). */
export async function createEmptyPostgresDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `momentum_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(serverUrl, `drop database if exists ${name} with (force)`) };
}

async function adminQuery(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
