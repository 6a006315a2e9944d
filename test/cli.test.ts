import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { systemClock } from '../src/lib/clock.ts';
import { createWorkspace } from '../src/modules/workspaces/workspaces.ts';
import { createEmptyPostgresDatabase } from './db.ts';
import { runMomentum, startServe as startMomentumServe, stopServe as stop } from './momentum-process.ts';

let dataDir: string;

const run = (args: string[], extra: Record<string, string> = {}) => runMomentum(dataDir, args, extra);
const startServe = () => startMomentumServe(dataDir, ['--no-demo', '--no-worker']);

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'momentum-cli-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('momentum CLI on the embedded database', () => {
  it('on PostgreSQL, refuses to start without MOMENTUM_SECRET, and waits a bounded time for a server that does not answer', async () => {
    const closed = 'postgres://postgres@127.0.0.1:1/momentum';
    const noSecret = await run(['migrate'], { DATABASE_URL: closed });
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toContain('MOMENTUM_SECRET: is required with DATABASE_URL');
    const waited = await run(['migrate'], { DATABASE_URL: closed, MOMENTUM_SECRET: 'x'.repeat(40), DATABASE_WAIT_SECONDS: '2' });
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain('Waiting for PostgreSQL at 127.0.0.1:1/momentum (ECONNREFUSED)');
    expect(waited.stderr).toContain('did not answer within 2 s');
    // It retried (with a message each time) before giving up.
    expect(waited.stderr.match(/Waiting for PostgreSQL/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('exits 2 on an unknown command and on a bad option value', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['apikey', 'create', '--name', 'x', '--scope', 'root'])).code).toBe(2);
  });

  it('migrates a new data dir and then reports it up to date', async () => {
    const first = await run(['migrate']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Applied \d+ migration/);
    const second = await run(['migrate']);
    expect(second.stdout).toContain('up to date');
  });

  it('exits 1 with a way forward when there is no workspace for an API key', async () => {
    const res = await run(['apikey', 'create', '--name', 'early']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/momentum demo|npm start/);
  });

  it('runs a command through the running server on the same data dir, and keeps data across restarts', async () => {
    const database = await openDatabase({ dataDir });
    await migrateToLatest(database.db);
    await createWorkspace(database.db, systemClock, { name: 'CLI Co' });
    await database.close();

    const first = await startServe();
    const lock = JSON.parse(readFileSync(join(dataDir, 'lock.json'), 'utf8'));
    expect(lock.kind).toBe('serve');
    const created = await run(['apikey', 'create', '--name', 'while-serving']);
    expect(created.code).toBe(0);
    const key = created.stdout.trim().split('\n').at(-1) ?? '';
    expect(key).toMatch(/^mk_/);
    const listed = await fetch(`${first.url}/api/v1/accounts`, { headers: { authorization: `Bearer ${key}` } });
    expect(listed.status).toBe(200);
    const busy = await run(['serve', '--no-demo', '--no-worker'], { PORT: '0' });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('already running');
    await stop(first.child);
    expect(existsSync(join(dataDir, 'lock.json'))).toBe(false);

    const second = await startServe();
    const again = await fetch(`${second.url}/api/v1/accounts`, { headers: { authorization: `Bearer ${key}` } });
    expect(again.status).toBe(200);
    await stop(second.child);
  });
});

const server = testDatabase();

describe.skipIf(server.kind !== 'postgres')('momentum CLI on PostgreSQL', () => {
  it('migrates once when three processes start at the same time (containers starting together)', async () => {
    if (server.kind !== 'postgres') return;
    const empty = await createEmptyPostgresDatabase(server.url);
    try {
      const extra = { DATABASE_URL: empty.url, MOMENTUM_SECRET: 'm'.repeat(40) };
      const results = await Promise.all([run(['migrate'], extra), run(['migrate'], extra), run(['migrate'], extra)]);
      expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
      // One of them applied the migrations; the others waited on the migration lock and found nothing to do.
      expect(results.filter((r) => r.stdout.includes('Applied')).length).toBe(1);
      expect(results.filter((r) => r.stdout.includes('up to date')).length).toBe(2);
      const database = await openDatabase({ databaseUrl: empty.url });
      try {
        const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db);
        const files = readdirSync(new URL('../src/db/migrations/', import.meta.url)).filter((f) => f.endsWith('.ts'));
        expect(applied.rows.map((r) => r.name)).toEqual(files.map((f) => f.replace(/\.ts$/, '')).sort());
      } finally {
        await database.close();
      }
    } finally {
      await empty.drop();
    }
  });
});
