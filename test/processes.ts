import { type ChildProcess, spawn } from 'node:child_process';
import { bin, momentumEnv } from './momentum-process.ts';

// Several real processes on one PostgreSQL database: start them, hold them at a barrier, read what they print.

export interface Child {
  process: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** Waits until the output matches `pattern` (bounded); fails with the output if the process exits first. */
  waitFor(pattern: RegExp, what: string, ms?: number): Promise<RegExpMatchArray>;
  /** Writes one line to its stdin. */
  send(line: string): void;
  /** Resolves with the exit code (null when ended by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if still running after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

function watch(child: ChildProcess, name: string): Child {
  let output = '';
  let ended = false;
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      ended = true;
      resolve(code);
    }),
  );
  return {
    process: child,
    output: () => output,
    exited,
    send: (line) => child.stdin?.write(`${line}\n`),
    async waitFor(pattern, what, ms = 60_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const match = output.match(pattern);
        if (match) return match;
        if (ended) throw new Error(`${name} exited (code ${child.exitCode}) before ${what}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`${name}: no ${what} within ${ms} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop(graceMs = 15_000) {
      if (ended) return child.exitCode;
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill('SIGTERM');
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** `momentum ARGS` on PostgreSQL (DATABASE_URL), its data dir only for files (outbox .eml, the secret). */
export function startMomentum(args: string[], options: { databaseUrl: string; dataDir: string; env?: Record<string, string> }): Child {
  const env = momentumEnv(options.dataDir, { DATABASE_URL: options.databaseUrl, ...options.env });
  return watch(spawn(process.execPath, [bin, ...args], { env }), `momentum ${args.join(' ')}`);
}

const dbProcess = new URL('./db-process.ts', import.meta.url).pathname;

/** A child running database operations of test/db-process.ts on `databaseUrl` when told (see that file). */
export function startDbProcess(databaseUrl: string): Child {
  return watch(spawn(process.execPath, [dbProcess, databaseUrl], { stdio: ['pipe', 'pipe', 'pipe'] }), 'db-process');
}

/** The result lines a db-process child printed so far ("result JSON"), parsed. */
function results(child: Child): unknown[] {
  return [...child.output().matchAll(/^result (.*)$/gm)].map((m) => JSON.parse(m[1] ?? 'null'));
}

/**
 * A barrier: waits until every child printed "ready" (started, connected), then sends them all `command` at once, so
 * that their work overlaps rather than following each one's start-up; returns each one's result, in order. A child
 * that fails or ends fails this with its output.
 */
export async function runTogether<T = unknown>(children: Child[], command: string, ms = 60_000): Promise<T[]> {
  await Promise.all(children.map((c) => c.waitFor(/^ready$/m, '"ready"')));
  const before = children.map((c) => results(c).length);
  for (const c of children) c.send(command);
  return Promise.all(
    children.map(async (c, i) => {
      const index = before[i] ?? 0;
      let ended = false;
      void c.exited.then(() => {
        ended = true;
      });
      const deadline = Date.now() + ms;
      for (;;) {
        const found = results(c);
        if (found.length > index) return found[index] as T;
        if (ended || Date.now() > deadline) throw new Error(`child ${i} gave no result for "${command}"${ended ? ' (it ended)' : ''}:\n${c.output()}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }),
  );
}

/** Tells db-process children to end and expects each to exit with 0. */
export async function endAll(children: Child[]): Promise<void> {
  for (const c of children) c.send('exit');
  const codes = await Promise.all(children.map((c) => c.exited));
  codes.forEach((code, i) => {
    if (code !== 0) throw new Error(`child ${i} exited with ${code}:\n${children[i]?.output()}`);
  });
}
/** Polls `check` every 100 ms until it holds; fails naming `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
