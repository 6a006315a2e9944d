import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../test/db.ts';
import { testClock } from '../../test/factories.ts';
import { openDatabase } from '../db/client.ts';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createTestApp(database.db, testClock());
});
afterAll(async () => {
  await api?.close();
  await database?.dispose();
});

describe('HTTP surface', () => {
  it('answers /healthz with status ok', async () => {
    const res = await api.call('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /healthz while the embedded database is held by long work (a backup), without waiting for it', async () => {
    const embedded = await openDatabase({});
    const busy = await createTestApp(embedded.db, testClock());
    // The one connection is taken, as a backup's snapshot takes it: anything that queried the database would wait.
    const held = await embedded.db.startTransaction().execute();
    try {
      expect((await busy.call('GET', '/healthz')).status).toBe(200);
    } finally {
      await held.rollback().execute();
      await busy.close();
      await embedded.close();
    }
  });

  it('answers /readyz ready once the database answers and every migration is applied, and 503 naming what is pending otherwise', async () => {
    expect((await api.call('GET', '/readyz')).body).toEqual({ status: 'ready' });
    // A database this version has not migrated yet: not ready, and says why.
    const bare = await openDatabase({});
    const unmigrated = await createTestApp(bare.db, testClock());
    try {
      const res = await unmigrated.call('GET', '/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('0001_foundation') });
      expect((await unmigrated.call('GET', '/healthz')).status).toBe(200);
    } finally {
      await unmigrated.close();
      await bare.close();
    }
  });

  it('answers /readyz 503 while the worker this process runs is starting or stopped, naming it', async () => {
    let state: 'starting' | 'running' | 'stopped' = 'starting';
    const withWorker = await createTestApp(database.db, testClock(), { workerState: () => state });
    try {
      expect((await withWorker.call('GET', '/readyz')).body).toEqual({ status: 'unavailable', reason: 'the worker is starting' });
      state = 'running';
      expect((await withWorker.call('GET', '/readyz')).status).toBe(200);
      state = 'stopped';
      const res = await withWorker.call('GET', '/readyz');
      expect(res.status).toBe(503);
      expect(res.body.reason).toBe('the worker is stopped');
    } finally {
      await withWorker.close();
    }
  });

  it('forbids framing the console, sniffing content types and scripts from anywhere but its own files', async () => {
    const res = await api.call('GET', '/healthz');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    // Scripts only from this server's files; inline scripts only on the API reference page, which starts itself with one.
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self';/);
    expect(res.headers['content-security-policy']).toContain("object-src 'none'");
    const docs = await api.call('GET', '/docs/');
    expect(docs.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    expect(docs.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('publishes an OpenAPI 3.1 document with every /api/v1 route and an operationId each', async () => {
    const res = await api.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const paths = Object.keys(res.body.paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/accounts', '/api/v1/accounts/{id}', '/api/v1/segments', '/api/v1/members', '/api/v1/api-keys']));
    for (const path of paths.filter((p) => p.startsWith('/api/v1'))) {
      for (const op of Object.values(res.body.paths[path]) as { operationId?: string }[]) expect(op.operationId, path).toBeTruthy();
    }
  });

  it('renders the API reference at /docs without signing in', async () => {
    const res = await api.call('GET', '/docs/');
    expect(res.status).toBe(200);
    expect(res.raw).toContain('openapi.json');
    // Offline and vendor-free: no outside fonts, no hosted client, agent or developer toolbar (browser check: e2e/docs.test.ts).
    expect(res.raw).toMatch(/"withDefaultFonts": false/);
    expect(res.raw).toMatch(/"agent": \{\s*"disabled": true/);
  });

  it('answers unknown routes with a JSON 404 in the error shape', async () => {
    const res = await api.call('GET', '/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('refuses the CLI control route without the control token', async () => {
    const res = await api.call('POST', '/control/run', { body: { command: 'migrate', args: {} } });
    expect(res.status).toBe(401);
  });
});
