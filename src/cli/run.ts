import type { Config } from '../config.ts';
import { DatabaseUnavailableError, openDatabase } from '../db/client.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { systemClock } from '../lib/clock.ts';
import type { CommandSpec, ExitCode } from './command.ts';
import { UserError } from './command.ts';
import { acquireLock, releaseLock } from './lock.ts';
import { terminalIO } from './terminal.ts';

/**
 * Runs a database command. On PostgreSQL it connects directly. On the embedded database it takes the
 * data dir (one exclusive connection), or, when `serve` holds it, asks that server to run the command.
 */
export async function runCommand(config: Config, spec: CommandSpec, args: unknown, options: { migrate?: boolean } = {}): Promise<ExitCode> {
  const io = terminalIO();
  try {
    if (!config.databaseUrl) {
      const holder = acquireLock(config.dataDir, { kind: 'command' });
      if (holder) {
        if (holder.kind === 'serve' && holder.url && holder.controlToken) return await runRemote(holder.url, holder.controlToken, spec, args);
        throw new UserError(`Another momentum command (pid ${holder.pid}) is using ${config.dataDir}; wait for it to finish.`);
      }
    }
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: 4,
      // Only `migrate` waits for a server that may still be starting (a container's first step); others fail fast.
      waitSeconds: spec.name === 'migrate' ? config.databaseWaitSeconds : 0,
      onWait: (message) => io.err(message),
    });
    try {
      if (options.migrate !== false && spec.name !== 'migrate') await migrateToLatest(database.db);
      return await spec.run({ db: database.db, clock: systemClock, config }, io, spec.args.parse(args));
    } finally {
      await database.close();
    }
  } catch (error) {
    io.done();
    if (error instanceof UserError || error instanceof DatabaseUnavailableError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    io.done();
    if (!config.databaseUrl) releaseLock(config.dataDir);
  }
}

async function runRemote(url: string, token: string, spec: CommandSpec, args: unknown): Promise<ExitCode> {
  const io = terminalIO();
  io.err(`(a momentum server is running on this data dir: asking it at ${url})`);
  let response: Response;
  try {
    response = await fetch(`${url}/control/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ command: spec.name, args }),
    });
  } catch {
    throw new UserError(`The server on this data dir does not answer at ${url}. If it has stopped, run the command again.`);
  }
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new UserError(`The running server refused the command: ${body.error?.message ?? response.statusText}`);
  }
  let exit: ExitCode | undefined;
  let buffer = '';
  const decoder = new TextDecoder();
  // The server may stop (or crash) before the command ends: the stream is cut, or ends without an exit code.
  const cut = () => new UserError(`The server on this data dir stopped before the command finished (${url}); check it, then run the command again.`);
  const chunks = response.body[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await chunks.next();
    } catch {
      io.done();
      throw cut();
    }
    if (next.done) break;
    const chunk = next.value;
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const message = JSON.parse(buffer.slice(0, newline)) as {
        out?: string;
        err?: string;
        progress?: { label: string; done: number; total: number };
        exit?: ExitCode;
      };
      buffer = buffer.slice(newline + 1);
      if (message.out !== undefined) io.out(message.out);
      if (message.err !== undefined) io.err(message.err);
      if (message.progress) io.progress(message.progress.label, message.progress.done, message.progress.total);
      if (message.exit !== undefined) exit = message.exit;
      newline = buffer.indexOf('\n');
    }
  }
  io.done();
  if (exit === undefined) throw cut();
  return exit;
}
