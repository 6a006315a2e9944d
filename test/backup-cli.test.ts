import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { systemClock } from '../src/lib/clock.ts';
import { createWorkspace } from '../src/modules/workspaces/workspaces.ts';

// `momentum backup`, `restore` and `db copy` given what an operator gets wrong: every failure is one line and exit 1.
const bin = new URL('../bin/momentum.js', import.meta.url).pathname;
let root: string;
let dataDir: string;

function run(args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...rest, MOMENTUM_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    // A command that does not end by itself is a failure too (null code).
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function startServe(): Promise<{ child: ChildProcess; url: string }> {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  const child = spawn(process.execPath, [bin, 'serve', '--no-demo', '--no-worker'], {
    env: { ...rest, MOMENTUM_DATA_DIR: dataDir, LOG_LEVEL: 'warn', PORT: '0' },
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    const match = output.match(/running at (http:\/\/[^\s]+)/);
    if (match?.[1]) return { child, url: match[1] };
    if (child.exitCode !== null) throw new Error(`serve exited: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`serve did not start: ${output}`);
}

/** Starts a command and sends it SIGINT once its stderr shows `when`. */
function interrupt(args: string[], when: string, extra: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...rest, MOMENTUM_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra } });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sent && stderr.includes(when)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** One line on stderr, no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at |node:internal/);
  return lines[0] as string;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'momentum-backup-cli-'));
  dataDir = join(root, 'data');
  const database = await openDatabase({ dataDir });
  await migrateToLatest(database.db);
  const workspace = await createWorkspace(database.db, systemClock, { name: 'Backup CLI Co' });
  // Enough rows for a backup and a restore to take a few seconds (time to interrupt them).
  await sql`insert into events (workspace_id, id, source, message_id, type, name, user_id, properties, context, timestamp, received_at, channel, digital)
    select ${workspace.id}, gen_random_uuid(), 'test', 'm' || g, 'track', 'Report Built', 'u' || (g % 50), jsonb_build_object('n', g),
      '{}'::jsonb, now(), now(), 'product', true
    from generate_series(1, 100000) g`.execute(database.db);
  await database.close();
}, 120_000);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

// Child processes on an embedded data dir: the same whichever database the suite targets, so it runs once.
describe.skipIf(testDatabase().kind !== 'pglite')('momentum backup, restore and db copy refusals', () => {
  it('backup to an existing file or a missing folder, or of a data dir never migrated, exits 1 at once with one line, and writes nothing', async () => {
    const existing = join(root, 'existing');
    writeFileSync(existing, 'keep me');
    const refused = await run(['backup', existing]);
    expect(refused.code).toBe(1);
    expect(oneLine(refused.stderr)).toContain('already exists');
    const missing = await run(['backup', join(root, 'no-such-folder', 'b.momentum-backup')]);
    expect(missing.code).toBe(1);
    expect(oneLine(missing.stderr)).toMatch(/^Cannot write .*: its folder does not exist\. Nothing was written\.$/);
    expect(existsSync(join(root, 'no-such-folder'))).toBe(false);
    const empty = await run(['backup', join(root, 'empty.momentum-backup')], { MOMENTUM_DATA_DIR: join(root, 'empty') });
    expect(empty.code).toBe(1);
    expect(oneLine(empty.stderr)).toContain('holds no Momentum database yet (no migration applied): there is nothing to back up.');
    expect(existsSync(join(root, 'empty.momentum-backup'))).toBe(false);
  });

  it('backup to a missing folder through the running server fails the command, not the server', async () => {
    const server = await startServe();
    try {
      const missing = await run(['backup', join(root, 'no-such-folder', 'b.momentum-backup')]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('asking it');
      expect(missing.stderr).toMatch(/Cannot write .*: its folder does not exist/);
      expect(missing.stderr).not.toMatch(/\n\s+at /);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const taken = await run(['backup', join(root, 'served.momentum-backup')]);
      expect(taken.code).toBe(0);
    } finally {
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGTERM');
      await exited;
    }
  }, 180_000);

  it('db copy to a server that does not answer, or to a URL that is not PostgreSQL, exits 1 with one line', async () => {
    const closed = await run(['db', 'copy', '--to', 'postgres://postgres@127.0.0.1:1/momentum']);
    expect(closed.code).toBe(1);
    expect(oneLine(closed.stderr)).toMatch(/^--to 127\.0\.0\.1:1\/momentum: connect ECONNREFUSED/);
    const notUrl = await run(['db', 'copy', '--to', 'mysql://127.0.0.1/momentum']);
    expect(notUrl.code).toBe(1);
    expect(oneLine(notUrl.stderr)).toContain('--to must be a PostgreSQL connection string');
  });

  it('Ctrl-C in the middle of a backup leaves no file, and in the middle of a restore leaves a target that takes it again; a restore into an unreachable PostgreSQL is one line', async () => {
    const file = join(root, 'interrupted.momentum-backup');
    const stopped = await interrupt(['backup', file], 'Backing up:');
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('Interrupted: no backup was written.');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);

    const full = join(root, 'full.momentum-backup');
    expect((await run(['backup', full])).code).toBe(0);
    const target = join(root, 'restored');
    const halfway = await interrupt(['restore', full], 'Restoring:', { MOMENTUM_DATA_DIR: target });
    expect(halfway.code).toBe(130);
    expect(halfway.stderr).toContain('Interrupted: nothing was restored; run the same command again to restore.');
    const again = await run(['restore', full], { MOMENTUM_DATA_DIR: target });
    expect(again.stderr).not.toMatch(/\n\s+at /);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Restored \d+ rows/);

    // Into a PostgreSQL server that does not answer: one line, exit 1.
    const closed = await run(['restore', full], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/momentum', MOMENTUM_SECRET: 'x'.repeat(40) });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('PostgreSQL at 127.0.0.1:1/momentum does not answer');
    expect(closed.stderr).not.toMatch(/\n\s+at /);
  }, 240_000);
});
