import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { migrateTo, migrateToLatest, migrationStatus } from '../../db/migrate.ts';
import { AppError } from '../../lib/errors.ts';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupHeader,
  type BackupItem,
  readBackupFile,
  secretFingerprint,
  verifyBackupFile,
  writeBackupFile,
} from './backups.file.ts';
import { advanceIdentities, countRows, insertRows, listTables, readRows, rowDigest, setUtc, type TableInfo } from './backups.tables.ts';

// biome-ignore lint/suspicious/noExplicitAny: backups copy every table generically (see backups.tables.ts).
type AnyDb = Kysely<any>;

export type Progress = (done: number, total: number) => void;

export interface SourceDatabase {
  db: AnyDb;
  kind: string;
  secret: string;
}

/**
 * Every table of a database as backup items, read in one repeatable-read, read-only transaction: a consistent
 * snapshot while others keep writing (on PostgreSQL they are not held up; on the embedded database, which has one
 * connection, other requests wait until the read is over).
 */
export async function* readDatabase(source: SourceDatabase, clock: { now(): Date }): AsyncGenerator<BackupItem> {
  const tx = await source.db.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute();
  try {
    await setUtc(tx);
    const tables = await listTables(tx);
    const migrations = (await migrationStatus(tx)).filter((m) => m.applied).map((m) => m.name);
    const counts = await Promise.all(tables.map(async (t) => ({ name: t.name, rows: await countRows(tx, t) })));
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: clock.now().toISOString(),
      database: source.kind,
      migrations,
      secretFingerprint: secretFingerprint(source.secret),
      tables: counts,
    };
    yield { kind: 'header', header };
    for (const table of tables) {
      yield { kind: 'table', name: table.name, columns: table.columns };
      const digest = rowDigest();
      let rows = 0;
      for await (const lines of readRows(tx, table)) {
        digest.add(lines);
        rows += lines.length;
        yield { kind: 'rows', name: table.name, lines };
      }
      yield { kind: 'end', name: table.name, rows, sha256: digest.hex() };
    }
  } finally {
    await tx.commit().execute();
  }
}

/** Every table's row count and a checksum of its rows, as a backup of it would record them (compares a backup, a restore and a copy). */
export async function tableDigests(db: AnyDb): Promise<Record<string, { rows: number; sha256: string }>> {
  const digests: Record<string, { rows: number; sha256: string }> = {};
  for await (const item of readDatabase({ db, kind: '', secret: '' }, { now: () => new Date(0) })) {
    if (item.kind === 'end') digests[item.name] = { rows: item.rows, sha256: item.sha256 };
  }
  return digests;
}

/** Reports rows as they pass, against the header's total. */
async function* counting(items: AsyncIterable<BackupItem>, progress: Progress | undefined): AsyncGenerator<BackupItem> {
  let total = 0;
  let done = 0;
  for await (const item of items) {
    if (item.kind === 'header') {
      total = item.header.tables.reduce((sum, t) => sum + t.rows, 0);
    }
    if (item.kind === 'rows') {
      done += item.lines.length;
      progress?.(done, total);
    }
    yield item;
  }
}

export interface BackupResult {
  header: BackupHeader;
  rows: number;
  bytes: number;
}

/** `momentum backup FILE`: a consistent snapshot of every table into a checksummed file. */
export async function backupDatabase(source: SourceDatabase, clock: { now(): Date }, file: string, progress?: Progress): Promise<BackupResult> {
  let header: BackupHeader | undefined;
  let rows = 0;
  async function* observed(): AsyncGenerator<BackupItem> {
    for await (const item of counting(readDatabase(source, clock), progress)) {
      if (item.kind === 'header') header = item.header;
      if (item.kind === 'end') rows += item.rows;
      yield item;
    }
  }
  const { bytes } = await writeBackupFile(file, observed());
  if (!header) throw new Error('backup wrote no header');
  return { header, rows, bytes };
}

export interface LoadResult {
  tables: number;
  rows: number;
  /** Migrations applied after the data was loaded (a backup from an older Momentum). */
  upgraded: string[];
  header: BackupHeader;
}

/**
 * Loads backup items into an empty database: checks the schema versions, migrates the target to the source's
 * version, writes every table in one transaction (in dependency order, a batch at a time), checks the counts, then
 * applies this Momentum's newer migrations. Refuses a newer source or a target that holds data.
 */
