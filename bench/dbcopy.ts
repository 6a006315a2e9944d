// Backup, restore and db copy benchmark: `npm run bench -- dbcopy [--scale small|full]`.
//
// An embedded data dir (PGlite, as `momentum serve` leaves it) holding 100k (small) or 1M (full) events for 1k / 10k
// accounts, bulk-loaded by INSERT ... SELECT generate_series. Then, one after the other:
//   - `momentum backup`: the data dir into a backup file;
//   - `momentum db copy`: the data dir into a fresh PostgreSQL database (TEST_DATABASE_URL's server, or the local one);
//   - `momentum restore`: the backup file into another fresh PostgreSQL database;
//   - the baseline: PostgreSQL's own `pg_dump | psql` of the copied database into a third one (the standard way to
//     move a PostgreSQL database; it has no embedded side, so it is the speed to compare with).
// Each copy is verified table by table (row count and checksum of every row). Peak memory is sampled while the work
// runs (bounded memory: it should not grow with the table size). The last line of output is one JSON object.
import { execSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../src/db/client.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { systemClock } from '../src/lib/clock.ts';
import { backupDatabase, copyDatabase, restoreBackup, tableDigests } from '../src/modules/backups/backups.ts';
import { createWorkspace } from '../src/modules/workspaces/workspaces.ts';

const { values } = parseArgs({ options: { scale: { type: 'string', default: 'small' } } });
const scale = values.scale === 'full' ? 'full' : 'small';
const EVENTS = scale === 'full' ? 1_000_000 : 100_000;
const ACCOUNTS = EVENTS / 100;
const server = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function adminQuery(text: string) {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const created: string[] = [];
async function freshDatabase(): Promise<string> {
  const name = `momentum_bench_${randomBytes(5).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  created.push(name);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `work`, sampling this process's resident memory; returns seconds and the peak in MB. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  try {
    const result = await work();
    return { result, seconds: (performance.now() - started) / 1000, peakMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

function shell(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`))));
  });
}

const bar = (label: string) => {
  let last = -1;
  return (done: number, total: number) => {
    const percent = total > 0 ? Math.floor((done / total) * 10) * 10 : 100;
    if (percent !== last) process.stdout.write(`\r  ${label} ${percent}%`.padEnd(40) + (percent === 100 ? '\n' : ''));
    last = percent;
  };
};

