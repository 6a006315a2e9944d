import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What a sweep or an event evaluation reports that metrics count (engine.ts SweepReport has these fields). */
export interface EngineReport {
  byMoment: { model: string; moment: string; rule: string; opened: number }[];
}

/** What an ingestion call reports (events.ts IngestResult). */
export interface IngestCounts {
  stored: number;
  duplicates: number;
  dropped: number;
}

/** Connections of the database pool (db/client.ts poolStats). */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** Jobs per state of each queue, as pg-boss's getQueues() reports them. */
export type QueueCounts = { name: string; queuedCount: number; activeCount: number; deferredCount: number }[];

/** A scrape must answer quickly even when the database is busy: past this, queue depth is left out of that scrape. */
const QUEUE_STATS_TIMEOUT_MS = 1000;

export type Telemetry = ReturnType<typeof createTelemetry>;

/**
 * One process's Prometheus metrics: created once by each entry point (serve, worker) and passed through deps, so
 * tests build their own. Our metrics are prefixed momentum_; Node's default process metrics keep their usual names.
 */
export function createTelemetry(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpDuration = new Histogram({
    name: 'momentum_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status code, and how long they took',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const ingested = new Counter({
    name: 'momentum_ingest_events_total',
    help: 'Events received on /v1 ingestion by outcome: stored, duplicate (messageId already stored) or dropped (malformed)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const jobDuration = new Histogram({
    name: 'momentum_job_duration_seconds',
    // Labelled queue (the job's name), not job: Prometheus sets job to the scrape job on every series.
    help: 'Background jobs run by this process, by queue (the job name) and outcome (ok or failed), and how long they took',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  });
  const sweepDuration = new Histogram({
    name: 'momentum_engine_sweep_duration_seconds',
    help: 'Minute sweeps of the moment engine (engage, phases, time and event rules) and how long they took',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const instancesOpened = new Counter({
    name: 'momentum_engine_instances_opened_total',
    help: 'Moment instances opened by the engine, by model key, moment key and rule kind (scheduled, event, metric, absence, expectation)',
    labelNames: ['model', 'moment', 'rule'] as const,
    registers,
  });

  let pool: (() => PoolStats) | undefined;
  new Gauge({
    name: 'momentum_db_pool_connections',
    help: 'Database connections by state: total open, idle, and callers waiting for one (the embedded database has one connection)',
    labelNames: ['state'] as const,
    registers,
    collect() {
      if (!pool) return;
      const stats = pool();
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });

  let queues: (() => Promise<QueueCounts>) | undefined;
  new Gauge({
    name: 'momentum_queue_depth',
    help: "Jobs per queue and state (queued: waiting, including deferred; active: running; deferred: waiting for their start time), as of pg-boss's last count",
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      if (!queues) return;
      // A failed or slow count removes the series from this scrape rather than repeating stale numbers.
      this.reset();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), QUEUE_STATS_TIMEOUT_MS);
      });
      const counts = await Promise.race([queues().catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
      for (const q of counts ?? []) {
        this.set({ queue: q.name, state: 'queued' }, q.queuedCount);
        this.set({ queue: q.name, state: 'active' }, q.activeCount);
        this.set({ queue: q.name, state: 'deferred' }, q.deferredCount);
      }
    },
  });

  const countOpened = (report: EngineReport) => {
    for (const m of report.byMoment) if (m.opened > 0) instancesOpened.inc({ model: m.model, moment: m.moment, rule: m.rule }, m.opened);
  };

  return {
    registry,
    httpDuration,
    /** Records one HTTP answer; route is the matched pattern (bounded cardinality), never the raw URL. */
    observeRequest(method: string, route: string | undefined, status: number, seconds: number) {
      httpDuration.observe({ method, route: route ?? 'unmatched', status: String(status) }, seconds);
    },
    /** Counts the outcome of one ingestion call. */
    observeIngest(result: IngestCounts) {
      ingested.inc({ outcome: 'stored' }, result.stored);
      ingested.inc({ outcome: 'duplicate' }, result.duplicates);
      ingested.inc({ outcome: 'dropped' }, result.dropped);
    },
    /** Counts instances opened by an evaluation outside the job queue (streaming evaluation of ingested events). */
    observeEvaluation: countOpened,
    /** Runs a job handler, timing it; a sweep's or an evaluation's report also counts the instances it opened. */
    async timeJob<T>(job: string, run: () => Promise<T>): Promise<T> {
      const end = jobDuration.startTimer({ queue: job });
      const endSweep = job === 'engine.sweep' ? sweepDuration.startTimer() : undefined;
      try {
        const result = await run();
        end({ outcome: 'ok' });
        endSweep?.();
        if (isEngineReport(result)) countOpened(result);
        return result;
      } catch (error) {
        end({ outcome: 'failed' });
        throw error;
      }
    },
    /** Reports the database pool on each scrape. */
    watchPool(stats: () => PoolStats) {
      pool = stats;
    },
    /** Reports queue depth on each scrape (a process running the worker). */
    watchQueues(counts: () => Promise<QueueCounts>) {
      queues = counts;
    },
  };
}

function isEngineReport(value: unknown): value is EngineReport {
  return typeof value === 'object' && value !== null && Array.isArray((value as EngineReport).byMoment);
}

export interface MetricsListener {
  port: number;
  close(): Promise<void>;
}

/**
 * METRICS_PORT: a listener answering only GET /metrics, without a token. For a port that only Prometheus can reach
 * (a private network or a firewalled port), never one published to the internet.
 */
export async function listenMetrics(telemetry: Telemetry, options: { port: number; host: string }): Promise<MetricsListener> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served on this port\n');
      return;
    }
    telemetry.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': telemetry.registry.contentType }).end(text),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`Collecting metrics failed: ${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
