import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely/migration';

const folder = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Migrations are numbered files in db/migrations (0001_name.ts), applied in order, never edited once landed. */
const provider: MigrationProvider = {
  async getMigrations() {
    const files = (await readdir(folder)).filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      migrations[file.replace(/\.ts$/, '')] = (await import(new URL(`./migrations/${file}`, import.meta.url).href)) as Migration;
    }
    return migrations;
  },
};

export class MigrationError extends Error {}

/** Migrations this Momentum has that the database has not applied yet. */
// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema, before the typed one exists.
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const migrations = await new Migrator({ db, provider }).getMigrations();
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Applies pending migrations; returns the names applied. */
// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema, before the typed one exists.
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new MigrationError(`Migration ${failed?.migrationName ?? '?'} failed: ${String((result.error as Error).message ?? result.error)}`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
