// A signed-in console in Chromium against the real server on a fresh embedded data dir: the set-up the feature e2e
// files share (console.test.ts has its own, with several members and viewports).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { buildApp } from '../../src/app.ts';
import { type Env, loadConfig, testBrowserPath } from '../../src/config.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { App } from '../../src/http/types.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { createTestWorkspace, TEST_PASSWORD, type TestWorkspace } from '../factories.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Where screenshots go (kept by CI for people to look at). */
export const shots = join(root, 'test-results');

export interface ConsoleSession {
  database: Database;
  app: App;
  baseUrl: string;
  ws: TestWorkspace;
  page: Page;
  /** Uncaught errors of the page: a test ends by expecting none. */
  pageErrors: Error[];
  close(): Promise<void>;
}

/** Builds the console if stale, starts the app on a new data dir with one workspace, and signs its admin in. */
export async function openConsoleSession(name: string, env: Partial<Env> = {}): Promise<ConsoleSession> {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-web.js'), '--if-stale'], { cwd: root, stdio: 'inherit' });
  mkdirSync(shots, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), `momentum-e2e-${name}-`));
  const database = await openDatabase({ dataDir });
  await migrateToLatest(database.db);
  const ws = await createTestWorkspace(database.db, systemClock);
  const config = loadConfig({}, { MOMENTUM_DATA_DIR: dataDir, MOMENTUM_SECRET: 'x'.repeat(40), ...env });
  const app = await buildApp({ db: database.db, clock: systemClock, config }, { web: true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server did not listen on a TCP port');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const browser: Browser = await chromium.launch({
    executablePath: testBrowserPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  // A content security policy violation is a defect too (the browser only logs it).
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().includes('Content Security Policy')) pageErrors.push(new Error(message.text()));
  });
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(ws.adminEmail);
  await page.getByRole('textbox', { name: 'Password' }).fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Members land on their home page.
  await page.waitForURL(/\/home$/);
  return {
    database,
    app,
    baseUrl,
    ws,
    page,
    pageErrors,
    close: async () => {
      await browser.close();
      await app.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
