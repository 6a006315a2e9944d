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
  return (await migrationStatus(db)).filter((m) => !m.applied).map((m) => m.name);
}

/** Every migration this Momentum has, in order, and whether the database has applied it. */
// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema, before the typed one exists.
export async function migrationStatus(db: Kysely<any>): Promise<{ name: string; applied: boolean }[]> {
  const migrations = await new Migrator({ db, provider }).getMigrations();
  return migrations.map((m) => ({ name: m.name, applied: m.executedAt !== undefined }));
}

/** Applies pending migrations up to and including `name` (a restore loads a backup at its own schema version). */
// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema, before the typed one exists.
export async function migrateTo(db: Kysely<any>, name: string): Promise<string[]> {
  return applied(await new Migrator({ db, provider }).migrateTo(name));
}

/** Applies pending migrations; returns the names applied. */
// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema, before the typed one exists.
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return applied(await new Migrator({ db, provider }).migrateToLatest());
}

function applied(result: MigrationResultSet): string[] {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new MigrationError(`Migration ${failed?.migrationName ?? '?'} failed: ${String((result.error as Error).message ?? result.error)}`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