const dir = mkdtempSync(join(tmpdir(), 'momentum-bench-dbcopy-'));
try {
  console.log(`db copy benchmark (${scale}): ${EVENTS.toLocaleString('en')} events, ${ACCOUNTS.toLocaleString('en')} accounts, embedded → PostgreSQL`);
  const dataDir = join(dir, 'data');
  const loadStarted = performance.now();
  {
    const source = await openDatabase({ dataDir });
    await migrateToLatest(source.db);
    const ws = await createWorkspace(source.db, systemClock, { name: 'Bench Co' });
    await sql`insert into accounts (workspace_id, id, external_id, name, region, tags, created_at, updated_at)
      select ${ws.id}::uuid, gen_random_uuid(), 'B-' || g, 'Account ' || g, case when g % 3 = 0 then 'EMEA' else 'AMER' end, '{}', now(), now()
      from generate_series(1, ${ACCOUNTS}::int) g`.execute(source.db);
    // Three contacts and a contract per account, as a CRM import leaves them.
    await sql`insert into contacts (workspace_id, id, account_id, external_id, name, email, title, persona, created_at, updated_at)
      select a.workspace_id, gen_random_uuid(), a.id, a.external_id || '-c' || n, 'Contact ' || n || ' of ' || a.name,
        lower(a.external_id) || '.' || n || '@example.com', (array['VP Operations','Admin','Analyst'])[n],
        (array['executive_sponsor','admin','end_user'])[n], now(), now()
      from accounts a cross join generate_series(1, 3) n`.execute(source.db);
    await sql`insert into contracts (workspace_id, id, account_id, name, status, start_date, end_date, arr, created_at, updated_at)
      select workspace_id, gen_random_uuid(), id, 'Subscription', 'active', current_date - 200, current_date + 165, 24000, now(), now()
      from accounts`.execute(source.db);
    // In slices, so no single statement holds the embedded database for long.
    for (let from = 0; from < EVENTS; from += 100_000) {
      await sql`insert into events (workspace_id, id, source, message_id, type, name, user_id, account_id, properties, context, timestamp, received_at, channel, digital)
        select a.workspace_id, gen_random_uuid(), 'bench', 'm-' || g, 'track', (array['Report Built','Logged In','Dashboard Viewed'])[1 + g % 3],
          'user-' || (g % 5000), a.id, jsonb_build_object('n', g, 'plan', 'growth', 'duration_ms', g % 977),
          jsonb_build_object('library', jsonb_build_object('name', 'analytics-node', 'version', '2.1.0'), 'ip', '203.0.113.7'),
          now() - (g % 90) * interval '1 day', now(), 'product', true
        from generate_series(${from + 1}::int, ${Math.min(from + 100_000, EVENTS)}::int) g
        join accounts a on a.external_id = 'B-' || (1 + g % ${ACCOUNTS})`.execute(source.db);
      process.stdout.write(`\r  loading events ${Math.min(from + 100_000, EVENTS).toLocaleString('en')}`);
    }
    await source.close();
  }
  console.log(`\n  loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);

  const source = await openDatabase({ dataDir });
  const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
  const expected = await tableDigests(source.db);
  const rows = Object.values(expected).reduce((sum, t) => sum + t.rows, 0);
  const file = join(dir, 'bench.momentum-backup');

  const backup = await measured(() => backupDatabase({ db: source.db, kind: 'pglite', secret: 'bench' }, systemClock, file, bar('backup')));
  const copyUrl = await freshDatabase();
  const target = await openDatabase({ databaseUrl: copyUrl, poolSize: 2 });
  const copy = await measured(() => copyDatabase({ db: source.db, kind: 'pglite', secret: 'bench' }, target.db, systemClock, bar('db copy')));
  const copyEqual = JSON.stringify(await tableDigests(target.db)) === JSON.stringify(expected);
  // Disk per table on PostgreSQL (rows, indexes and TOAST), after vacuum: what sizing in docs/operations.md rests on.
  await sql`vacuum analyze`.execute(target.db);
  const sizes = Object.fromEntries(
    (
      await sql<{ name: string; bytes: number }>`select c.relname::text as name, pg_total_relation_size(c.oid)::bigint as bytes from pg_class c
        join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r'`.execute(target.db)
    ).rows.map((r) => [r.name, Number(r.bytes)]),
  );
  await target.close();
  const accountBytes = (sizes.accounts ?? 0) + (sizes.contacts ?? 0) + (sizes.contracts ?? 0);
  const eventBytes = sizes.events ?? 0;
  const embeddedMb = Number(
    execSync(`du -sm '${join(dataDir, 'pgdata')}'`)
      .toString()
      .split('\t')[0],
  );
  await source.close();

  const restoreUrl = await freshDatabase();
  const restoreTarget = await openDatabase({ databaseUrl: restoreUrl, poolSize: 2 });
  const restore = await measured(() => restoreBackup(restoreTarget.db, file, bar('restore')));
  const restoreEqual = JSON.stringify(await tableDigests(restoreTarget.db)) === JSON.stringify(expected);
  await restoreTarget.close();

  const baselineUrl = await freshDatabase();
  const baseline = await measured(() => shell(`pg_dump --no-owner --no-privileges '${copyUrl}' | psql -q -v ON_ERROR_STOP=1 '${baselineUrl}'`));

  const perS = (seconds: number) => Math.round(rows / seconds);
  const mb = statSync(file).size / 1024 / 1024;
  console.log(`\n${rows.toLocaleString('en')} rows in ${Object.keys(expected).length} tables`);
  console.log(
    `  backup (embedded → file)     ${backup.seconds.toFixed(1)} s  ${perS(backup.seconds).toLocaleString('en')} rows/s  file ${mb.toFixed(1)} MB  peak RSS ${backup.peakMb.toFixed(0)} MB`,
  );
  console.log(
    `  db copy (embedded → PG)      ${copy.seconds.toFixed(1)} s  ${perS(copy.seconds).toLocaleString('en')} rows/s  peak RSS ${copy.peakMb.toFixed(0)} MB  verified: ${copyEqual ? 'equal' : 'DIFFERENT'}`,
  );
  console.log(
    `  restore (file → PG)          ${restore.seconds.toFixed(1)} s  ${perS(restore.seconds).toLocaleString('en')} rows/s  peak RSS ${restore.peakMb.toFixed(0)} MB  verified: ${restoreEqual ? 'equal' : 'DIFFERENT'}`,
  );
  console.log(`  baseline pg_dump | psql (PG → PG)  ${baseline.seconds.toFixed(1)} s  ${perS(baseline.seconds).toLocaleString('en')} rows/s`);
  console.log(
    `  disk on PostgreSQL: ${(((accountBytes / ACCOUNTS) * 100_000) / 1024 / 1024).toFixed(0)} MB per 100k accounts (with 3 contacts and a contract each), ${(((eventBytes / EVENTS) * 10_000_000) / 1024 / 1024 / 1024).toFixed(1)} GB per 10M events (indexes included); embedded data dir ${embeddedMb} MB`,
  );
  console.log(`  memory before the work (embedded database open): ${rssBeforeMb.toFixed(0)} MB`);
  console.log(`  db copy takes ${(copy.seconds / baseline.seconds).toFixed(2)}× the baseline's time`);
  console.log(
    JSON.stringify({
      bench: 'dbcopy',
      scale,
      rows,
      events: EVENTS,
      backup_s: Number(backup.seconds.toFixed(2)),
      backup_mb: Number(mb.toFixed(1)),
      copy_s: Number(copy.seconds.toFixed(2)),
      copy_rows_per_s: perS(copy.seconds),
      restore_s: Number(restore.seconds.toFixed(2)),
      baseline_s: Number(baseline.seconds.toFixed(2)),
      baseline_rows_per_s: perS(baseline.seconds),
      ratio: Number((copy.seconds / baseline.seconds).toFixed(2)),
      pg_mb_per_100k_accounts: Math.round(((accountBytes / ACCOUNTS) * 100_000) / 1024 / 1024),
      pg_gb_per_10m_events: Number((((eventBytes / EVENTS) * 10_000_000) / 1024 ** 3).toFixed(2)),
      embedded_dir_mb: embeddedMb,
      rss_before_mb: Math.round(rssBeforeMb),
      peak_rss_mb: Math.round(Math.max(backup.peakMb, copy.peakMb, restore.peakMb)),
      verified: copyEqual && restoreEqual,
    }),
  );
  if (!copyEqual || !restoreEqual) process.exitCode = 1;
} finally {
  for (const name of created) await adminQuery(`drop database if exists ${name} with (force)`).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
