import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { pipeline as pipelineCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';

/**
 * A backup file is gzip'd NDJSON. Control lines are JSON arrays `[kind, {...}]`; every other line is one row as
 * JSON (an object). Each table ends with its row count and SHA-256; the last line, the trailer, carries the SHA-256 of
 * every byte before it, so a truncated or altered file is refused before anything is written.
 */
export const BACKUP_FORMAT = 'momentum-backup';
export const BACKUP_FORMAT_VERSION = 1;

export const backupHeaderSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number().int(),
  createdAt: z.string(),
  /** Where it was taken: 'pglite' (embedded) or 'postgres'. */
  database: z.string(),
  /** The schema version: every migration applied, in order. */
  migrations: z.array(z.string()),
  /** A fingerprint of the signing secret in use (never the secret): a restore tells whether sessions and links stay valid. */
  secretFingerprint: z.string(),
  tables: z.array(z.object({ name: z.string(), rows: z.number().int().nonnegative() })),
});

export type BackupHeader = z.infer<typeof backupHeaderSchema>;

/** What flows from a source (a database snapshot or a backup file) to a sink (a file or a database). */
export type BackupItem =
  | { kind: 'header'; header: BackupHeader }
  | { kind: 'table'; name: string; columns: string[] }
  | { kind: 'rows'; name: string; lines: string[] }
  | { kind: 'end'; name: string; rows: number; sha256: string };

export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(`momentum-secret-fingerprint:${secret}`).digest('hex').slice(0, 16);
}

/**
 * Writes items into FILE (via a temporary file renamed at the end: a failed backup leaves no half file). The file is
 * opened before anything is read, so a folder that does not exist or cannot be written fails at once.
 */
export async function writeBackupFile(file: string, items: AsyncIterable<BackupItem>): Promise<{ bytes: number }> {
  const partial = `${file}.partial`;
  const out = (await open(partial, 'w', 0o600).catch((error) => Promise.reject(new BackupFileError(file, error)))).createWriteStream();
  let failed: NodeJS.ErrnoException | undefined;
  out.on('error', (error) => {
    failed = error;
  });
  const whole = createHash('sha256');
  async function* text(): AsyncGenerator<string> {
    for await (const item of items) {
      let chunk = '';
      if (item.kind === 'rows') {
        for (const line of item.lines) chunk += `${line}\n`;
      } else {
        const { kind, ...body } = item;
        chunk = `${JSON.stringify([kind, kind === 'header' ? item.header : body])}\n`;
      }
      whole.update(chunk);
      yield chunk;
    }
    yield `${JSON.stringify(['trailer', { sha256: whole.digest('hex') }])}\n`;
  }
  try {
    // pipeline() ends every stream and the source on any failure (a full disk, a failed read) and rejects with it.
    await pipeline(text(), createGzip(), out);
    await rename(partial, file);
    return { bytes: out.bytesWritten };
  } catch (error) {
    out.destroy();
    await rm(partial, { force: true });
    throw failed ? new BackupFileError(file, failed) : error;
  }
}

/** The backup file could not be written (its folder missing or read-only, a full disk); nothing is left behind. */
export class BackupFileError extends Error {
  constructor(file: string, cause: NodeJS.ErrnoException) {
    const why = cause.code === 'ENOENT' ? 'its folder does not exist' : cause.code === 'ENOSPC' ? 'the disk is full' : cause.message;
    super(`Cannot write ${file}: ${why}. Nothing was written.`, { cause });
  }
}

const damaged = (why: string) => new AppError('validation_failed', `The backup file is damaged or incomplete (${why}); nothing was restored.`);

/**
 * Reads a backup file as items, checking as it goes: the header first, each table's count and checksum, the trailer
 * last. Any mismatch, truncation or stray line throws; consume it fully once (verify) before writing anything.
 */
