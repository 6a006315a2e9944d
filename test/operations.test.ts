import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { systemClock } from '../src/lib/clock.ts';
import { readBackupFile } from '../src/modules/backups/backups.file.ts';
import { tableDigests } from '../src/modules/backups/backups.ts';
import { DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD } from '../src/modules/demo/demo.ts';
import { createWorkspace } from '../src/modules/workspaces/workspaces.ts';
import { createEmptyPostgresDatabase } from './db.ts';
import { runMomentum, startServe, stopServe } from './momentum-process.ts';

// The operator's view: real `momentum` processes on embedded data dirs, fed by the official Segment Node SDK.
let root: string;

const run = (dataDir: string, args: string[], extra: Record<string, string> = {}) => runMomentum(dataDir, args, extra);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'momentum-ops-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

// Child processes on embedded data dirs: the same whichever database the suite targets, so it runs once.
describe.skipIf(testDatabase().kind !== 'pglite')('operating a running server', () => {
  it('backs up while the Segment SDK sends events, restores into a new data dir table for table, and on SIGTERM stores every acknowledged event', async () => {
    const live = join(root, 'live');
    const database = await openDatabase({ dataDir: live });
    await migrateToLatest(database.db);
    await createWorkspace(database.db, systemClock, { name: 'Ops Co' });
    await database.close();
    const key = await run(live, ['apikey', 'create', '--name', 'sdk', '--scope', 'ingest']);
    expect(key.code).toBe(0);
    const writeKey = key.stdout.trim().split('\n').at(-1) ?? '';

    const server = await startServe(live);
    await until(async () => (await fetch(`${server.url}/readyz`).catch(() => undefined))?.status === 200, 'readyz (worker running)');

    // The SDK with its default settings; each call's callback says whether the server acknowledged it.
    const analytics = new Analytics({ writeKey, host: server.url });
    analytics.on('error', () => {});
    const acknowledged: string[] = [];
    let sent = 0;
    let sending = true;
    const sender = (async () => {
      while (sending) {
        for (let i = 0; i < 20; i++) {
          const messageId = `ops-${sent++}`;
          analytics.track({ userId: `user-${sent % 25}`, event: 'Report Built', properties: { n: sent }, messageId }, (error) => {
            if (!error) acknowledged.push(messageId);
          });
        }
        await sleep(25);
      }
    })();

    await until(() => acknowledged.length >= 200, 'the first acknowledged events');
    const file = join(root, 'live.momentum-backup');
    const backup = await run(live, ['backup', file]);
    expect(backup.stderr + backup.stdout).toContain('asking it');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/Backed up \d+ rows of \d+ tables/);

    // More arrive after the backup; then the server is told to stop while the SDK keeps sending.
    const atBackup = acknowledged.length;
    await until(() => acknowledged.length >= atBackup + 200, 'events after the backup');
    expect(await stopServe(server.child)).toBe(0);
    sending = false;
    await sender;
    await analytics.closeAndFlush({ timeout: 5_000 });

    const reopened = await openDatabase({ dataDir: live });
    try {
      const stored = new Set(
        (await reopened.db.selectFrom('events').select('message_id').where('message_id', 'like', 'ops-%').execute()).map((r) => r.message_id),
      );
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      expect(acknowledged.length).toBeGreaterThanOrEqual(400);
    } finally {
      await reopened.close();
    }

    // The backup, restored into a new data dir, holds exactly what the file recorded, table by table.
    const restoredDir = join(root, 'restored');
    const restored = await run(restoredDir, ['restore', file]);
    expect(restored.stderr).not.toMatch(/damaged/);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/Restored \d+ rows/);
    const recorded: Record<string, { rows: number; sha256: string }> = {};
    for await (const item of readBackupFile(file)) if (item.kind === 'end') recorded[item.name] = { rows: item.rows, sha256: item.sha256 };
    const copy = await openDatabase({ dataDir: restoredDir });
    try {
      expect(await tableDigests(copy.db)).toEqual(recorded);
      expect(recorded.events?.rows).toBeGreaterThan(0);
      expect(recorded.events?.rows).toBeLessThan(acknowledged.length);
    } finally {
      await copy.close();
    }
    // Restoring again over data is refused, and says so.
    const again = await run(restoredDir, ['restore', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not empty');
  }, 240_000);
});

const server = testDatabase();

describe.skipIf(server.kind !== 'postgres')('moving the embedded database to PostgreSQL', () => {
  it('copies the demo workspace table for table into an empty PostgreSQL database, prints what to set, and serves from it', async () => {
    const embedded = join(root, 'demo');
    const demo = await run(embedded, ['demo']);
    expect(demo.code).toBe(0);
    const target = await createEmptyPostgresDatabase(server.kind === 'postgres' ? server.url : '');
    try {
      const copied = await run(root, ['db', 'copy', '--from', embedded, '--to', target.url]);
      expect(copied.stderr).not.toContain('Error');
      expect(copied.code).toBe(0);
      expect(copied.stdout).toMatch(/Copied \d+ rows of \d+ tables/);
      expect(copied.stdout).toContain(`DATABASE_URL=${target.url}`);
      expect(copied.stdout).toContain(`MOMENTUM_SECRET=$(cat ${join(embedded, 'secret')})`);

      const [source, copy] = await Promise.all([openDatabase({ dataDir: embedded }), openDatabase({ databaseUrl: target.url, poolSize: 2 })]);
      try {
        const expected = await tableDigests(source.db);
        expect(expected.accounts?.rows).toBeGreaterThan(100);
        expect(await tableDigests(copy.db)).toEqual(expected);
      } finally {
        await Promise.all([source.close(), copy.close()]);
      }

      // A second copy into the same database is refused and changes nothing.
      const again = await run(root, ['db', 'copy', '--from', embedded, '--to', target.url]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('not empty');

      // Served from PostgreSQL with the printed settings, the demo admin signs in as before.
      const secret = readFileSync(join(embedded, 'secret'), 'utf8').trim();
      const served = await startServe(join(root, 'unused'), ['--no-demo'], { DATABASE_URL: target.url, MOMENTUM_SECRET: secret });
      try {
        await until(async () => (await fetch(`${served.url}/readyz`).catch(() => undefined))?.status === 200, 'readyz on PostgreSQL');
        const signIn = await fetch(`${served.url}/api/v1/auth/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-momentum-client': 'console' },
          body: JSON.stringify({ email: DEMO_ADMIN_EMAIL, password: DEMO_ADMIN_PASSWORD }),
        });
        expect(signIn.status).toBe(200);
      } finally {
        await stopServe(served.child);
      }
    } finally {
      await target.drop();
    }
  }, 240_000);
});
