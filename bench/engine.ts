// Engine benchmark: `npm run bench -- engine [--scale small|full] [--sizes 10000,100000]`.
//
// For each size, a fresh PostgreSQL database (on TEST_DATABASE_URL's server, or the local one), migrated, with N
// accounts bulk-loaded by INSERT ... SELECT generate_series (touch models, buying cultures, phases, ARR, renewals,
// a CSM and an account manager each, one active contract), a month of activity (login rollups, users created,
// cases), and the example models applied and activated (customer success, high/tech touch, four buying-culture
// workflows). Then:
//  (1) the engagement sweep (every account engaged), and a sweep as of 35 days later (phase exits, schedules,
//      absences, expectations, metrics): seconds; and the same candidate queries run alone in SQL (count only,
//      no insert): seconds and the sweep/candidates ratio;
//  (2) event-to-instance latency: batches of "Case Opened" events stored, then the streaming evaluation that turns
//      them into instances: p50/p99 milliseconds from commit to instances visible;
//  (2b) event-to-instance through the real HTTP path: a listening app (buildApp on 127.0.0.1) over the same
//      database, users grouped to the accounts' external ids with /v1/group; a child process posts /v1/batch
//      (batches of 100 realistic track events that match no rule) at a fixed rate (--ingest-rate, default 4,500
//      events/s, half the ingest benchmark's peak); meanwhile every 200 ms one high-severity "Case Opened" is tracked
//      for a different engaged customer-success account and moment_instances is polled (separate connection) until
//      its instance appears: p50/p99 milliseconds from send to instance visible (small: 50 samples, full: 200), and
//      the ingest rate achieved.
//  (3) simulate: the customer-success model run forward day by day (small: 7 days, full: 14; one year is
//      estimated from the measured days): seconds per simulated day.
// Also a steady-state sweep a minute after (1), with nothing new to open: what the worker's minute sweep costs.
// Sizes: small = 10k; full = 10k and 100k (slope printed as seconds per 10k accounts). The last line is one JSON object.
// 1M accounts is not a preset: loading 100k (8M rollup rows) took about two minutes here, so 1M (80M rows) would
// take twenty or more before any sweep, past the ten minutes a run should take; `--sizes 10000,100000,1000000`
// runs it anyway.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
// Also sets pg's type parsers (numeric, bigint and date come back as the app expects).
import { openDatabase } from '../src/db/client.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { DB } from '../src/db/schema.ts';
import { systemActor } from '../src/lib/actor.ts';
import { fixedClock, systemClock } from '../src/lib/clock.ts';
import { createApiKey } from '../src/modules/apikeys/apikeys.ts';
import { simulateModel } from '../src/modules/engine/engine.simulate.ts';
import { evaluateNewEvents, listTimeCandidates, sweep } from '../src/modules/engine/engine.ts';
import { insertEventRows } from '../src/modules/events/events.queries.ts';
import { uuidv7 } from '../src/modules/events/events.schema.ts';
import { createMember } from '../src/modules/members/members.ts';
import { createMetric } from '../src/modules/metrics/metrics.ts';
import { applyModel } from '../src/modules/models/models.ts';
import { createWorkspace } from '../src/modules/workspaces/workspaces.ts';
import { makeEvent } from './ingest.ts';

const EXAMPLES = join(import.meta.dirname, '../examples/models');
const MODELS = ['customer-success', 'high-touch', 'tech-touch', 'value-offered', 'value-added', 'value-created', 'value-captured'];
const CULTURES = ['value_offered', 'value_added', 'value_created', 'value_captured'];
const T0 = new Date('2026-06-01T09:00:00Z');
const DAY = 24 * 3600 * 1000;