export async function* readBackupFile(file: string, batchRows = 2000): AsyncGenerator<BackupItem> {
  const input = createReadStream(file);
  const gunzip = createGunzip();
  // pipeline() hands a read error (a missing file) or a gzip error on to the stream being iterated.
  const text = pipelineCallback(input, gunzip, () => {}).setEncoding('utf8');
  const whole = createHash('sha256');
  let header: BackupHeader | undefined;
  let table: { name: string; rows: number; hash: ReturnType<typeof createHash>; batch: string[] } | undefined;
  let trailer = false;
  try {
    for await (const line of textLines(text)) {
      if (trailer) throw damaged('data after the end');
      if (line.startsWith('{')) {
        if (!table) throw damaged('a row outside a table');
        whole.update(`${line}\n`);
        table.hash.update(`${line}\n`);
        table.rows++;
        table.batch.push(line);
        if (table.batch.length >= batchRows) {
          yield { kind: 'rows', name: table.name, lines: table.batch };
          table.batch = [];
        }
        continue;
      }
      let kind: unknown;
      let body: Record<string, unknown>;
      try {
        [kind, body] = JSON.parse(line) as [unknown, Record<string, unknown>];
      } catch {
        throw damaged('an unreadable line');
      }
      if (kind === 'trailer') {
        if (!header || table) throw damaged('it ends early');
        if (body.sha256 !== whole.digest('hex')) throw damaged('its checksum does not match');
        trailer = true;
        continue;
      }
      whole.update(`${line}\n`);
      if (kind === 'header') {
        if (header) throw damaged('two headers');
        if (body.format !== BACKUP_FORMAT) throw damaged('not a Momentum backup');
        if (typeof body.formatVersion !== 'number' || body.formatVersion > BACKUP_FORMAT_VERSION) {
          throw new AppError(
            'validation_failed',
            `This backup was written by a newer Momentum (backup format ${String(body.formatVersion)}): upgrade Momentum to restore it.`,
          );
        }
        const parsed = backupHeaderSchema.safeParse(body);
        if (!parsed.success) throw damaged('its header is incomplete');
        header = parsed.data;
        yield { kind: 'header', header };
      } else if (kind === 'table' && header && !table && typeof body.name === 'string') {
        table = { name: body.name, rows: 0, hash: createHash('sha256'), batch: [] };
        yield { kind: 'table', name: body.name, columns: (body.columns as string[]) ?? [] };
      } else if (kind === 'end' && table && body.name === table.name) {
        if (table.batch.length > 0) yield { kind: 'rows', name: table.name, lines: table.batch };
        const sha256 = table.hash.digest('hex');
        if (body.rows !== table.rows || body.sha256 !== sha256) throw damaged(`table ${table.name} does not match its checksum`);
        yield { kind: 'end', name: table.name, rows: table.rows, sha256 };
        table = undefined;
      } else {
        throw damaged(header ? 'an unexpected line' : 'no header');
      }
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AppError('not_found', `No backup file at ${file}`);
    if (code === 'EISDIR') throw new AppError('validation_failed', `${file} is a directory, not a backup file`);
    if (code === 'EACCES' || code === 'EPERM') throw new AppError('forbidden', `Cannot read ${file}: permission denied`);
    throw damaged(code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' ? 'not a complete gzip file' : (error as Error).message);
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  if (!trailer) throw damaged('it ends early');
}

/** A text stream's lines (without their newline). */
async function* textLines(text: AsyncIterable<string>): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of text) {
    rest += chunk;
    let start = 0;
    for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n', start)) {
      yield rest.slice(start, end);
      start = end + 1;
    }
    rest = rest.slice(start);
  }
  if (rest !== '') yield rest;
}

/** Reads the whole file once, checking every checksum; returns its header. */
export async function verifyBackupFile(file: string): Promise<BackupHeader> {
  let header: BackupHeader | undefined;
  for await (const item of readBackupFile(file)) if (item.kind === 'header') header = item.header;
  if (!header) throw damaged('no header');
  return header;
}
