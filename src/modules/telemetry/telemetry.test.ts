import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestMember, createTestWorkspace, type TestWorkspace } from '../../../test/factories.ts';
import { buildApp } from '../../app.ts';
import { ConfigError, loadConfig } from '../../config.ts';
import type { App } from '../../http/types.ts';
import { jobCatalog } from '../../jobs/catalog.ts';
import { systemClock } from '../../lib/clock.ts';
import { startWorker, type Worker } from '../../worker.ts';
import { createAccount } from '../accounts/accounts.ts';
import { sweep } from '../engine/engine.ts';
import { applyModel } from '../models/models.ts';
import { createTelemetry, listenMetrics, type Telemetry } from './telemetry.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
const SECRET = 'test-secret-that-is-long-enough-0123456789';

const model = `
key: telemetry-test
name: Telemetry test
segment: { conditions: [{ field: tags, op: has, value: watched }] }
phases:
  - key: onboarding
    name: Onboarding
moments:
  - id: high-severity-case
    name: High-severity case
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: Call the sponsor about the case.
    start: { type: event, event: Case Opened, where: [{ property: severity, op: eq, value: high }], cooldown: 1d }
`;

/** The samples of a Prometheus text scrape: name, labels and value of each line. */
function parseScrape(text: string) {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1] as string, labels: labels as Record<string, string>, value: Number(match[3]) };
    });
}

