import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { type Config, loadConfig } from '../config.ts';
import { DatabaseUnavailableError, describeServer, openDatabase } from '../db/client.ts';
import { migrateToLatest, migrationStatus } from '../db/migrate.ts';
import { systemClock } from '../lib/clock.ts';
import { AppError } from '../lib/errors.ts';
import { BackupFileError, readBackupFile, secretFingerprint, verifyBackupFile } from '../modules/backups/backups.file.ts';
import { backupDatabase, copyDatabase, type LoadResult, loadInto } from '../modules/backups/backups.ts';
import { recordBackup } from '../modules/system/system.ts';
import { type CommandIO, defineCommand, type ExitCode, UserError } from './command.ts';
import { acquireLock, releaseLock } from './lock.ts';
import { runCommand } from './run.ts';
import { terminalIO } from './terminal.ts';

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** `momentum backup FILE`: runs here, or inside the running server on this data dir (online, while it keeps working). */
export const backupCommand = defineCommand({
  name: 'backup',
  args: z.object({ file: z.string().min(1) }),
  async run(rt, io, { file }) {
    if (existsSync(file)) throw new UserError(`${file} already exists: choose a new file name (a backup never overwrites one).`);
    if (!(await migrationStatus(rt.db)).some((m) => m.applied)) {
      const where = rt.config.databaseUrl ? describeServer(rt.config.databaseUrl) : rt.config.dataDir;
      throw new UserError(`${where} holds no Momentum database yet (no migration applied): there is nothing to back up.`);
    }
    const started = Date.now();
    const result = await backupDatabase(
      { db: rt.db, kind: rt.config.databaseUrl ? 'postgres' : 'pglite', secret: rt.config.secret },
      rt.clock,
      file,
      (done, total) => io.progress('Backing up', done, total),
    ).catch((error) => {
      throw error instanceof BackupFileError ? new UserError(error.message) : error;
    });
    const schema = result.header.migrations.at(-1) ?? 'empty';
    // The file is complete whatever happens next: a database that takes no writes (a read-only replica) only loses the record.
    await recordBackup(rt.db, rt.clock, { file, rows: result.rows, bytes: result.bytes, schema }).catch((error: Error) =>
      io.err(`Warning: the backup is complete, but it could not be recorded in the audit log (Settings > System): ${error.message}`),
    );
    io.out(
      `Backed up ${result.rows} rows of ${result.header.tables.length} tables to ${file} (${megabytes(result.bytes)}, schema ${schema}) in ${seconds(started)}.`,
    );
    io.out(
      `The backup does not hold the secret that signs sessions and links (fingerprint ${result.header.secretFingerprint}): keep MOMENTUM_SECRET, or the data dir's secret file, safe beside it.`,
    );
    return 0;
  },
});

/** Restore and copy take the target whole: an embedded data dir must not be in use by a server or another command. */
function takeDataDir(dataDir: string, what: string): void {
  const holder = acquireLock(dataDir, { kind: 'command' });
  if (holder) {
    throw new UserError(
      `${dataDir} is in use by ${holder.kind === 'serve' ? 'a running momentum server' : 'another momentum command'} (pid ${holder.pid}): stop it before ${what}.`,
    );
  }
}

function loaded(io: CommandIO, verb: string, result: LoadResult, started: number, where: string) {
  io.out(`${verb} ${result.rows} rows of ${result.tables} tables into ${where} in ${seconds(started)}; every table's row count matches the source.`);
  if (result.upgraded.length > 0)
    io.out(`The source came from an older Momentum: applied ${result.upgraded.length} migration(s) after loading (${result.upgraded.join(', ')}).`);
}

/**
 * Ctrl-C or SIGTERM in the middle: the cursor the progress bar hid is shown again, `cleanup` removes what was half
 * written, a line says what was left, and the process exits with 130. Returns a function that removes the handler.
 */
