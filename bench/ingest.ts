// Ingestion benchmark: `npm run bench -- ingest [--scale small|full] [--db postgres|pglite|both] [--events N] [--clients N]`.
// --db both runs the HTTP path on PostgreSQL and then on the embedded database (PGlite on disk) and prints their ratio.
//
// N track events through POST /v1/batch (batches of 100, concurrent keep-alive clients in a child process on loopback,
// realistic properties and context, users already identified and grouped so every event is attached to its account and
// rolled up), then the same rows loaded with a raw COPY into a copy of the events table in the same database.
// Then a paced run at 80% of the measured peak gives the latency a loaded (not saturated) server shows.
// The last line of output is one JSON object with the figures.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/client.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { systemActor } from '../src/lib/actor.ts';
import { systemClock } from '../src/lib/clock.ts';
import { createApiKey } from '../src/modules/apikeys/apikeys.ts';
import { normaliseMessage } from '../src/modules/events/events.schema.ts';
import { createWorkspace } from '../src/modules/workspaces/workspaces.ts';

const BATCH = 100;
const ACCOUNTS = 200;
const USERS = 2000;
const EVENT_NAMES = [
  'Dashboard Viewed',
  'Report Exported',
  'Feature Used',
  'Search Performed',
  'File Uploaded',
  'Comment Added',
  'Invite Sent',
  'Integration Connected',
  'Workflow Run',
  'Settings Changed',
];
const PLANS = ['free', 'team', 'business', 'enterprise'];
const BROWSERS = ['Chrome', 'Firefox', 'Safari', 'Edge'];
const SECTIONS = ['reports', 'projects', 'settings', 'dashboards', 'workflows', 'search'];