/** The value of the one sample with this name and these labels (others may be present); undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = parseScrape(text).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

let database: TestDatabase;
let ws: TestWorkspace;
let telemetry: Telemetry;
let app: App;
let worker: Worker | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, systemClock);
  const csm = await createTestMember(database.db, systemClock, ws, ['csm']);
  await createAccount(database.db, systemClock, ws.system, { name: 'Watched Co', externalId: 'watched', tags: ['watched'], team: { csm: csm.member.id } });
  await applyModel(database.db, systemClock, ws.system, { source: model, file: 'telemetry-test.yaml' }, { approve: true });
  await sweep(database.db, systemClock, { workspaceId: ws.workspaceId });
  telemetry = createTelemetry();
  telemetry.watchPool(database.poolStats);
  const config = loadConfig({}, { MOMENTUM_SECRET: SECRET, MOMENTUM_DATA_DIR: '/tmp/momentum-test-unused', METRICS_TOKEN: TOKEN });
  app = await buildApp({ db: database.db, clock: systemClock, config, telemetry });
  await app.ready();
});
afterAll(async () => {
  await worker?.stop();
  await app?.close();
  await database?.dispose();
});

async function scrape(): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe(telemetry.registry.contentType);
  return res.body;
}

describe('GET /metrics access', () => {
  it('answers 401 with the error shape without a token, with a wrong token or with another scheme', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, 'Bearer short', `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}`]) {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
      expect(res.body).not.toContain('momentum_');
    }
  });

  it('answers 404 when METRICS_TOKEN is not set, whatever the token sent', async () => {
    const plain = await createTestApp(database.db, systemClock);
    try {
      const res = await plain.call('GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    } finally {
      await plain.close();
    }
  });

  it('is left out of the OpenAPI document', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(Object.keys(res.json().paths)).not.toContain('/metrics');
  });

  it('refuses a METRICS_TOKEN under 16 characters and a METRICS_PORT equal to PORT, naming the setting', () => {
    expect(() => loadConfig({}, { MOMENTUM_SECRET: SECRET, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({}, { MOMENTUM_SECRET: SECRET, PORT: 4000, METRICS_PORT: 4000 })).toThrow(ConfigError);
    expect(() => loadConfig({}, { MOMENTUM_SECRET: SECRET, PORT: 4000, METRICS_PORT: 4000 })).toThrow(/METRICS_PORT/);
  });
});

describe('what a scrape reports', () => {
  it('counts ingested events by outcome, requests by route pattern and status, and instances opened by rule', async () => {
    const key = await createTestKey(database.db, systemClock, ws, ['ingest']);
    const basic = { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`, 'content-type': 'application/json' };
    const post = (url: string, body: unknown) => app.inject({ method: 'POST', url, headers: basic, payload: JSON.stringify(body) });
    expect((await post('/v1/group', { userId: 'u-1', groupId: 'watched', messageId: 'm-0' })).statusCode).toBe(200);
    expect((await post('/v1/track', { userId: 'u-1', event: 'Case Opened', properties: { severity: 'low' }, messageId: 'm-1' })).statusCode).toBe(200);
    // m-1 again (a duplicate), a malformed track (dropped) and the event that opens the moment.
    const batch = await post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'u-1', event: 'Case Opened', properties: { severity: 'low' }, messageId: 'm-1' },
        { type: 'track', userId: 'u-1', messageId: 'm-2' },
        { type: 'track', userId: 'u-1', event: 'Case Opened', properties: { severity: 'high' }, messageId: 'm-3' },
      ],
    });
    expect(batch.json()).toMatchObject({ accepted: 2, stored: 1, duplicates: 1, dropped: 1 });
    expect((await app.inject({ method: 'GET', url: '/no/such/page' })).statusCode).toBe(404);

    // Streaming evaluation opens the moment shortly after the batch commits.
    let text = await scrape();
    const opened = { model: 'telemetry-test', moment: 'high-severity-case', rule: 'event' };
    for (let i = 0; i < 100 && sample(text, 'momentum_engine_instances_opened_total', opened) === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await scrape();
    }
    expect(sample(text, 'momentum_engine_instances_opened_total', opened)).toBe(1);
    expect(sample(text, 'momentum_ingest_events_total', { outcome: 'stored' })).toBe(3);
    expect(sample(text, 'momentum_ingest_events_total', { outcome: 'duplicate' })).toBe(1);
    expect(sample(text, 'momentum_ingest_events_total', { outcome: 'dropped' })).toBe(1);
    const requests = (route: string, status: string, method = 'POST') =>
      sample(text, 'momentum_http_request_duration_seconds_count', { method, route, status });
    expect(requests('/v1/track', '200')).toBe(1);
    expect(requests('/v1/batch', '200')).toBe(1);
    expect(requests('unmatched', '404', 'GET')).toBe(1);
    // Raw URLs never become labels.
    expect(parseScrape(text).some((s) => s.labels.route === '/no/such/page')).toBe(false);

    // The minute sweep, timed as the worker times it: the instance is already open, so it opens nothing more.
    const sweepJob = jobCatalog.find((j) => j.name === 'engine.sweep');
    if (!sweepJob) throw new Error('engine.sweep is not in the job catalog');
    await telemetry.timeJob(sweepJob.name, () => sweepJob.handle({ db: database.db, clock: systemClock }, {}));
    text = await scrape();
    expect(sample(text, 'momentum_engine_sweep_duration_seconds_count')).toBe(1);
    expect(sample(text, 'momentum_job_duration_seconds_count', { queue: 'engine.sweep', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'momentum_engine_instances_opened_total', opened)).toBe(1);
  });

  it('times a failing job as failed and passes its error on', async () => {
    await expect(telemetry.timeJob('events.purge-expired', () => Promise.reject(new Error('database gone')))).rejects.toThrow('database gone');
    const text = await scrape();
    expect(sample(text, 'momentum_job_duration_seconds_count', { queue: 'events.purge-expired', outcome: 'failed' })).toBe(1);
    expect(sample(text, 'momentum_job_duration_seconds_count', { queue: 'events.purge-expired', outcome: 'ok' })).toBeUndefined();
  });

  it('reports database connections and process memory', async () => {
    const text = await scrape();
    const total = sample(text, 'momentum_db_pool_connections', { state: 'total' });
    if (database.kind === 'pglite') expect(total).toBe(1);
    else expect(total).toBeGreaterThanOrEqual(1);
    const idle = sample(text, 'momentum_db_pool_connections', { state: 'idle' }) ?? -1;
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThanOrEqual(total ?? 0);
    expect(sample(text, 'momentum_db_pool_connections', { state: 'waiting' })).toBe(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('reports the depth of every queue of a running worker, and times the jobs it runs', async () => {
    worker = await startWorker({ db: database.db, clock: systemClock, queue: database.queue, telemetry }, { info: () => {}, error: (m) => console.error(m) });
    await worker.boss.send('members.purge-sessions', {});
    let text = await scrape();
    const ran = () => sample(text, 'momentum_job_duration_seconds_count', { queue: 'members.purge-sessions', outcome: 'ok' });
    for (let i = 0; i < 80 && ran() === undefined; i++) {
      await new Promise((r) => setTimeout(r, 250));
      text = await scrape();
    }
    expect(ran()).toBe(1);
    for (const spec of jobCatalog) {
      for (const state of ['queued', 'active', 'deferred']) {
        expect(sample(text, 'momentum_queue_depth', { queue: spec.name, state }), `${spec.name} ${state}`).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

describe('METRICS_PORT', () => {
  it('serves GET /metrics without a token and nothing else', async () => {
    const listener = await listenMetrics(telemetry, { port: 0, host: '127.0.0.1' });
    try {
      const base = `http://127.0.0.1:${listener.port}`;
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(telemetry.registry.contentType);
      expect(sample(await res.text(), 'momentum_ingest_events_total', { outcome: 'dropped' })).toBe(1);
      expect((await fetch(`${base}/`)).status).toBe(404);
      expect((await fetch(`${base}/api/v1/accounts`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await listener.close();
    }
  });
});

describe('docs/grafana-dashboard.json', () => {
  it('parses, and every metric it queries is one this registry exports', async () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const exported = new Set((await telemetry.registry.getMetricsAsJSON()).map((m) => m.name));
    const queried = new Set(
      exprs.flatMap((e) => [...e.matchAll(/\b((?:momentum|process|nodejs)_\w+)/g)].map((m) => (m[1] as string).replace(/_(bucket|sum|count)$/, ''))),
    );
    expect(queried.size).toBeGreaterThanOrEqual(8);
    expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
  });
});