function onInterrupt(message: string, cleanup: () => void = () => {}): () => void {
  const handler = () => {
    cleanup();
    process.stderr.write(`${process.stderr.isTTY ? '\u001b[?25h' : ''}\n${message}\n`);
    process.exit(130);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Runs restore or copy with the terminal's progress bar, turning their refusals into messages. */
async function local(work: (io: CommandIO) => Promise<ExitCode>): Promise<ExitCode> {
  const io = terminalIO();
  try {
    return await work(io);
  } catch (error) {
    io.done();
    if (error instanceof UserError || error instanceof AppError || error instanceof DatabaseUnavailableError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    io.done();
  }
}

/** `momentum restore FILE`: into the configured database, which must be new and empty; the file is verified whole first. */
async function restore(config: Config, file: string): Promise<ExitCode> {
  return local(async (io) => {
    const where = config.databaseUrl ? describeServer(config.databaseUrl) : config.dataDir;
    if (!config.databaseUrl) takeDataDir(config.dataDir, 'restoring into it (restore into a new data dir, then point the server at it)');
    try {
      const started = Date.now();
      io.err(`Verifying ${file} …`);
      const header = await verifyBackupFile(file);
      io.err(
        `Backup of ${header.createdAt} from ${header.database}: ${header.tables.reduce((n, t) => n + t.rows, 0)} rows, schema ${header.migrations.at(-1) ?? 'empty'}.`,
      );
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2, waitSeconds: 0 });
      try {
        // Verified whole just above: loaded straight away rather than read through a second time (restoreBackup would).
        const result = await loadInto(database.db, readBackupFile(file), (done, total) => io.progress('Restoring', done, total));
        loaded(io, 'Restored', result, started, where);
      } finally {
        await database.close();
      }
      if (header.secretFingerprint !== secretFingerprint(config.secret)) {
        io.err(
          `Warning: this server's secret differs from the one in use when the backup was taken (fingerprint ${header.secretFingerprint}). Members must sign in again and links sent earlier no longer open: set MOMENTUM_SECRET to the original secret (or copy the original data dir's secret file into ${config.dataDir}) to keep them.`,
        );
      }
      return 0;
    } finally {
      if (!config.databaseUrl) releaseLock(config.dataDir);
    }
  });
}

/**
 * `momentum db copy --to postgres://…`: the embedded database (a stopped data dir) or a backup file into an empty
 * PostgreSQL database, a batch at a time, then prints what to set to run on it.
 */
async function copy(config: Config, options: { to: string; from?: string }): Promise<ExitCode> {
  return local(async (io) => {
    if (!/^postgres(ql)?:\/\//.test(options.to))
      throw new UserError('--to must be a PostgreSQL connection string (postgres://user:password@host:5432/database).');
    const from = resolve(options.from ?? config.dataDir);
    if (!existsSync(from)) throw new UserError(`--from ${from}: no such data dir or backup file.`);
    const isFile = statSync(from).isFile();
    const where = describeServer(options.to);
    const started = Date.now();
    const target = await openDatabase({ databaseUrl: options.to, poolSize: 2, waitSeconds: 0 }).catch((error) => {
      if (!(error instanceof DatabaseUnavailableError)) throw error;
      throw new UserError(`--to ${where}: ${(error.cause as Error | undefined)?.message ?? error.message}. Check the URL and that the server is running.`);
    });
    try {
      let result: LoadResult;
      if (isFile) {
        io.err(`Verifying ${from} …`);
        result = await copyDatabase(from, target.db, systemClock, (done, total) => io.progress('Copying', done, total));
      } else {
        if (!existsSync(join(from, 'pgdata', 'PG_VERSION'))) throw new UserError(`--from ${from} is not a Momentum data dir (it holds no embedded database).`);
        takeDataDir(from, 'copying it (or copy from a backup file: `momentum backup FILE` works while the server runs)');
        try {
          const source = await openDatabase({ dataDir: from });
          try {
            // The copy carries this Momentum's schema: an older data dir is brought up to date first.
            await migrateToLatest(source.db);
            result = await copyDatabase({ db: source.db, kind: 'pglite', secret: '' }, target.db, systemClock, (done, total) =>
              io.progress('Copying', done, total),
            );
          } finally {
            await source.close();
          }
        } finally {
          releaseLock(from);
        }
      }
      loaded(io, 'Copied', result, started, where);
    } finally {
      await target.close();
    }
    const secretFile = join(from, 'secret');
    io.out('');
    io.out('To run Momentum on PostgreSQL from now on, set on every server and worker:');
    io.out(`  DATABASE_URL=${options.to}`);
    io.out(
      !isFile && existsSync(secretFile)
        ? `  MOMENTUM_SECRET=$(cat ${secretFile})   # the same secret keeps sessions and sent links valid`
        : '  MOMENTUM_SECRET=<the secret the original server used>   # the same secret keeps sessions and sent links valid',
    );
    return 0;
  });
}

export function registerBackupCommands(program: Command, exit: (code: number) => void): void {
  program
    .command('backup')
    .argument('<file>', 'the backup file to write (it must not exist yet)')
    .description('write a consistent backup of the whole database to FILE, while the server keeps running')
    .action(async (file: string) => {
      const path = resolve(file);
      // Here or in the running server, the half-written file goes: the server's backup then fails and leaves nothing.
      const done = onInterrupt('Interrupted: no backup was written.', () => rmSync(`${path}.partial`, { force: true }));
      exit(await runCommand(loadConfig(), backupCommand, { file: path }, { migrate: false }));
      done();
    });
  program
    .command('restore')
    .argument('<file>', 'a backup file written by `momentum backup`')
    .description('restore a backup into a new, empty data dir or database (verifies the whole file first)')
    .action(async (file: string) => {
      // The load is one transaction: stopped before its commit, the target holds no data and takes the restore again.
      const done = onInterrupt('Interrupted: nothing was restored; run the same command again to restore.');
      exit(await restore(loadConfig(), resolve(file)));
      done();
    });
  const db = program.command('db').description('the database as a whole');
  db.command('copy')
    .description('copy the embedded database (stopped) or a backup file into an empty PostgreSQL database')
    .requiredOption('--to <url>', 'the PostgreSQL database to copy into (postgres://…); it must hold no data')
    .option('--from <dir-or-file>', 'an embedded data dir (default: MOMENTUM_DATA_DIR) or a backup file')
    .action(async (opts: { to: string; from?: string }) => {
      const done = onInterrupt('Interrupted: nothing was copied; run the same command again to copy.');
      exit(await copy(loadConfig(), opts));
      done();
    });
}
