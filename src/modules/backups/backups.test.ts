import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyTestDatabase, createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { testClock } from '../../../test/factories.ts';
import type { Database } from '../../db/client.ts';
import { migrateTo, migrationStatus } from '../../db/migrate.ts';
import { seedDemo } from '../demo/demo.ts';
import { verifyBackupFile } from './backups.file.ts';
import { backupDatabase, copyDatabase, restoreBackup, tableDigests } from './backups.ts';

const clock = testClock('2026-06-01T09:00:00Z');
let source: TestDatabase;
let dir: string;
let backup: string;
const opened: { close(): Promise<void> }[] = [];

/** A new, empty (unmigrated) database of the kind under test, closed (and dropped) after the file. */
async function emptyDatabase(): Promise<Database> {
  const database = await createEmptyTestDatabase();
  opened.push({ close: database.dispose });
  return database;
}

beforeAll(async () => {
  source = await createTestDatabase();
  await seedDemo(source.db, clock);
  dir = await mkdtemp(join(tmpdir(), 'momentum-backup-'));
  backup = join(dir, 'demo.momentum-backup');
  await backupDatabase({ db: source.db, kind: source.kind, secret: 'the-secret' }, clock, backup);
}, 180_000);
afterAll(async () => {
  for (const database of opened) await database.close();
  await source?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The file, decompressed, as lines (to damage it on purpose). */
async function lines(file: string): Promise<string[]> {
  return gunzipSync(await readFile(file))
    .toString('utf8')
    .trimEnd()
    .split('\n');
}
async function writeLines(file: string, content: string[]) {
  await writeFile(file, gzipSync(`${content.join('\n')}\n`));
}

describe('backup and restore', () => {
  it('restores the demo workspace into an empty database with every table’s rows and checksum equal to the source', async () => {
    const target = await emptyDatabase();
    const progress: number[] = [];
    const result = await restoreBackup(target.db, backup, (done) => progress.push(done));
    const [expected, actual] = await Promise.all([tableDigests(source.db), tableDigests(target.db)]);
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    expect(actual).toEqual(expected);
    expect(expected.events?.rows).toBeGreaterThan(1000);
    expect(result.rows).toBe(Object.values(expected).reduce((sum, t) => sum + t.rows, 0));
    expect(progress.at(-1)).toBe(result.rows);
    expect(result.upgraded).toEqual([]);
  });

  it('records the schema version and a fingerprint of the secret, never the secret', async () => {
    const header = await verifyBackupFile(backup);
    expect(header.migrations).toEqual((await migrationStatus(source.db)).map((m) => m.name));
    expect(header.secretFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect((await lines(backup)).join('\n')).not.toContain('the-secret');
  });

  it('refuses a truncated file and writes nothing', async () => {
    const truncated = join(dir, 'truncated');
    const content = await lines(backup);
    await writeLines(truncated, content.slice(0, Math.floor(content.length / 2)));
    const target = await emptyDatabase();
    await expect(restoreBackup(target.db, truncated)).rejects.toThrow(/damaged or incomplete.*nothing was restored/);
    expect(await migrationStatus(target.db)).toSatisfy((s: { applied: boolean }[]) => s.every((m) => !m.applied));
  });

  it('refuses a file whose rows were altered, naming the table', async () => {
    const tampered = join(dir, 'tampered');
    const content = await lines(backup);
    const at = content.findIndex((l) => l.includes('Northwind') && l.startsWith('{'));
    expect(at).toBeGreaterThan(0);
    content[at] = (content[at] as string).replace('Northwind', 'Southwind');
    await writeLines(tampered, content);
    await expect(verifyBackupFile(tampered)).rejects.toThrow(/table \w+ does not match its checksum/);
  });

  it('refuses a file that is not gzip at all', async () => {
    const junk = join(dir, 'junk');
    await writeFile(junk, 'hello');
    await expect(verifyBackupFile(junk)).rejects.toThrow(/damaged or incomplete/);
    await expect(verifyBackupFile(join(dir, 'missing'))).rejects.toThrow(/No backup file/);
  });

  it('refuses to restore into a database that holds data, changing nothing', async () => {
    const before = await tableDigests(source.db);
    await expect(restoreBackup(source.db, backup)).rejects.toThrow(/not empty.*Nothing was written/);
    expect(await tableDigests(source.db)).toEqual(before);
  });

  it('refuses a backup from a newer Momentum', async () => {
    const newer = join(dir, 'newer');
    const content = await lines(backup);
    const [kind, header] = JSON.parse(content[0] as string) as [string, { migrations: string[] }];
    header.migrations.push('9999_from_the_future');
    content[0] = JSON.stringify([kind, header]);
    await writeLines(newer, content);
    const target = await emptyDatabase();
    // The trailer no longer matches either: the check that speaks is the whole-file one, before any schema check.
    await expect(restoreBackup(target.db, newer)).rejects.toThrow(/damaged|newer Momentum/);
  });

  it('restores a backup from an older schema version and upgrades it to this one', async () => {
    const names = (await migrationStatus(source.db)).map((m) => m.name);
    const older = await emptyDatabase();
    await migrateTo(older.db, names.at(-2) as string);
    const olderFile = join(dir, 'older');
    await backupDatabase({ db: older.db, kind: 'pglite', secret: 's' }, clock, olderFile);
    const target = await emptyDatabase();
    const result = await restoreBackup(target.db, olderFile);
    expect(result.upgraded).toEqual([names.at(-1)]);
    expect((await migrationStatus(target.db)).every((m) => m.applied)).toBe(true);
  });

  it('copies a live database straight into an empty, already migrated one (db copy) with equal tables', async () => {
    const target = await createTestDatabase();
    opened.push({ close: target.dispose });
    await copyDatabase({ db: source.db, kind: source.kind, secret: 's' }, target.db, clock);
    expect(await tableDigests(target.db)).toEqual(await tableDigests(source.db));
    await expect(copyDatabase({ db: source.db, kind: source.kind, secret: 's' }, target.db, clock)).rejects.toThrow(/not empty/);
  });
});
