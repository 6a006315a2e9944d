// Accounts list benchmark: `npm run bench -- accounts [--scale small|full] [--runs N]`.
//
// A fresh PostgreSQL database (on TEST_DATABASE_URL's server, or the local one), migrated, with 10k (small) or
// 100k (full) accounts bulk-loaded by INSERT ... SELECT generate_series (realistic spread of regions, touch models,
// ARR, renewals and custom attributes). Then the real app (buildApp, listening on loopback) answers
// GET /api/v1/accounts for several query shapes, N times each with an admin API key; and the very SQL the API
// issued for each shape (captured from the query builder) runs directly with pg on the same database, the same way
// (the page and its count concurrently). Reports p50/p99 per shape and the API/SQL ratio.
// The last line of output is one JSON object with the figures.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
// Imported for its pg type parsers (numeric, bigint and date come back as the app expects).
import '../src/db/client.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { DB } from '../src/db/schema.ts';
import { systemActor } from '../src/lib/actor.ts';
import { systemClock } from '../src/lib/clock.ts';
import { createApiKey } from '../src/modules/apikeys/apikeys.ts';
import { createCustomField } from '../src/modules/customfields/customfields.ts';
import { createMember } from '../src/modules/members/members.ts';
import { createSegment } from '../src/modules/segments/segments.ts';
import { createWorkspace } from '../src/modules/workspaces/workspaces.ts';

const PREFIXES = ['Northwind', 'Bluefin', 'Harbor', 'Meridian', 'Summit', 'Crescent', 'Ironwood', 'Silverline', 'Redwood', 'Polaris', 'Evergreen', 'Granite'];
const SUFFIXES = ['Logistics', 'Health', 'Capital', 'Systems', 'Energy', 'Retail', 'Foods', 'Labs', 'Networks', 'Insurance', 'Industries', 'Partners'];
const INDUSTRIES = ['Manufacturing', 'Financial Services', 'Healthcare', 'Retail', 'Software', 'Logistics', 'Energy', 'Public Sector'];
const CULTURES = ['value_offered', 'value_added', 'value_created', 'value_captured'];

async function adminQuery(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Loads `count` accounts in one INSERT ... SELECT; every attribute is a hash of the row number (deterministic). */
async function loadAccounts(db: Kysely<DB>, workspaceId: string, count: number, csmIds: string[]): Promise<void> {
  // r(k): a uniform [0,1) draw per row and stream k.
  const r = (k: number) => sql.raw(`((hashint4(g * 37 + ${k}) & 2147483647)::float8 / 2147483648)`);
  await sql`
    insert into accounts (workspace_id, id, external_id, name, domain, industry, region, employee_band, offerings, tags,
                          buying_culture, touch_model, target_digital_type, phase, custom, arr, next_renewal_date, created_at, updated_at)
    select ${workspaceId}::uuid, gen_random_uuid(), 'BENCH-' || g,
      x.prefix || ' ' || x.suffix || ' ' || g,
      lower(x.prefix || x.suffix) || g || '.com',
      (${INDUSTRIES}::text[])[1 + floor(${r(7)} * ${INDUSTRIES.length})::int],
      case when x.r1 < 0.4 then 'EMEA' when x.r1 < 0.8 then 'AMER' else 'APAC' end,
      case when x.arr < 10000 then '51-200' when x.arr < 25000 then '201-1000' when x.arr < 100000 then '1001-5000' else '5001+' end,
      array['Flow Platform'] || case when ${r(8)} < 0.4 then array['Analytics Suite'] else '{}'::text[] end
                             || case when x.touch = 'high' then array['Process Mining', 'Integration Hub'] else '{}'::text[] end,
      case when ${r(9)} < 0.05 then array['strategic'] when ${r(9)} < 0.12 then array['at-risk'] when ${r(9)} < 0.2 then array['expansion'] else '{}'::text[] end,
      (${CULTURES}::text[])[1 + floor(${r(4)} * 4)::int],
      x.touch,
      case x.touch when 'tech' then 'digital_first' when 'low' then 'digital_hybrid' else 'digital_support' end,
      case when ${r(5)} < 0.15 then 'onboarding' when ${r(5)} < 0.3 then 'renewal' else 'ongoing' end,
      jsonb_build_object(
        'plan', case x.touch when 'high' then 'enterprise' when 'low' then 'growth' else 'starter' end,
        'nps_score', floor(${r(11)} * 11)::int,
        'go_live_date', to_char(current_date - floor(${r(10)} * 900)::int, 'YYYY-MM-DD')),
      x.arr,
      current_date + floor(${r(6)} * 730)::int,
      now() - g * interval '1 minute', now() - g * interval '1 minute'
    from generate_series(1, ${count}::int) g
    cross join lateral (
      select ${r(1)} as r1,
             (${PREFIXES}::text[])[1 + floor(${r(2)} * ${PREFIXES.length})::int] as prefix,
             (${SUFFIXES}::text[])[1 + floor(${r(12)} * ${SUFFIXES.length})::int] as suffix,
             t.touch,
             round((case t.touch when 'high' then 100000 * exp(${r(3)} * ln(6.5))
                                 when 'low' then 25000 * exp(${r(3)} * ln(4))
                                 else 3000 * exp(${r(3)} * ln(8)) end)::numeric, 2) as arr
      from (select case when ${r(13)} < 0.2 then 'high' when ${r(13)} < 0.55 then 'low' else 'tech' end as touch) t
    ) x`.execute(db);
  await sql`
    insert into account_team (workspace_id, account_id, role, member_id)
    select workspace_id, id, 'csm', (${csmIds}::uuid[])[1 + (hashtext(id::text) & 2147483647) % ${csmIds.length}]
    from accounts where workspace_id = ${workspaceId}::uuid`.execute(db);
  await sql`analyze accounts`.execute(db);
  await sql`analyze account_team`.execute(db);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

async function time(runs: number, warmup: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number; mean: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), mean: samples.reduce((s, x) => s + x, 0) / samples.length };
}

