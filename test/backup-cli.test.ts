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
import { runMomentum, startServe, stopServe } from './momentum-process.ts';

// `momentum backup`, `restore` and `db copy` given what an operator gets wrong: every failure is one line and exit 1.
let root: string;
let dataDir: string;

const run = (args: string[], extra: Record<string, string> = {}) => runMomentum(dataDir, args, extra);

/** Starts a command and sends it SIGINT once its stderr shows `when`. */
function interrupt(args: string[], when: string, extra: Record<string, string> = {}) {
  let sent = false;
  return runMomentum(dataDir, args, extra, {
    onStderr: (stderr, child) => {
      if (!sent && stderr.includes(when)) {
        sent = true;
        child.kill('SIGINT');
      }
    },
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
    const server = await startServe(dataDir, ['--no-demo', '--no-worker']);
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
      await stopServe(server.child);
    }
  }, 180_000);

  it('backup through a server that dies in the middle exits 1 saying the server stopped, without a stack trace', async () => {
    const server = await startServe(dataDir, ['--no-demo', '--no-worker']);
    const file = join(root, 'cut.momentum-backup');
    let killed = false;
    const cut = await runMomentum(
      dataDir,
      ['backup', file],
      {},
      {
        onStderr: (stderr) => {
          if (!killed && stderr.includes('Backing up:')) {
            killed = true;
            server.child.kill('SIGKILL');
          }
        },
      },
    );
    expect(killed).toBe(true);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain('The server on this data dir stopped before the command finished');
    expect(cut.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(file)).toBe(false);
    await stopServe(server.child);
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