/** A small deterministic PRNG: the HTTP run and the COPY baseline generate the very same events. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (r: () => number, n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
const userOf = (i: number) => `user-${i % USERS}`;
const accountOf = (u: number) => `acct-${u % ACCOUNTS}`;

/** One realistic track call (about 800 bytes of JSON), a pure function of its index and the run. */
export function makeEvent(run: string, i: number, now: number): Record<string, unknown> {
  const r = rng(i * 7919 + 17);
  const section = SECTIONS[Math.floor(r() * SECTIONS.length)];
  const path = `/app/${section}/${Math.floor(r() * 5000)}`;
  const user = userOf(i);
  return {
    type: 'track',
    messageId: `${run}-${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${i.toString(16)}`,
    userId: user,
    event: EVENT_NAMES[Math.floor(r() * EVENT_NAMES.length)],
    timestamp: new Date(now - Math.floor(r() * 28 * 86_400_000)).toISOString(),
    properties: {
      plan: PLANS[Math.floor(r() * PLANS.length)],
      feature: `feature_${Math.floor(r() * 40)}`,
      duration_ms: Math.floor(r() * 30_000),
      items: Math.floor(r() * 100),
      value: Math.round(r() * 100_000) / 100,
      path,
      success: r() > 0.1,
      tags: ['beta', section],
      experiment: { id: `exp_${Math.floor(r() * 12)}`, variant: r() > 0.5 ? 'a' : 'b' },
    },
    context: {
      library: { name: '@segment/analytics-node', version: '3.1.0' },
      ip: `10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`,
      userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ${BROWSERS[Math.floor(r() * 4)]}/131.0 Safari/537.36`,
      locale: 'en-US',
      timezone: 'Europe/Berlin',
      page: { path, title: `${section} | Product`, url: `https://app.example.com${path}` },
      groupId: accountOf(i % USERS),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Client (a child process, so that generating and sending load does not share the server's event loop).

interface ClientJob {
  url: string;
  key: string;
  run: string;
  now: number;
  from: number;
  total: number;
  concurrency: number;
  /** Events per second to offer (open loop); 0 means as fast as the server answers (closed loop). */
  rate: number;
}

interface ClientReport {
  latencies: number[];
  /** Completion time (ms since start) of each batch, for throughput per window. */
  done: number[];
  elapsedMs: number;
  statuses: Record<string, number>;
  retries: number;
}

async function runClient(job: ClientJob): Promise<ClientReport> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const auth = `Basic ${Buffer.from(`${job.key}:`).toString('base64')}`;
  const target = new URL('/v1/batch', job.url);
  const latencies: number[] = [];
  const done: number[] = [];
  const statuses: Record<string, number> = {};
  let retries = 0;
  const send = (body: string) =>
    new Promise<{ status: number; retryAfter: number }>((resolve, reject) => {
      const req = http.request(
        target,
        { method: 'POST', agent, headers: { authorization: auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after'] ?? 1) }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const batches = Math.ceil(job.total / BATCH);
  const start = performance.now();
  const post = async (b: number) => {
    const first = job.from + b * BATCH;
    const count = Math.min(BATCH, job.from + job.total - first);
    const body = JSON.stringify({ batch: Array.from({ length: count }, (_, k) => makeEvent(job.run, first + k, job.now)), sentAt: new Date().toISOString() });
    for (;;) {
      const t0 = performance.now();
      const { status, retryAfter } = await send(body);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 429 || status >= 500) {
        retries++;
        await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
        continue;
      }
      latencies.push(performance.now() - t0);
      done.push(performance.now() - start);
      return;
    }
  };
  if (job.rate > 0) {
    const interval = (1000 * BATCH) / job.rate;
    const inflight: Promise<void>[] = [];
    for (let b = 0; b < batches; b++) {
      const due = start + b * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inflight.push(post(b));
    }
    await Promise.all(inflight);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (next < batches) await post(next++);
      }),
    );
  }
  agent.destroy();
  return { latencies, done, elapsedMs: performance.now() - start, statuses, retries };
}

function clientProcess(job: ClientJob): Promise<ClientReport> {
  return new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, ['--client'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (report) => {
      resolve(report as ClientReport);
      child.disconnect();
    });
    child.once('error', reject);
    child.once('exit', (code) => code && reject(new Error(`client exited with ${code}`)));
    child.send(job);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Server side and baseline.

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

async function adminQuery(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const COLUMNS =
  'workspace_id, id, source, message_id, type, name, user_id, anonymous_id, group_id, contact_id, account_id, properties, traits, context, timestamp, original_timestamp, sent_at, received_at, future, channel, digital';

const csv = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return `"${s.replaceAll('"', '""')}"`;
};

/** The same events, normalised exactly as ingestion does, attached to the same accounts, as COPY CSV. */
async function copyBaseline(
  url: string,
  workspaceId: string,
  run: string,
  total: number,
  now: number,
  who: Map<string, { account: string; contact: string | null }>,
) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create table events_copy (like events including all)');
    // The CSV is written to a file first, so that the timed COPY measures the database alone.
    const receivedAt = new Date();
    const file = join(mkdtempSync(join(tmpdir(), 'momentum-copy-')), 'events.csv');
    const out = createWriteStream(file);
    for (let first = 0; first < total; first += 1000) {
      let chunk = '';
      for (let i = first; i < Math.min(total, first + 1000); i++) {
        const n = normaliseMessage(makeEvent(run, i, now), receivedAt, { sentAt: receivedAt });
        if (!n.ok) throw new Error(n.reason);
        const row = n.value.row;
        const id = who.get(row.user_id ?? '');
        const values = [
          workspaceId,
          row.id,
          'key:bench',
          row.message_id,
          row.type,
          row.name,
          row.user_id,
          row.anonymous_id,
          row.group_id,
          id?.contact ?? null,
          id?.account ?? null,
          row.properties,
          row.traits,
          row.context,
          row.timestamp,
          row.original_timestamp,
          row.sent_at,
          receivedAt.toISOString(),
          row.future,
          row.channel,
          row.digital,
        ];
        chunk += `${values.map(csv).join(',')}\n`;
      }
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
    const t0 = performance.now();
    await pipeline(createReadStream(file), client.query(copyFrom(`copy events_copy (${COLUMNS}) from stdin with (format csv)`)));
    const elapsed = performance.now() - t0;
    rmSync(file, { force: true });
    return elapsed;
  } finally {
    await client.end();
  }
}

interface Options {
  scale: 'small' | 'full';
  total: number;
  concurrency: number;
  serverUrl: string;
}

/** One full run on one database: HTTP at peak, HTTP paced at 80%, and (PostgreSQL) the COPY baseline. */
async function runOn(kind: 'postgres' | 'pglite', { scale, total, concurrency, serverUrl }: Options): Promise<Record<string, number>> {
  const onPglite = kind === 'pglite';
  let database: Database;
  let url = '';
  let cleanup: () => Promise<void>;
  if (onPglite) {
    const dir = mkdtempSync(join(tmpdir(), 'momentum-bench-'));
    database = await openDatabase({ dataDir: dir });
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `momentum_bench_${randomBytes(5).toString('hex')}`;
    await adminQuery(serverUrl, `create database ${name}`);
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    url = u.toString();
    database = await openDatabase({ databaseUrl: url, poolSize: 10 });
    cleanup = () => adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
  }
  const rssSamples: number[] = [];
  const sampler = setInterval(() => rssSamples.push(process.memoryUsage().rss), 250);
  try {
    await migrateToLatest(database.db);
    const workspace = await createWorkspace(database.db, systemClock, { name: 'Bench' });
    const { secret } = await createApiKey(database.db, systemClock, systemActor(workspace.id), { name: 'bench', scopes: ['ingest'] });
    const config = loadConfig(
      {},
      { MOMENTUM_SECRET: 'bench-secret-that-is-long-enough-0123456789', MOMENTUM_DATA_DIR: tmpdir(), LOG_LEVEL: 'silent', ...(url && { DATABASE_URL: url }) },
    );
    const app = await buildApp({ db: database.db, clock: systemClock, config });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const run = randomBytes(4).toString('hex');
    const now = Date.now();

    // Identify and group every user first: the measured events all attach to an account and update its rollups.
    const auth = { authorization: `Basic ${Buffer.from(`${secret}:`).toString('base64')}`, 'content-type': 'application/json' };
    for (let u = 0; u < USERS; u += 50) {
      const batch = Array.from({ length: Math.min(50, USERS - u) }, (_, k) => [
        { type: 'identify', userId: userOf(u + k), traits: { email: `user${u + k}@customer${(u + k) % ACCOUNTS}.test`, name: `User ${u + k}` } },
        { type: 'group', userId: userOf(u + k), groupId: accountOf(u + k), traits: { name: `Customer ${(u + k) % ACCOUNTS}` } },
      ]).flat();
      const res = await fetch(`${base}/v1/batch`, { method: 'POST', headers: auth, body: JSON.stringify({ batch }) });
      if (res.status !== 200) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
    }
    const rssBefore = process.memoryUsage().rss;
    rssSamples.length = 0;
    console.log(`ingest bench (${scale}, ${onPglite ? 'PGlite on disk' : 'PostgreSQL'}): ${total} events, batches of ${BATCH}, ${concurrency} clients`);

    const cpuBefore = process.cpuUsage();
    const peak = await clientProcess({ url: base, key: secret, run, now, from: 0, total, concurrency, rate: 0 });
    const cpu = process.cpuUsage(cpuBefore);
    const serverCpu = (cpu.user + cpu.system) / 1000 / peak.elapsedMs;
    const eventsPerS = total / (peak.elapsedMs / 1000);
    const lat = [...peak.latencies].sort((a, b) => a - b);
    const peakRss = Math.max(rssBefore, ...rssSamples);
    const rssEnd = process.memoryUsage().rss;
    // Throughput of the first and last 100k events: does ingestion slow down as the tables grow?
    const windowRate = (fromBatch: number, batches: number) => {
      const t0 = fromBatch === 0 ? 0 : (peak.done[fromBatch - 1] ?? 0);
      const t1 = peak.done[fromBatch + batches - 1] ?? peak.elapsedMs;
      return (batches * BATCH) / ((t1 - t0) / 1000);
    };
    const windowBatches = Math.min(1000, Math.floor(peak.done.length / 2));
    const firstWindow = windowRate(0, windowBatches);
    const lastWindow = windowRate(peak.done.length - windowBatches, windowBatches);
    console.log(
      `HTTP /v1/batch: ${round(eventsPerS)} events/s (${round(peak.elapsedMs / 1000, 1)} s), request p50 ${round(percentile(lat, 50), 1)} ms, p99 ${round(percentile(lat, 99), 1)} ms`,
    );
    console.log(
      `  first ${windowBatches * BATCH} events ${round(firstWindow)} events/s, last ${windowBatches * BATCH} ${round(lastWindow)} events/s (ratio ${round(lastWindow / firstWindow, 2)})`,
    );
    console.log(`  statuses ${JSON.stringify(peak.statuses)}, retries ${peak.retries}; server process CPU ${round(serverCpu * 100)}% of one core`);
    console.log(`  server RSS: ${round(rssBefore / 2 ** 20)} MB before, peak ${round(peakRss / 2 ** 20)} MB, ${round(rssEnd / 2 ** 20)} MB after`);

    // 80% of peak, offered at a steady rate (open loop): the latency a busy but not saturated server shows.
    const pacedTotal = Math.max(BATCH * 20, Math.min(Math.round(eventsPerS * 0.8 * (scale === 'full' ? 30 : 8)), 400_000));
    const paced = await clientProcess({ url: base, key: secret, run: `${run}p`, now, from: 0, total: pacedTotal, concurrency: 64, rate: eventsPerS * 0.8 });
    const pacedLat = [...paced.latencies].sort((a, b) => a - b);
    console.log(
      `Paced at 80% of peak (${round(eventsPerS * 0.8)} events/s offered, ${pacedTotal} events): p50 ${round(percentile(pacedLat, 50), 1)} ms, p99 ${round(percentile(pacedLat, 99), 1)} ms`,
    );
    await app.close();

    const stored = await database.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const rolled = await database.db
      .selectFrom('event_rollups')
      .select((eb) => eb.fn.sum<number>('count').as('n'))
      .executeTakeFirstOrThrow();
    console.log(`  stored ${stored.n} events (incl. ${USERS * 2} identify/group), rollups count ${rolled.n}`);

    const result: Record<string, number> = { events_per_s: round(eventsPerS) };
    if (!onPglite) {
      const who = new Map<string, { account: string; contact: string | null }>();
      const ids = await database.db.selectFrom('event_identities').select(['external_id', 'account_id', 'contact_id']).where('kind', '=', 'user').execute();
      for (const r of ids) if (r.account_id) who.set(r.external_id, { account: r.account_id, contact: r.contact_id });
      const copyMs = await copyBaseline(url, workspace.id, run, total, now, who);
      const baseline = total / (copyMs / 1000);
      console.log(`Raw COPY of the same rows: ${round(baseline)} rows/s (${round(copyMs / 1000, 1)} s); ratio HTTP/COPY ${round(eventsPerS / baseline, 2)}`);
      Object.assign(result, { baseline_per_s: round(baseline), ratio: round(eventsPerS / baseline, 2) });
    } else {
      console.log('Raw COPY baseline: not run on PGlite (its ratio to PostgreSQL is printed with --db both)');
    }
    Object.assign(result, {
      p50_ms: round(percentile(lat, 50), 1),
      p99_ms: round(percentile(lat, 99), 1),
      p99_at_80pct_ms: round(percentile(pacedLat, 99), 1),
      growth_ratio: round(lastWindow / firstWindow, 2),
      peak_rss_mb: round(peakRss / 2 ** 20),
    });
    return result;
  } finally {
    clearInterval(sampler);
    await database.close();
    await cleanup();
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: 'small' },
      db: { type: 'string', default: 'postgres' },
      events: { type: 'string' },
      clients: { type: 'string', default: '8' },
    },
  });
  const scale = values.scale === 'full' ? 'full' : 'small';
  const options: Options = {
    scale,
    total: Number(values.events ?? (scale === 'full' ? 1_000_000 : 100_000)),
    concurrency: Number(values.clients),
    // A benchmark, not the product: it reads the test server's address directly.
    serverUrl: process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  };
  const kinds: ('postgres' | 'pglite')[] = values.db === 'both' ? ['postgres', 'pglite'] : values.db === 'pglite' ? ['pglite'] : ['postgres'];
  const results = [];
  for (const kind of kinds) results.push(await runOn(kind, options));
  const [first, embedded] = results as [Record<string, number>, Record<string, number> | undefined];
  const result: Record<string, unknown> = { bench: 'ingest', scale, db: values.db === 'both' ? 'postgres' : kinds[0], events: options.total, ...first };
  if (embedded) {
    const ratio = round((embedded.events_per_s ?? 0) / (first.events_per_s ?? 1), 2);
    console.log(`Embedded (PGlite) HTTP ingestion at ${ratio}x of PostgreSQL's`);
    Object.assign(result, { pglite_events_per_s: embedded.events_per_s, pglite_ratio: ratio, pglite_p99_ms: embedded.p99_ms });
  }
  console.log(JSON.stringify(result));
}

if (process.argv.includes('--client')) {
  process.once('message', async (job) => {
    const report = await runClient(job as ClientJob);
    process.send?.(report, () => process.exit(0));
  });
} else if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  await main();
}
