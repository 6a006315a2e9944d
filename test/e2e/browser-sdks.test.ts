// The browser SDKs, unchanged and loaded from their npm packages, in Chromium on a page of another origin (a customer's
// site), sending to a real Momentum server: what they send must be stored. Runs on the embedded database, or on
// PostgreSQL with MOMENTUM_TEST_DB=postgres and TEST_DATABASE_URL.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig, testBrowserPath } from '../../src/config.ts';
import type { App } from '../../src/http/types.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { listEvents } from '../../src/modules/events/events.ts';
import { createTestDatabase, type TestDatabase } from '../db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace } from '../factories.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** analytics.js 2.0's browser bundle as npm ships it (window.AnalyticsNext). */
const ANALYTICS_NEXT = join(root, 'node_modules/@segment/analytics-next/dist/umd/index.js');
/** The RudderStack JavaScript SDK's browser bundle with its plugins built in, as npm ships it (window.rudderanalytics). */
const RUDDERSTACK_JS = join(root, 'node_modules/@rudderstack/analytics-js/dist/npm/modern/bundled/umd/index.js');

let database: TestDatabase;
let ws: TestWorkspace;
let app: App;
let momentum: string;
let site: Server;
let siteUrl: string;
let browser: Browser;
let writeKey: string;
/** Requests the page made to anywhere but Momentum and the site (refused: the test runs offline). */
const elsewhere: string[] = [];

beforeAll(async () => {
  // With the console served (web), as in production: its catch-all GET route answers GETs under /v1.
  execFileSync(process.execPath, [join(root, 'scripts', 'build-web.js'), '--if-stale'], { cwd: root, stdio: 'inherit' });
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, systemClock);
  writeKey = await createTestKey(database.db, systemClock, ws, ['ingest']);
  const config = loadConfig({}, { MOMENTUM_SECRET: 'x'.repeat(40), MOMENTUM_DATA_DIR: '/tmp/momentum-test-unused' });
  app = await buildApp({ db: database.db, clock: systemClock, config, onIngested: () => undefined }, { web: true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  momentum = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  // The customer's site: another origin (localhost, not 127.0.0.1, and another port), serving a page and the SDK file.
  site = createServer((request, response) => {
    const script = { '/analytics-next.js': ANALYTICS_NEXT, '/rudderstack.js': RUDDERSTACK_JS }[request.url ?? ''];
    if (script) {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(script));
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>Customer site</title><script src="/analytics-next.js"></script><script src="/rudderstack.js"></script>');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: testBrowserPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await new Promise((resolve) => site?.close(resolve));
  await database?.dispose();
});

async function customerPage(): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.host === momentum || url.origin === siteUrl) return route.continue();
    elsewhere.push(url.href);
    return route.abort();
  });
  await page.goto(siteUrl);
  return page;
}

const eventsOf = async (userId: string) => (await listEvents(database.db, ws.system, { userId, limit: 500 })).items;

/**
 * Loads analytics.js 2.0 as its docs say for a proxy (apiHost and protocol of the Segment.io integration; the settings it
 * would fetch from Segment's CDN given inline), then identifies, groups, tracks `tracks` times and records a page view.
 */
async function sendWithAnalyticsNext(page: Page, userId: string, tracks: number, deliveryStrategy?: unknown) {
  return page.evaluate(
    async ({ writeKey, apiHost, userId, tracks, deliveryStrategy }) => {
      type Analytics = {
        identify(id: string, traits: object): Promise<unknown>;
        group(id: string, traits: object): Promise<unknown>;
        track(event: string, properties: object): Promise<unknown>;
        page(name: string): Promise<unknown>;
      };
      const { AnalyticsBrowser } = (window as unknown as { AnalyticsNext: { AnalyticsBrowser: { load(...args: unknown[]): Promise<[Analytics]> } } })
        .AnalyticsNext;
      const segmentIo = { apiKey: writeKey, apiHost, protocol: 'http', ...(deliveryStrategy ? { deliveryStrategy } : {}) };
      const [analytics] = await AnalyticsBrowser.load({ writeKey, cdnSettings: { integrations: { 'Segment.io': segmentIo } } });
      await analytics.identify(userId, { email: `${userId}@initrode.test`, name: 'Milton Waddams' });
      await analytics.group('initrode', { name: 'Initrode' });
      const sent = [];
      for (let i = 0; i < tracks; i++) sent.push(analytics.track('Stapler Moved', { desk: i }));
      sent.push(analytics.page('Basement'));
      await Promise.all(sent);
    },
    { writeKey, apiHost: `${momentum}/v1`, userId, tracks, deliveryStrategy },
  );
}