async function adminQuery(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** N accounts with a CSM and an account manager, one active contract, and a month of activity. */
async function load(db: Kysely<DB>, ws: string, count: number, csm: string[], am: string[]) {
  const r = (k: number) => sql.raw(`((hashint4(g * 37 + ${k}) & 2147483647)::float8 / 2147483648)`);
  await sql`
    insert into accounts (workspace_id, id, external_id, name, buying_culture, touch_model, phase, arr, next_renewal_date, created_at, updated_at, region, tags)
    select ${ws}::uuid, gen_random_uuid(), 'B-' || g, 'Account ' || g,
      case when ${r(1)} < 0.3 then (${CULTURES}::text[])[1 + floor(${r(2)} * 4)::int] end,
      case when ${r(3)} < 0.2 then 'high' when ${r(3)} < 0.55 then 'low' when ${r(3)} < 0.9 then 'tech' end,
      case when ${r(4)} < 0.25 then 'onboarding' when ${r(4)} < 0.35 then 'renewal' else 'ongoing' end,
      round((3000 + ${r(5)} * 400000)::numeric, 2),
      ${T0}::date + floor(${r(6)} * 400)::int,
      ${T0}::timestamptz - interval '2 days', ${T0}::timestamptz - interval '2 days',
      case when ${r(7)} < 0.4 then 'EMEA' else 'AMER' end, '{}'
    from generate_series(1, ${count}::int) g`.execute(db);
  await sql`insert into account_team (workspace_id, account_id, role, member_id)
    select workspace_id, id, 'csm', (${csm}::uuid[])[1 + (hashtext(id::text) & 2147483647) % ${csm.length}] from accounts where workspace_id = ${ws}::uuid`.execute(
    db,
  );
  await sql`insert into account_team (workspace_id, account_id, role, member_id)
    select workspace_id, id, 'account_manager', (${am}::uuid[])[1 + (hashtext(id::text || 'am') & 2147483647) % ${am.length}] from accounts where workspace_id = ${ws}::uuid`.execute(
    db,
  );
  await sql`insert into contracts (workspace_id, id, account_id, name, status, start_date, end_date, arr, created_at, updated_at)
    select workspace_id, gen_random_uuid(), id, 'Subscription', 'active',
      ${T0}::date - (hashtext(id::text) & 511), ${T0}::date - (hashtext(id::text) & 511) + 730, arr, created_at, created_at
    from accounts where workspace_id = ${ws}::uuid`.execute(db);
  // Fifty days of daily logins by two users for 80% of accounts (the rest are silent), and weekly active users for the usage metric.
  await sql`insert into event_rollups (workspace_id, account_id, day, name, user_key, count, last_at)
    select a.workspace_id, a.id, d::date, 'Logged In', 'u' || (u % 3), 1 + (hashtext(a.id::text || d::text) & 3), d + interval '10 hours'
    from accounts a cross join generate_series(${T0}::timestamptz - interval '20 days', ${T0}::timestamptz + interval '30 days', interval '1 day') d
    cross join generate_series(0, 1) u
    where a.workspace_id = ${ws}::uuid and (hashtext(a.id::text) & 1023) < 820
      and (d < ${T0}::timestamptz + interval '10 days' or (hashtext(a.id::text) & 7) > 0)`.execute(db);
  // Users created in onboarding (some accounts fewer than 3), and a few cases.
  await sql`insert into events (workspace_id, id, source, message_id, type, name, account_id, properties, timestamp, received_at, channel, digital)
    select a.workspace_id, gen_random_uuid(), 'bench', a.id::text || ':' || n, 'track', 'User Created', a.id, '{}', ${T0}::timestamptz + n * interval '1 day',
      ${T0}::timestamptz + n * interval '1 day', 'product', true
    from accounts a cross join generate_series(1, 4) n
    where a.workspace_id = ${ws}::uuid and n <= 1 + (hashtext(a.id::text) & 3)`.execute(db);
  for (const table of ['accounts', 'account_team', 'contracts', 'event_rollups', 'events']) await sql`analyze ${sql.table(table)}`.execute(db);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const total = (opened: Record<string, number>) => Object.values(opened).reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------------------------------------------------------
// (2b) Event to instance through HTTP, under background ingestion.

const BG_USERS = 2000;
const BG_BATCH = 100;
const HTTP_MOMENT = 'high-severity-case';

interface LoadJob {
  url: string;
  key: string;
  run: string;
  /** The external ids of the accounts background users are grouped to (user i belongs to groups[i % length]). */
  groups: string[];
  /** Events per second offered (open loop, batches of 100). */
  rate: number;
  /** Requests in flight at most: past it, the client waits (the achieved rate shows the shortfall). */
  concurrency: number;
  /** Hard limit on the run; the parent normally stops it earlier. */
  maxMs: number;
}

interface LoadReport {
  events: number;
  batches: number;
  elapsedMs: number;
  statuses: Record<string, number>;
  latencies: number[];
}

const bgUser = (i: number) => `bg-user-${i % BG_USERS}`;

/** The load client (a child process): posts background batches at a fixed rate until told to stop or maxMs passes. */
async function runLoadClient(job: LoadJob): Promise<LoadReport> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const auth = `Basic ${Buffer.from(`${job.key}:`).toString('base64')}`;
  const target = new URL('/v1/batch', job.url);
  if (target.hostname !== '127.0.0.1') throw new Error('the load client only talks to 127.0.0.1');
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let stopped = false;
  process.on('message', (m) => {
    if (m === 'stop') stopped = true;
  });
  const send = (body: string) =>
    new Promise<number>((resolve) => {
      const req = http.request(
        target,
        { method: 'POST', agent, headers: { authorization: auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const now = Date.now();
  const interval = (1000 * BG_BATCH) / job.rate;
  const start = performance.now();
  const inflight = new Set<Promise<void>>();
  let events = 0;
  let batches = 0;
  for (let b = 0; !stopped && performance.now() - start < job.maxMs; b++) {
    const wait = start + b * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inflight.size >= job.concurrency) await Promise.race(inflight);
    if (stopped) break;
    const batch = Array.from({ length: BG_BATCH }, (_, k) => {
      const i = b * BG_BATCH + k;
      const e = makeEvent(job.run, i, now);
      const context = e.context as Record<string, unknown>;
      return { ...e, userId: bgUser(i), context: { ...context, groupId: job.groups[(i % BG_USERS) % job.groups.length] } };
    });
    const body = JSON.stringify({ batch, sentAt: new Date().toISOString() });
    const t0 = performance.now();
    const p = send(body).then((status) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 200) {
        events += BG_BATCH;
        batches++;
        latencies.push(performance.now() - t0);
      }
      inflight.delete(p);
    });
    inflight.add(p);
  }
  await Promise.all(inflight);
  const elapsedMs = performance.now() - start;
  agent.destroy();
  return { events, batches, elapsedMs, statuses, latencies };
}

function startLoadClient(job: LoadJob): { stop: () => void; report: Promise<LoadReport> } {
  const child = fork(import.meta.filename, ['--load-client'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const report = new Promise<LoadReport>((resolve, reject) => {
    child.once('message', (r) => {
      resolve(r as LoadReport);
      child.disconnect();
    });
    child.once('error', reject);
    child.once('exit', (code) => code && reject(new Error(`load client exited with ${code}`)));
  });
  child.send(job);
  return { stop: () => child.connected && child.send('stop'), report };
}

interface HttpLatency {
  p50: number;
  p99: number;
  seen: number;
  missed: number;
  ingestRate: number;
}

/**
 * A listening app over the bench database; background users grouped to accounts, then load at `rate` events/s and
 * one matching "Case Opened" every 200 ms for a different engaged account whose instance is awaited by polling.
 */
async function httpEventLatency(url: string, ws: string, samples: number, rate: number): Promise<HttpLatency> {
  const database = await openDatabase({ databaseUrl: url, poolSize: 10 });
  const poller = new pg.Client({ connectionString: url });
  await poller.connect();
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let load: ReturnType<typeof startLoadClient> | undefined;
  try {
    const db = database.db;
    const { secret } = await createApiKey(db, systemClock, systemActor(ws), { name: 'engine bench', scopes: ['ingest'] });
    // Engaged customer-success accounts in the phase of the case moment, with no instance of it yet.
    const targets = (
      await sql<{ id: string; external_id: string }>`
        select a.id, a.external_id from engagements e
          join model_versions v on v.workspace_id = e.workspace_id and v.id = e.model_version_id
          join models m on m.workspace_id = v.workspace_id and m.id = v.model_id
          join accounts a on a.workspace_id = e.workspace_id and a.id = e.account_id
        where e.workspace_id = ${ws}::uuid and m.key = 'customer-success' and e.phase = 'ongoing'
          and not exists (select 1 from moment_instances i where i.workspace_id = e.workspace_id and i.account_id = e.account_id and i.moment_id = ${HTTP_MOMENT})
        order by a.external_id limit ${samples}`.execute(db)
    ).rows;
    if (targets.length < samples) throw new Error(`only ${targets.length} engaged accounts without a case instance (need ${samples})`);
    const taken = targets.map((t) => t.id);
    const groups = (
      await sql<{ external_id: string }>`
        select external_id from accounts where workspace_id = ${ws}::uuid and not (id = any(${taken}::uuid[]))
        order by hashtext(external_id) limit 1000`.execute(db)
    ).rows.map((r) => r.external_id);

    const config = loadConfig(
      {},
      { MOMENTUM_SECRET: 'bench-secret-that-is-long-enough-0123456789', MOMENTUM_DATA_DIR: tmpdir(), LOG_LEVEL: 'silent', DATABASE_URL: url },
    );
    app = await buildApp({ db, clock: systemClock, config });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const headers = { authorization: `Basic ${Buffer.from(`${secret}:`).toString('base64')}`, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    };
    // Group calls first: background users to their accounts, one user per target account.
    const calls = [
      ...Array.from({ length: BG_USERS }, (_, u) => ({ type: 'group', userId: bgUser(u), groupId: groups[u % groups.length] })),
      ...targets.map((t, k) => ({ type: 'group', userId: `case-user-${k}`, groupId: t.external_id })),
    ];
    for (let i = 0; i < calls.length; i += 100) await post('/v1/batch', { batch: calls.slice(i, i + 100) });
    const linked = await sql<{ n: number }>`
      select count(*)::int as n from event_identities where workspace_id = ${ws}::uuid and kind = 'user' and account_id = any(${taken}::uuid[])`.execute(db);
    if ((linked.rows[0]?.n ?? 0) !== targets.length) throw new Error(`group calls linked ${linked.rows[0]?.n} of ${targets.length} target users`);

    const run = randomBytes(4).toString('hex');
    const sampleSpanMs = samples * 200;
    load = startLoadClient({ url: base, key: secret, run, groups, rate, concurrency: 32, maxMs: sampleSpanMs + 45_000 });
    // A second of load before the first sample, so the samples see a steady state.
    await new Promise((r) => setTimeout(r, 1000));

    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    /** Each sample's latency by its position, to show whether latency drifts as the run goes on. */
    const bySample: number[] = [];
    const pending = new Map<string, number>();
    let sending = true;
    const byAccount = new Map(targets.map((t, k) => [t.id, k]));
    // One poller for every sample still waiting: the first time its account's instance is visible ends its sample.
    const polling = (async () => {
      const deadline = performance.now() + sampleSpanMs + 30_000;
      while ((sending || pending.size > 0) && performance.now() < deadline) {
        if (pending.size > 0) {
          const res = await poller.query<{ account_id: string }>(
            'select distinct account_id from moment_instances where workspace_id = $1 and moment_id = $2 and account_id = any($3::uuid[])',
            [ws, HTTP_MOMENT, [...pending.keys()]],
          );
          const at = performance.now();
          for (const r of res.rows) {
            const k = byAccount.get(r.account_id);
            const t0 = k === undefined ? undefined : sentAt.get(k);
            if (k !== undefined && t0 !== undefined && pending.delete(r.account_id)) {
              latencies.push(at - t0);
              bySample[k] = at - t0;
            }
          }
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const sends: Promise<void>[] = [];
    let failure: unknown;
    const start = performance.now();
    for (let k = 0; k < targets.length; k++) {
      const wait = start + k * 200 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const target = targets[k] as { id: string };
      sentAt.set(k, performance.now());
      pending.set(target.id, k);
      sends.push(
        post('/v1/track', {
          userId: `case-user-${k}`,
          event: 'Case Opened',
          messageId: `${run}-case-${k}`,
          timestamp: new Date().toISOString(),
          properties: { severity: 'high', priority: 'P1', subject: `Outage ${k}`, product: 'api' },
          context: { library: { name: 'zendesk-sync', version: '1.0.0' } },
        }).catch((error: unknown) => {
          failure ??= error;
        }),
      );
    }
    sending = false;
    await Promise.all(sends);
    await polling;
    if (failure) throw failure;
    load.stop();
    const report = await load.report;
    load = undefined;
    latencies.sort((a, b) => a - b);
    const half = Math.floor(targets.length / 2);
    const halves = [bySample.slice(0, half), bySample.slice(half)].map((h) => h.filter((v) => v !== undefined).sort((a, b) => a - b));
    const reqLat = [...report.latencies].sort((a, b) => a - b);
    const ingestRate = report.events / (report.elapsedMs / 1000);
    console.log(
      `  event to instance over HTTP (${samples} cases, one every 200 ms, while ingesting ${round(ingestRate, 0)} events/s of ${rate} offered): ` +
        `p50 ${round(percentile(latencies, 0.5), 1)} ms, p99 ${round(percentile(latencies, 0.99), 1)} ms, max ${round(latencies.at(-1) ?? 0, 1)} ms` +
        `${pending.size > 0 ? `, ${pending.size} not seen within 30 s` : ''}`,
    );
    console.log(
      `    first half of the cases p50 ${round(percentile(halves[0] ?? [], 0.5), 1)} ms, p99 ${round(percentile(halves[0] ?? [], 0.99), 1)} ms; ` +
        `second half p50 ${round(percentile(halves[1] ?? [], 0.5), 1)} ms, p99 ${round(percentile(halves[1] ?? [], 0.99), 1)} ms`,
    );
    console.log(
      `    background: ${report.events} events in ${report.batches} batches over ${round(report.elapsedMs / 1000, 1)} s, statuses ${JSON.stringify(report.statuses)}, ` +
        `request p50 ${round(percentile(reqLat, 0.5), 1)} ms, p99 ${round(percentile(reqLat, 0.99), 1)} ms`,
    );
    return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), seen: latencies.length, missed: pending.size, ingestRate };
  } finally {
    load?.stop();
    await load?.report.catch(() => undefined);
    await app?.close();
    await poller.end();
    await database.close();
  }
}

interface SizeResult {
  accounts: number;
  engage_s: number;
  sweep_s: number;
  steady_s: number;
  candidates_s: number;
  ratio: number;
  opened: number;
  phase_changes: number;
  event_p50_ms: number;
  event_p99_ms: number;
  event_http_p50_ms: number;
  event_http_p99_ms: number;
  ingest_rate: number;
  simulate_s_per_day: number;
}

async function runSize(serverUrl: string, count: number, simulateDays: number, samples: number, ingestRate: number): Promise<SizeResult> {
  const name = `momentum_bench_${randomBytes(5).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await adminQuery(serverUrl, `create database ${name}`);
  const pool = new pg.Pool({ connectionString: url.toString(), max: 6 });
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    // ENGINE_BENCH_SLOW=ms prints each statement slower than that (to see where a sweep spends its time).
    log: (event) => {
      const slow = Number(process.env.ENGINE_BENCH_SLOW ?? 0);
      if (slow > 0 && event.level === 'query' && event.queryDurationMillis > slow) {
        console.log(`    slow ${Math.round(event.queryDurationMillis)} ms: ${event.query.sql.replace(/\s+/g, ' ').slice(0, 220)}`);
      }
    },
  });
  try {
    await migrateToLatest(db);
    const clock = fixedClock(new Date(T0.getTime() - 3 * DAY));
    const workspace = await createWorkspace(db, clock, { name: 'Bench' });
    const ws = workspace.id;
    const system = systemActor(ws, 'bench');
    const csm: string[] = [];
    const am: string[] = [];
    for (let i = 0; i < 20; i++) csm.push((await createMember(db, clock, system, { email: `csm${i}@bench.test`, name: `CSM ${i}`, roles: ['csm'] })).id);
    for (let i = 0; i < 5; i++)
      am.push((await createMember(db, clock, system, { email: `am${i}@bench.test`, name: `AM ${i}`, roles: ['account_manager'] })).id);
    await createMetric(db, clock, system, { key: 'weekly_active_users', label: 'Weekly active users', kind: 'distinct_users', eventName: 'Logged In' });
    let t = performance.now();
    await load(db, ws, count, csm, am);
    console.log(`  ${count} accounts loaded with activity in ${round((performance.now() - t) / 1000, 1)} s`);
    for (const model of MODELS) {
      const file = `${model}.yaml`;
      await applyModel(db, clock, system, { source: readFileSync(join(EXAMPLES, file), 'utf8'), file }, { approve: true });
    }

    t = performance.now();
    const engaged = await sweep(db, fixedClock(T0), { workspaceId: ws });
    const engageS = (performance.now() - t) / 1000;
    console.log(`  engagement sweep: ${engaged.engaged} accounts engaged, ${total(engaged.opened)} instances opened in ${round(engageS)} s`);

    const asOf = new Date(T0.getTime() + 35 * DAY);
    const candidates = await listTimeCandidates(db, ws, asOf);
    t = performance.now();
    let candidateRows = 0;
    for (const c of candidates) {
      const res = await sql<{ n: number }>`select count(*)::int as n from (${c.candidates.select}) x`.execute(db);
      candidateRows += res.rows[0]?.n ?? 0;
    }
    const candidatesS = (performance.now() - t) / 1000;
    t = performance.now();
    const swept = await sweep(db, fixedClock(asOf), { workspaceId: ws });
    const sweepS = (performance.now() - t) / 1000;
    console.log(
      `  sweep as of +35 days: ${total(swept.opened)} opened (${Object.entries(swept.opened)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}), ${swept.phaseChanges} phase changes in ${round(sweepS)} s; ` +
        `candidate queries alone (${candidates.length} rules, ${candidateRows} rows): ${round(candidatesS)} s; ratio ${round(sweepS / candidatesS)} (ms: ${JSON.stringify(swept.timings)})`,
    );

    // Steady state: the sweep a minute later, with nothing new to open (what the worker's minute sweep costs).
    t = performance.now();
    const steady = await sweep(db, fixedClock(new Date(asOf.getTime() + 60_000)), { workspaceId: ws });
    const steadyS = (performance.now() - t) / 1000;
    console.log(`  steady-state sweep a minute later: ${total(steady.opened)} opened in ${round(steadyS)} s (ms: ${JSON.stringify(steady.timings)})`);

    // Event-to-instance: a batch of high-severity cases committed, then the streaming evaluation.
    const ids = (
      await sql<{ id: string }>`select account_id as id from engagements where workspace_id = ${ws}::uuid and phase = 'ongoing' limit 2000`.execute(db)
    ).rows.map((r) => r.id);
    const latencies: number[] = [];
    const batches = 40;
    for (let b = 0; b < batches; b++) {
      const at = new Date(asOf.getTime() + (b + 1) * 60_000);
      const rows = ids.slice((b * 50) % ids.length, ((b * 50) % ids.length) + 50).map((accountId, i) => ({
        id: uuidv7(at.getTime()),
        message_id: `case-${b}-${i}`,
        type: 'track',
        name: 'Case Opened',
        user_id: null,
        anonymous_id: null,
        group_id: null,
        contact_id: null,
        account_id: accountId,
        properties: { severity: 'high' },
        traits: null,
        context: {},
        timestamp: at.toISOString(),
        original_timestamp: at.toISOString(),
        sent_at: null,
        future: false,
        channel: 'case',
        digital: true,
      }));
      await insertEventRows(db, ws, 'bench', at, JSON.stringify(rows));
      const t1 = performance.now();
      await evaluateNewEvents(db, fixedClock(at), ws);
      latencies.push(performance.now() - t1);
    }
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    console.log(`  event to instance (${batches} batches of 50 events, evaluation after each commit): p50 ${round(p50, 1)} ms, p99 ${round(p99, 1)} ms`);

    const viaHttp = await httpEventLatency(url.toString(), ws, samples, ingestRate);

    t = performance.now();
    const sim = await simulateModel(
      db,
      ws,
      { source: readFileSync(join(EXAMPLES, 'customer-success.yaml'), 'utf8'), file: 'customer-success.yaml' },
      { from: asOf, to: new Date(asOf.getTime() + (simulateDays - 1) * DAY) },
    );
    const simS = (performance.now() - t) / 1000;
    console.log(
      `  simulate customer-success over ${sim.accounts} accounts, ${simulateDays} days: ${sim.total} moments in ${round(simS, 1)} s ` +
        `(${round(simS / simulateDays, 2)} s per day; one year ≈ ${round(((simS / simulateDays) * 365) / 60, 1)} min)`,
    );
    return {
      accounts: count,
      engage_s: round(engageS),
      sweep_s: round(sweepS),
      steady_s: round(steadyS),
      candidates_s: round(candidatesS),
      ratio: round(sweepS / candidatesS),
      opened: total(swept.opened),
      phase_changes: swept.phaseChanges,
      event_p50_ms: round(p50, 1),
      event_p99_ms: round(p99, 1),
      event_http_p50_ms: round(viaHttp.p50, 1),
      event_http_p99_ms: round(viaHttp.p99, 1),
      ingest_rate: round(viaHttp.ingestRate, 0),
      simulate_s_per_day: round(simS / simulateDays, 3),
    };
  } finally {
    await db.destroy();
    if (process.env.ENGINE_BENCH_KEEP) console.log(`  kept database ${name}`);
    else await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
  }
}

async function main() {
  const { values } = parseArgs({
    options: { scale: { type: 'string', default: 'small' }, sizes: { type: 'string' }, 'ingest-rate': { type: 'string', default: '4500' } },
  });
  const scale = values.scale === 'full' ? 'full' : 'small';
  const sizes = values.sizes ? values.sizes.split(',').map(Number) : scale === 'full' ? [10_000, 100_000] : [10_000];
  const simulateDays = scale === 'full' ? 14 : 7;
  const samples = scale === 'full' ? 200 : 50;
  const ingestRate = Number(values['ingest-rate']);
  if (!(ingestRate > 0)) throw new Error('--ingest-rate must be a positive number of events per second');
  // A benchmark, not the product: it reads the test server's address directly.
  const serverUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  console.log(`engine benchmark (${scale}) on PostgreSQL: sizes ${sizes.join(', ')}`);
  const results: SizeResult[] = [];
  for (const size of sizes) {
    console.log(`${size} accounts:`);
    results.push(await runSize(serverUrl, size, simulateDays, samples, ingestRate));
  }
  const first = results[0];
  const last = results.at(-1);
  // Seconds per 10k accounts at the smallest and largest size: equal figures mean linear growth.
  const slope = (r: SizeResult) => round((r.sweep_s / r.accounts) * 10_000, 3);
  if (first && last && results.length > 1) {
    console.log(
      `slope: ${slope(first)} s per 10k accounts at ${first.accounts}, ${slope(last)} at ${last.accounts} (growth ${round(slope(last) / slope(first))}x per account)`,
    );
  }
  const top = last as SizeResult;
  console.log(
    JSON.stringify({
      bench: 'engine',
      scale,
      accounts: top.accounts,
      sweep_s: top.sweep_s,
      steady_sweep_s: top.steady_s,
      candidates_s: top.candidates_s,
      ratio: top.ratio,
      engage_s: top.engage_s,
      opened: top.opened,
      event_p50_ms: top.event_p50_ms,
      event_p99_ms: top.event_p99_ms,
      event_http_p50_ms: top.event_http_p50_ms,
      event_http_p99_ms: top.event_http_p99_ms,
      ingest_rate: top.ingest_rate,
      simulate_year_min: round((top.simulate_s_per_day * 365) / 60, 1),
      slope_s_per_10k: results.map((r) => ({ accounts: r.accounts, s: slope(r) })),
    }),
  );
}

if (process.argv.includes('--load-client')) {
  process.once('message', async (job) => {
    const report = await runLoadClient(job as LoadJob);
    process.send?.(report, () => process.exit(0));
  });
} else if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  await main();
}