export async function loadInto(target: AnyDb, items: AsyncIterable<BackupItem>, progress?: Progress): Promise<LoadResult> {
  // Read-ahead of a few batches: the source (a snapshot or a file) is read while the target writes (bounded memory).
  const iterator = counting(Readable.from(items, { objectMode: true, highWaterMark: 4 }), progress)[Symbol.asyncIterator]();
  try {
    return await load(target, iterator);
  } finally {
    // Ends the source's read (its snapshot transaction, its file) whether the load finished or not.
    await iterator.return?.(undefined);
  }
}

async function load(target: AnyDb, iterator: AsyncIterator<BackupItem>): Promise<LoadResult> {
  const first = await iterator.next();
  if (first.done || first.value.kind !== 'header') throw new AppError('validation_failed', 'The source has no header; nothing was restored.');
  const header = first.value.header;
  await prepareTarget(target, header);
  const tx = await target.startTransaction().execute();
  let rows = 0;
  let tables = 0;
  try {
    const targetTables = new Map((await listTables(tx)).map((t) => [t.name, t]));
    let table: TableInfo | undefined;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const item = next.value;
      if (item.kind === 'table') {
        table = targetTables.get(item.name);
        if (!table) throw new AppError('validation_failed', `The source has a table ${item.name} that this database does not have; nothing was restored.`);
      } else if (item.kind === 'rows' && table) {
        await insertRows(tx, table, item.lines);
      } else if (item.kind === 'end' && table) {
        await advanceIdentities(tx, table);
        const stored = await countRows(tx, table);
        if (stored !== item.rows) throw new Error(`table ${table.name}: ${stored} rows written, the source has ${item.rows}`);
        rows += stored;
        tables++;
        table = undefined;
      }
    }
    await tx.commit().execute();
  } catch (error) {
    await tx.rollback().execute();
    throw error;
  }
  const upgraded = await migrateToLatest(target);
  return { tables, rows, upgraded, header };
}

/** Schema versions must line up and the target must hold no data; then the target is migrated to the source's version. */
async function prepareTarget(target: AnyDb, header: BackupHeader): Promise<void> {
  const status = await migrationStatus(target);
  const known = status.map((m) => m.name);
  const unknown = header.migrations.filter((m) => !known.includes(m));
  if (unknown.length > 0) {
    throw new AppError(
      'validation_failed',
      `The source was made by a newer Momentum (its schema has ${unknown.join(', ')}): upgrade Momentum, then restore. Nothing was restored.`,
    );
  }
  if (header.migrations.some((m, i) => known[i] !== m)) {
    throw new AppError('validation_failed', 'The source’s schema history does not match this Momentum’s; nothing was restored.');
  }
  const applied = status.filter((m) => m.applied).map((m) => m.name);
  // Any table with rows counts, Momentum's or not: a table of another program would otherwise end up in this
  // database's next backups, which no new database could take.
  const filled: string[] = [];
  for (const table of await listTables(target)) if ((await countRows(target, table)) > 0) filled.push(table.name);
  if (filled.length > 0) {
    throw new AppError(
      'conflict',
      `The target database is not empty (${filled.slice(0, 5).join(', ')}${filled.length > 5 ? ' …' : ''} ${filled.length === 1 ? 'holds' : 'hold'} data): restore or copy only into a new, empty database or data dir. Nothing was written.`,
    );
  }
  if (applied.length > header.migrations.length) {
    throw new AppError(
      'validation_failed',
      `The target database is already at a newer schema (${applied.length} migrations) than the source (${header.migrations.length}): restore into a new, empty database or data dir. Nothing was restored.`,
    );
  }
  const last = header.migrations.at(-1);
  if (last) await migrateTo(target, last);
}

/** `momentum restore FILE`: verifies the whole file first (nothing is written from a damaged one), then loads it. */
export async function restoreBackup(target: AnyDb, file: string, progress?: Progress): Promise<LoadResult> {
  await verifyBackupFile(file);
  return loadInto(target, readBackupFile(file), progress);
}

/** `momentum db copy`: every table of one database (or a backup file) into another, empty one, streaming. */
export async function copyDatabase(source: SourceDatabase | string, target: AnyDb, clock: { now(): Date }, progress?: Progress): Promise<LoadResult> {
  if (typeof source === 'string') return restoreBackup(target, source, progress);
  return loadInto(target, readDatabase(source, clock), progress);
}