describe('analytics.js 2.0 (@segment/analytics-next) in Chromium', () => {
  test('standard mode: 20 tracks, an identify, a group and a page, each posted to /v1/t, /v1/i ..., all stored', async () => {
    const page = await customerPage();
    const paths: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes(momentum) && request.method() === 'POST') paths.push(new URL(request.url()).pathname);
    });
    const userId = `ajs-standard-${Date.now()}`;
    await sendWithAnalyticsNext(page, userId, 20);
    await expect.poll(async () => (await eventsOf(userId)).length, { timeout: 20_000 }).toBe(23);
    const events = await eventsOf(userId);
    expect(events.filter((e) => e.name === 'Stapler Moved').map((e) => e.properties.desk)).toHaveLength(20);
    expect(events.find((e) => e.type === 'page')?.name).toBe('Basement');
    expect(events.find((e) => e.name === 'Stapler Moved')?.context).toMatchObject({ library: { name: 'analytics.js' } });
    // The group call made the user's account, and the tracks after it are attached to it.
    expect(events.find((e) => e.name === 'Stapler Moved')?.accountId).not.toBeNull();
    expect(new Set(paths)).toEqual(new Set(['/v1/i', '/v1/g', '/v1/t', '/v1/p']));
    await page.context().close();
  });

  test('batching mode: the same calls posted together to /v1/b, all stored', async () => {
    const page = await customerPage();
    const paths: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes(momentum) && request.method() === 'POST') paths.push(new URL(request.url()).pathname);
    });
    const userId = `ajs-batching-${Date.now()}`;
    await sendWithAnalyticsNext(page, userId, 20, { strategy: 'batching', config: { size: 10, timeout: 500 } });
    await expect.poll(async () => (await eventsOf(userId)).length, { timeout: 20_000 }).toBe(23);
    expect(new Set(paths)).toEqual(new Set(['/v1/b']));
    expect(paths.length).toBeLessThan(23);
    await page.context().close();
  });

  test('a page on another origin can read Momentum errors: CORS headers on 401, 400 and an unknown path (POST and GET)', async () => {
    const page = await customerPage();
    const answers = await page.evaluate(async (base) => {
      const send = async (path: string, body: string) => {
        const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
        return { status: res.status, code: ((await res.json()) as { error?: { code: string } }).error?.code };
      };
      return [
        await send('/v1/t', JSON.stringify({ event: 'X', userId: 'u', writeKey: 'mk_not_a_key' })),
        await send('/v1/t', '{not json'),
        await send('/v1/nowhere', '{}'),
        await fetch(`${base}/v1/nowhere`).then(async (res) => ({ status: res.status, code: ((await res.json()) as { error?: { code: string } }).error?.code })),
      ];
    }, `http://${momentum}`);
    expect(answers).toEqual([
      { status: 401, code: 'unauthenticated' },
      { status: 400, code: 'bad_request' },
      { status: 404, code: 'not_found' },
      { status: 404, code: 'not_found' },
    ]);
    await page.context().close();
  });
});

describe('RudderStack JavaScript SDK (@rudderstack/analytics-js) in Chromium', () => {
  /** Loads the SDK with Momentum as its data plane; the source configuration it would fetch from RudderStack is given inline. */
  async function sendWithRudderStack(page: Page, userId: string, tracks: number, queueOptions?: unknown) {
    return page.evaluate(
      async ({ writeKey, dataPlaneUrl, userId, tracks, queueOptions }) => {
        type Rudder = {
          load(writeKey: string, dataPlaneUrl: string, options: object): void;
          ready(callback: () => void): void;
          identify(id: string, traits: object): void;
          group(id: string, traits: object): void;
          track(event: string, properties: object): void;
          page(category: string, name: string): void;
        };
        const { RudderAnalytics } = (window as unknown as { rudderanalytics: { RudderAnalytics: new () => Rudder } }).rudderanalytics;
        const analytics = new RudderAnalytics();
        const source = { id: 'momentum-test-source', name: 'Customer site', workspaceId: 'momentum', enabled: true, config: {}, destinations: [] };
        analytics.load(writeKey, dataPlaneUrl, { getSourceConfig: () => ({ source }), ...(queueOptions ? { queueOptions } : {}) });
        await new Promise<void>((resolve) => analytics.ready(resolve));
        analytics.identify(userId, { email: `${userId}@initech.test`, name: 'Bill Lumbergh' });
        analytics.group('initech-rs', { name: 'Initech' });
        for (let i = 0; i < tracks; i++) analytics.track('Memo Sent', { memo: i });
        analytics.page('Reports', 'TPS');
      },
      { writeKey, dataPlaneUrl: `http://${momentum}`, userId, tracks, queueOptions },
    );
  }

  test('default settings: 20 tracks, an identify, a group and a page, all stored', async () => {
    const page = await customerPage();
    const paths: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes(momentum) && request.method() === 'POST') paths.push(new URL(request.url()).pathname);
    });
    const userId = `rs-js-${Date.now()}`;
    await sendWithRudderStack(page, userId, 20);
    await expect.poll(async () => (await eventsOf(userId)).length, { timeout: 30_000 }).toBe(23);
    const events = await eventsOf(userId);
    expect(events.filter((e) => e.name === 'Memo Sent')).toHaveLength(20);
    // Not asserted here: that every track is attached to the group's account. This SDK sends each call in its own
    // request at once, and on PostgreSQL a track committed while the group call's transaction runs can stay
    // unattached (seen about one run in three): a race in identity resolution, reported, not an SDK matter.
    expect(events.filter((e) => e.type === 'group').map((e) => e.groupId)).toEqual(['initech-rs']);
    expect(new Set(paths)).toEqual(new Set(['/v1/identify', '/v1/group', '/v1/track', '/v1/page']));
    await page.context().close();
  });

  test('batching: the same calls posted together to /v1/batch, all stored', async () => {
    const page = await customerPage();
    const paths: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes(momentum) && request.method() === 'POST') paths.push(new URL(request.url()).pathname);
    });
    const userId = `rs-js-batch-${Date.now()}`;
    await sendWithRudderStack(page, userId, 20, { batch: { enabled: true, maxItems: 10, flushInterval: 500 } });
    await expect.poll(async () => (await eventsOf(userId)).length, { timeout: 30_000 }).toBe(23);
    expect(new Set(paths)).toEqual(new Set(['/v1/batch']));
    await page.context().close();
  });
});

test('the SDKs asked nothing of Segment, RudderStack or anyone else', () => {
  expect(elsewhere).toEqual([]);
});