async function main() {
  const { values } = parseArgs({ options: { scale: { type: 'string', default: 'small' }, runs: { type: 'string' } } });
  const scale = values.scale === 'full' ? 'full' : 'small';
  const count = scale === 'full' ? 100_000 : 10_000;
  const runs = Number(values.runs ?? 100);
  // A benchmark, not the product: it reads the test server's address directly.
  const serverUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `momentum_bench_${randomBytes(5).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await adminQuery(serverUrl, `create database ${name}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'momentum-bench-'));
  const pool = new pg.Pool({ connectionString: url.toString(), max: 10 });
  let capture: CompiledQuery[] | undefined;
  // The app's own PostgreSQL set-up (client.ts), plus a log hook that records the SQL each request issues.
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'query') capture?.push(event.query);
    },
  });
  const sqlPool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  // Dropping the database at the end terminates any connection still open: expected then, not a crash.
  for (const p of [pool, sqlPool]) p.on('error', () => undefined);
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    await migrateToLatest(db);
    const clock = systemClock;
    const workspace = await createWorkspace(db, clock, { name: 'Bench' });
    const system = systemActor(workspace.id, 'bench');
    const csmIds: string[] = [];
    for (let i = 0; i < 8; i++) csmIds.push((await createMember(db, clock, system, { email: `csm${i}@bench.test`, name: `CSM ${i}`, roles: ['csm'] })).id);
    await createCustomField(db, clock, system, { entity: 'account', key: 'plan', label: 'Plan', type: 'select', options: ['starter', 'growth', 'enterprise'] });
    await createCustomField(db, clock, system, { entity: 'account', key: 'nps_score', label: 'NPS score', type: 'number' });
    await createCustomField(db, clock, system, { entity: 'account', key: 'go_live_date', label: 'Go-live date', type: 'date' });
    const t0 = performance.now();
    await loadAccounts(db, workspace.id, count, csmIds);
    const loadS = (performance.now() - t0) / 1000;
    console.log(
      `accounts bench (${scale}, PostgreSQL): loaded ${count} accounts in ${loadS.toFixed(1)} s (${Math.round(count / loadS)} rows/s, with team and analyze)`,
    );
    const segment = await createSegment(db, clock, system, {
      name: 'Enterprise detractors',
      filter: {
        conditions: [
          { field: 'custom.plan', op: 'eq', value: 'enterprise' },
          { field: 'custom.nps_score', op: 'lte', value: 6 },
        ],
      },
    });
    const { secret } = await createApiKey(db, clock, system, { name: 'bench', scopes: ['admin'] });

    const config = loadConfig({}, { MOMENTUM_SECRET: 'bench-secret-that-is-long-enough-0123456789', MOMENTUM_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    app = await buildApp({ db, clock, config });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/accounts`;
    const headers = { authorization: `Bearer ${secret}` };
    const get = async (query: string) => {
      const res = await fetch(`${base}${query}`, { headers });
      const body = (await res.json()) as { items: unknown[]; total: number; nextCursor: string | null };
      if (res.status !== 200) throw new Error(`GET ${query}: ${res.status} ${JSON.stringify(body)}`);
      return body;
    };
    let cursor = '';
    for (let page = 1; page < 5; page++) cursor = (await get(`?limit=50${cursor ? `&cursor=${cursor}` : ''}`)).nextCursor ?? '';

    const shapes: { name: string; query: string }[] = [
      { name: 'default (sort by name)', query: '' },
      { name: 'touch=high, region=EMEA, sort -arr', query: '?touchModel=high&region=EMEA&sort=-arr' },
      { name: 'search q=north', query: '?q=north' },
      { name: 'renewal within 90 days', query: '?renewalWithinDays=90&sort=next_renewal_date' },
      { name: 'segment (custom attributes)', query: `?segment=${segment.id}` },
      { name: 'page 5 by cursor', query: `?cursor=${cursor}` },
    ];
    console.log(`  ${runs} runs per query after 10 warm-up runs; SQL = the account queries the API issued, run with pg the same way`);
    const results: { name: string; p50_ms: number; p99_ms: number; sql_p50_ms: number; sql_p99_ms: number; ratio: number; total: number }[] = [];
    for (const shape of shapes) {
      capture = [];
      const sample = await get(shape.query);
      const issued = capture;
      capture = undefined;
      const accountQueries = issued.filter((q) => /from "accounts"/.test(q.sql));
      const api = await time(runs, 10, () => get(shape.query));
      const direct = await time(runs, 10, () => Promise.all(accountQueries.map((q) => sqlPool.query(q.sql, q.parameters as unknown[]))));
      const ratio = api.p50 / direct.p50;
      // Where the SQL time goes: each account statement alone (the page, its count, a segment's own count).
      const parts: string[] = [];
      for (const q of accountQueries) {
        const one = await time(Math.max(10, Math.round(runs / 5)), 3, () => sqlPool.query(q.sql, q.parameters as unknown[]));
        parts.push(`${/count\(\*\)/.test(q.sql) ? 'count' : 'page'} ${one.p50.toFixed(1)}`);
      }
      results.push({
        name: shape.name,
        p50_ms: round(api.p50),
        p99_ms: round(api.p99),
        sql_p50_ms: round(direct.p50),
        sql_p99_ms: round(direct.p99),
        ratio: round(ratio),
        total: sample.total,
      });
      console.log(
        `  ${shape.name.padEnd(36)} API p50 ${api.p50.toFixed(2).padStart(6)} ms  p99 ${api.p99.toFixed(2).padStart(6)} ms | ` +
          `SQL p50 ${direct.p50.toFixed(2).padStart(6)} ms  p99 ${direct.p99.toFixed(2).padStart(6)} ms | API/SQL ${ratio.toFixed(2)} ` +
          `(${sample.total} matching, ${sample.items.length} returned; ${issued.length} statements per request; SQL p50 alone: ${parts.join(', ')} ms)`,
      );
    }
    const worst = (key: 'p99_ms' | 'sql_p99_ms' | 'ratio') => Math.max(...results.map((r) => r[key]));
    const mean = (key: 'p50_ms' | 'sql_p50_ms') => results.reduce((s, r) => s + r[key], 0) / results.length;
    console.log(
      `  worst p99 ${worst('p99_ms')} ms (target < 100 ms); API/SQL at p50: mean ${round(mean('p50_ms') / mean('sql_p50_ms'))}, worst ${worst('ratio')} (target <= 2)`,
    );
    console.log(
      JSON.stringify({
        bench: 'accounts',
        scale,
        db: 'postgres',
        accounts: count,
        runs,
        load_s: round(loadS),
        p50_ms: round(mean('p50_ms')),
        p99_ms: worst('p99_ms'),
        sql_p50_ms: round(mean('sql_p50_ms')),
        sql_p99_ms: worst('sql_p99_ms'),
        ratio: round(mean('p50_ms') / mean('sql_p50_ms')),
        worst_ratio: worst('ratio'),
        queries: results,
      }),
    );
  } finally {
    await app?.close();
    await db.destroy();
    await sqlPool.end();
    rmSync(dataDir, { recursive: true, force: true });
    await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
  }
}

await main();
