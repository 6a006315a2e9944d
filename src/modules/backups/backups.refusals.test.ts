import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyTestDatabase, createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { testClock } from '../../../test/factories.ts';
import { backupCommand } from '../../cli/backup.ts';
import { loadConfig, testDatabase } from '../../config.ts';
import type { Database } from '../../db/client.ts';
import { migrationStatus } from '../../db/migrate.ts';
import { createWorkspace } from '../workspaces/workspaces.ts';
import { BackupFileError, verifyBackupFile } from './backups.file.ts';
import { backupDatabase, restoreBackup } from './backups.ts';

// What an operator gets wrong: where the file goes, what the file is, what the target holds.
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

/** A backup file whose checksums are right but whose content is whatever the lines say. */
async function craft(name: string, lines: string[]): Promise<string> {
  const body = lines.map((l) => `${l}\n`).join('');
  const trailer = JSON.stringify(['trailer', { sha256: createHash('sha256').update(body).digest('hex') }]);
  const file = join(dir, name);
  await writeFile(file, gzipSync(`${body}${trailer}\n`));
  return file;
}

beforeAll(async () => {
  source = await createTestDatabase();
  await createWorkspace(source.db, clock, { name: 'Refusals Co' });
  dir = await mkdtemp(join(tmpdir(), 'momentum-backup-refusals-'));
  backup = join(dir, 'small.momentum-backup');
  await backupDatabase({ db: source.db, kind: source.kind, secret: 's' }, clock, backup);
}, 120_000);
afterAll(async () => {
  for (const database of opened) await database.close();
  await source?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('backup refusals', () => {
  it('fails at once, with a message and no file left, when the folder does not exist or is a file', async () => {
    await expect(backupDatabase({ db: source.db, kind: source.kind, secret: 's' }, clock, join(dir, 'missing', 'b'))).rejects.toThrow(
      new BackupFileError(join(dir, 'missing', 'b'), Object.assign(new Error('x'), { code: 'ENOENT' })).message,
    );
    await expect(backupDatabase({ db: source.db, kind: source.kind, secret: 's' }, clock, join(backup, 'b'))).rejects.toBeInstanceOf(BackupFileError);
    expect((await readdir(dir)).sort()).toEqual(['small.momentum-backup']);
    // The snapshot was never opened: the database still answers.
    expect((await sql<{ one: number }>`select 1 as one`.execute(source.db)).rows).toEqual([{ one: 1 }]);
  });

  it('says a path through a file is no backup file, not a damaged one', async () => {
    await expect(verifyBackupFile(join(backup, 'inside'))).rejects.toThrow(`No backup file at ${join(backup, 'inside')}`);
  });

  it('refuses a file whose header lacks the schema version (checksums right), restoring nothing', async () => {
    const file = await craft('no-migrations', [JSON.stringify(['header', { format: 'momentum-backup', formatVersion: 1 }])]);
    await expect(verifyBackupFile(file)).rejects.toThrow(/damaged or incomplete \(its header is incomplete\)/);
    const target = await emptyDatabase();
    await expect(restoreBackup(target.db, file)).rejects.toThrow(/its header is incomplete/);
    expect((await migrationStatus(target.db)).some((m) => m.applied)).toBe(false);
  });

  it('refuses a target database where a table of another program holds data (it would end up in every later backup)', async () => {
    const target = await emptyDatabase();
    await sql`create table their_table (x int)`.execute(target.db);
    await sql`insert into their_table values (1)`.execute(target.db);
    await expect(restoreBackup(target.db, backup)).rejects.toThrow(/not empty \(their_table holds data\).*Nothing was written/);
    expect((await migrationStatus(target.db)).some((m) => m.applied)).toBe(false);
  });
});

// PGlite is one connection, so a session setting makes the whole database take no writes (as a read-only replica).
describe.skipIf(testDatabase().kind !== 'pglite')('backup of a database that takes no writes', () => {
  it('writes the file and exits 0, warning that it could not record the backup in the audit log', async () => {
    const readOnly = await createTestDatabase();
    opened.push({ close: readOnly.dispose });
    await createWorkspace(readOnly.db, clock, { name: 'Replica Co' });
    await sql`set default_transaction_read_only = on`.execute(readOnly.db);
    const file = join(dir, 'replica.momentum-backup');
    const errors: string[] = [];
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => errors.push(l), progress: () => {} };
    const config = loadConfig({ MOMENTUM_DATA_DIR: join(dir, 'replica-config') });
    const code = await backupCommand.run({ db: readOnly.db, clock, config }, io, { file });
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^Backed up \d+ rows/);
    expect(errors.join('\n')).toMatch(/Warning: the backup is complete, but it could not be recorded in the audit log .*read-only transaction/);
    expect((await verifyBackupFile(file)).tables.length).toBeGreaterThan(10);
  });
});
