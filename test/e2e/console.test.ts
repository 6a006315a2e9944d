// The members' console in a real browser against the real server: an on-disk embedded database in a
// temp dir, the built console (dist/web), the Fastify app listening on a free port, Debian's chromium.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig, testBrowserPath } from '../../src/config.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { App } from '../../src/http/types.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { touchModels } from '../../src/modules/accounts/accounts.schema.ts';
import { createAccount } from '../../src/modules/accounts/accounts.ts';
import { createContact } from '../../src/modules/contacts/contacts.ts';
import { createContract } from '../../src/modules/contracts/contracts.ts';
import { sweep } from '../../src/modules/engine/engine.ts';
import { createMetric } from '../../src/modules/metrics/metrics.ts';
import { applyModel } from '../../src/modules/models/models.ts';
import { recordBackup } from '../../src/modules/system/system.ts';
import { recordInteraction } from '../../src/modules/timeline/timeline.ts';
import { createTestMember, createTestWorkspace, TEST_PASSWORD } from '../factories.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const shots = join(root, 'test-results');
const ACCOUNTS = 30;

let dataDir: string;
let database: Database;
let app: App;
let baseUrl: string;
let browser: Browser;
let desktop: BrowserContext;
let page: Page;
let adminEmail: string;
let csmEmail: string;
const pageErrors: Error[] = [];

const regions = ['EMEA', 'AMER', 'APAC', 'LATAM'];
const industries = ['Software', 'Manufacturing', 'Healthcare', 'Retail', 'Finance'];
const cultures = ['value_offered', 'value_added', 'value_created', 'value_captured'] as const;
const phases = ['onboarding', 'ongoing', 'renewal'];
const seatPrice = (i: number) => 1000 + ((i * 7919) % 3000);
/** Each account's ARR: its recurring line (seats x price); the one-off line does not count. */
const seededArrs = Array.from({ length: ACCOUNTS }, (_, i) => (10 + i) * seatPrice(i));

async function seed(db: Database['db']) {
  const ws = await createTestWorkspace(db, systemClock);
  adminEmail = ws.adminEmail;
  const casey = await createTestMember(db, systemClock, ws, ['csm'], 'Casey Csm');
  csmEmail = casey.email;
  const morgan = await createTestMember(db, systemClock, ws, ['account_manager'], 'Morgan Manager');
  for (let i = 0; i < ACCOUNTS; i++) {
    const n = String(i + 1).padStart(2, '0');
    const account = await createAccount(db, systemClock, ws.system, {
      name: `Account ${n} ${industries[i % industries.length]} Co`,
      domain: `account-${n}.example`,
      industry: industries[i % industries.length] ?? null,
      region: regions[i % regions.length] ?? null,
      employeeBand: '201-1000',
      touchModel: touchModels[i % touchModels.length] ?? null,
      buyingCulture: cultures[i % cultures.length] ?? null,
      targetDigitalType: i % 2 === 0 ? 'digital_hybrid' : 'digital_first',
      phase: phases[i % phases.length] ?? 'onboarding',
      tags: i % 4 === 0 ? ['strategic', 'beta'] : ['standard'],
      offerings: ['Platform'],
      team: { csm: casey.member.id, ...(i % 2 === 0 && { account_manager: morgan.member.id }) },
    });
    // ARR comes from contracts: every account a different amount, so sorting by ARR is visible.
    await createContract(db, systemClock, ws.system, {
      accountId: account.id,
      name: `Subscription ${n}`,
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      renewalDate: `2026-12-${String((i % 28) + 1).padStart(2, '0')}`,
      services: ['Onboarding package'],
      supportEntitlement: i % 2 === 0 ? 'Premier' : 'Standard',
      lineItems: [
        { offering: 'Platform seats', quantity: 10 + i, unitPrice: seatPrice(i) },
        { offering: 'Implementation', quantity: 1, unitPrice: 5000, billing: 'one_off' },
      ],
    });
    if (i === 0) {
      await createContact(db, systemClock, ws.system, {
        accountId: account.id,
        name: 'Pat Sponsor',
        email: 'pat@account-01.example',
        persona: 'executive_sponsor',
        title: 'CTO',
      });
      await recordInteraction(db, systemClock, ws.system, {
        accountId: account.id,
        kind: 'meeting_held',
        channel: 'meeting',
        summary: 'Kickoff with the sponsor',
        occurredAt: '2026-01-05T10:00:00Z',
      });
      // More than one page of history, newer than the kickoff: "Load more" reaches it.
      for (let d = 1; d <= 30; d++) {
        const day = String(d).padStart(2, '0');
        await recordInteraction(db, systemClock, ws.system, {
          accountId: account.id,
          kind: 'email_opened',
          channel: 'email',
          summary: `Newsletter ${day} opened`,
          occurredAt: `2026-03-${day}T09:00:00Z`,
        });
      }
      // Recent activity for the Activity tab's metrics and sparklines.
      await createMetric(db, systemClock, ws.system, { key: 'emails_opened', label: 'Emails opened', kind: 'count', eventName: 'email_opened' });
      for (let d = 1; d <= 12; d++) {
        await recordInteraction(db, systemClock, ws.system, {
          accountId: account.id,
          kind: 'email_opened',
          channel: 'email',
          summary: `Product update ${d} opened`,
          occurredAt: new Date(Date.now() - d * 86_400_000),
        });
      }
    }
  }
  // An active engagement model, swept once: accounts enter their phases and the first moments open for their CSM.
  const file = join(root, 'examples', 'models', 'customer-success.yaml');
  await applyModel(db, systemClock, ws.system, { source: readFileSync(file, 'utf8'), file }, { approve: true });
  await sweep(db, systemClock, { workspaceId: ws.workspaceId });
}

async function shot(p: Page, name: string, fullPage = true) {
  await p.screenshot({ path: join(shots, `${name}.png`), fullPage });
}

async function signIn(p: Page, email: string, password: string) {
  await p.goto(`${baseUrl}/sign-in`);
  await p.getByLabel('Email').fill(email);
  await p.getByRole('textbox', { name: 'Password' }).fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

/** A signed-in page at a phone's size (touch, mobile viewport), sharing the desktop session. */
async function phonePage(width: number, height: number): Promise<{ context: BrowserContext; p: Page }> {
  const context = await browser.newContext({ viewport: { width, height }, isMobile: true, hasTouch: true, storageState: await desktop.storageState() });
  const p = await context.newPage();
  p.on('pageerror', (error) => pageErrors.push(error));
  return { context, p };
}

/** Polls until the page catches up: the embedded database answers the page's queries one at a time. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });

const totalText = (p: Page) => p.getByTestId('accounts-total').textContent();

beforeAll(async () => {
  // The server serves dist/web: build it first when web/ changed since the last build.
  execFileSync(process.execPath, [join(root, 'scripts', 'build-web.js'), '--if-stale'], { cwd: root, stdio: 'inherit' });
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'momentum-e2e-'));
  database = await openDatabase({ dataDir });
  await migrateToLatest(database.db);
  await seed(database.db);
  const config = loadConfig({}, { MOMENTUM_DATA_DIR: dataDir, MOMENTUM_SECRET: 'x'.repeat(40) });
  app = await buildApp({ db: database.db, clock: systemClock, config }, { web: true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server did not listen on a TCP port');
  baseUrl = `http://127.0.0.1:${address.port}`;
  browser = await chromium.launch({
    executablePath: testBrowserPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  desktop = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  page = await desktop.newPage();
  page.on('pageerror', (error) => pageErrors.push(error));
  // A content security policy violation is a defect too (the browser only logs it).
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().includes('Content Security Policy')) pageErrors.push(new Error(message.text()));
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await database?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('members console', () => {
  test('a wrong password shows an error and keeps the member on the sign-in page', async () => {
    await page.goto(`${baseUrl}/accounts`);
    // No session: the console sends the member to sign in.
    await page.waitForURL(/\/sign-in$/);
    await signIn(page, adminEmail, 'not the password');
    await eventually(() => page.getByRole('alert').textContent()).toContain('Email or password is incorrect');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await shot(page, '01-sign-in-wrong-password');
  });

  test('signs in and sees the accounts list', async () => {
    // The member asked for /accounts before signing in: signing in returns there (otherwise it lands on Home).
    await signIn(page, adminEmail, TEST_PASSWORD);
    await page.waitForURL(/\/accounts$/);
    await eventually(() => totalText(page)).toBe(`${ACCOUNTS} accounts`);
    expect(await page.getByRole('heading', { level: 1, name: 'Accounts' }).isVisible()).toBe(true);
    expect(await page.getByTestId('account-row').count()).toBe(25);
    expect(await page.getByTestId('list-range').textContent()).toBe('1–25 of 30 accounts');
    await shot(page, '02-accounts-list');
    // The second page, through the cursor.
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await eventually(() => page.getByTestId('list-range').textContent()).toBe('26–30 of 30 accounts');
    expect(await page.getByTestId('account-row').count()).toBe(5);
    await page.getByRole('button', { name: 'Previous', exact: true }).click();
    await eventually(() => page.getByTestId('list-range').textContent()).toBe('1–25 of 30 accounts');
  });

  test('the home page shows my moments in numbers and by week, my renewals and, for a lead, the team', async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Home' }).click();
    await page.waitForURL(/\/home$/);
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    for (const stat of ['Overdue', 'Due this week', 'Escalated', 'Open in all'])
      await page.getByRole('link', { name: new RegExp(`^${stat}: \\d+$`) }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Renewals in the next 90 days' }).waitFor();
    // The admin is a lead: the team's load shows as a chart.
    await page.getByRole('heading', { level: 2, name: "The team's open moments" }).waitFor();
    await shot(page, '02a-home');
    await page.goto(`${baseUrl}/accounts`);
    await eventually(() => totalText(page)).toBe(`${ACCOUNTS} accounts`);
  });

  test('filters accounts by touch model and the count changes', async () => {
    await page.getByRole('combobox', { name: 'Touch model' }).click();
    await page.getByRole('option', { name: 'High' }).click();
    await page.keyboard.press('Escape');
    await eventually(() => totalText(page)).toBe(`${ACCOUNTS / 3} accounts`);
    expect(new URL(page.url()).searchParams.get('touchModel')).toBe('high');
    await shot(page, '03-accounts-filtered-high-touch');
    // The filter lives in the URL: a shared link shows the same list.
    await page.goto(`${baseUrl}/accounts?touchModel=high,tech&region=EMEA`);
    const expected = Array.from({ length: ACCOUNTS }, (_, i) => i).filter((i) => touchModels[i % 3] !== 'low' && regions[i % regions.length] === 'EMEA').length;
    await eventually(() => totalText(page)).toBe(`${expected} accounts`);
    await page.goto(`${baseUrl}/accounts`);
    await eventually(() => totalText(page)).toBe(`${ACCOUNTS} accounts`);
  });

  test('is keyboard usable: a skip link, the page action, then the search box, and sorting from the keyboard', async () => {
    await page.goto(`${baseUrl}/accounts`);
    await eventually(() => totalText(page)).toBe(`${ACCOUNTS} accounts`);
    const focused = () => page.evaluate(() => document.activeElement?.textContent || document.activeElement?.getAttribute('placeholder') || '');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    // The page's own actions come first in the content, then the list's search.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Import');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Export CSV');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Name, domain or external id');
    await page.keyboard.type('Retail');
    await eventually(() => totalText(page)).toBe(`${ACCOUNTS / industries.length} accounts`);
    expect(new URL(page.url()).searchParams.get('q')).toBe('Retail');
    await page.getByRole('button', { name: 'Next renewal' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/sort=next_renewal_date/);
    await shot(page, '04a-keyboard-search-and-sort');
    await page.goto(`${baseUrl}/accounts`);
  });

  test('selects accounts and tags them all at once, then exports the list as CSV', async () => {
    await page.goto(`${baseUrl}/accounts?touchModel=tech`);
    const expected = Array.from({ length: ACCOUNTS }, (_, i) => i).filter((i) => touchModels[i % 3] === 'tech').length;
    await eventually(() => totalText(page)).toBe(`${expected} accounts`);
    await page.getByRole('checkbox', { name: 'Select every account on this page' }).check();
    await eventually(() => page.getByTestId('accounts-selected').textContent()).toBe(`${expected} selected`);
    await page.getByRole('button', { name: 'Change selected' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Tag' }).fill('tech-wave');
    await shot(page, '05a-bulk-tag');
    await dialog.getByRole('button', { name: `Apply to ${expected}` }).click();
    await dialog.waitFor({ state: 'detached' });
    const tagged = await page.evaluate(async () => (await (await fetch('/api/v1/accounts?tag=tech-wave')).json()).total);
    expect(tagged).toBe(expected);
    // The export carries the list's filters (touch model tech) and downloads as a file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    const csv = await readFile(await download.path(), 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(expected + 1);
    expect(csv).toContain('tech-wave');
    await page.goto(`${baseUrl}/accounts`);
  });

  test('sorts by ARR', async () => {
    const arrs = async () => (await page.getByTestId('account-arr').allTextContents()).map((t) => Number(t.replace(/[^0-9.]/g, '')));
    await page.getByRole('button', { name: 'ARR' }).click();
    await page.waitForURL(/sort=-arr/);
    // The largest ARR of all accounts comes first: the server sorts, not the page.
    await eventually(arrs).toEqual(seededArrs.toSorted((a, b) => b - a).slice(0, 25));
    expect(await page.getByRole('columnheader', { name: 'ARR' }).getAttribute('aria-sort')).toBe('descending');
    await shot(page, '04-accounts-sorted-by-arr');
    await page.getByRole('button', { name: 'ARR' }).click();
    await page.waitForURL(/sort=arr/);
    await eventually(arrs).toEqual(seededArrs.toSorted((a, b) => a - b).slice(0, 25));
  });

  test('shows profile, activity and derived data of an account as three labelled groups', async () => {
    await page.goto(`${baseUrl}/accounts?q=Account%2001`);
    await page.getByRole('link', { name: 'Account 01 Software Co' }).click();
    await page.getByRole('heading', { level: 2, name: 'Profile data' }).waitFor();
    await page.getByRole('tab', { name: 'Activity' }).click();
    await page.getByRole('heading', { level: 2, name: 'Derived data' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Activity data' }).waitFor();
    await page.getByRole('img', { name: /^Emails opened: daily values/ }).waitFor();
    await page
      .getByRole('cell', { name: /email.opened/i })
      .first()
      .waitFor();
    await shot(page, '05c-account-activity');
  });

  test('opens an account and sees its profile, team and contracts', async () => {
    await page.goto(`${baseUrl}/accounts?q=Account%2001`);
    await eventually(() => totalText(page)).toBe('1 account');
    await page.getByRole('link', { name: 'Account 01 Software Co' }).click();
    await page.getByRole('heading', { level: 1, name: 'Account 01 Software Co' }).waitFor();
    const profile = page.getByRole('tabpanel');
    await eventually(() => profile.textContent()).toContain('account-01.example');
    expect(await profile.textContent()).toContain('EMEA');
    expect(await profile.textContent()).toContain('Software');
    await shot(page, '05-account-profile');
    // Edit the profile: a bad value shows its field error, a good one saves.
    await page.getByRole('button', { name: 'Edit profile' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: 'Phase' }).fill('Not A Phase');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('must be a phase key like onboarding, ongoing or renewal').waitFor();
    await shot(page, '05b-account-edit-field-error');
    await dialog.getByRole('combobox', { name: 'Phase' }).fill('ongoing');
    await dialog.getByRole('textbox', { name: 'Domain' }).fill('account-01.io');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await eventually(() => profile.textContent()).toContain('account-01.io');

    await page.getByRole('tab', { name: 'Team' }).click();
    await eventually(() => page.getByTestId('team-csm').textContent()).toContain('Casey Csm');
    expect(await page.getByTestId('team-account_manager').textContent()).toContain('Morgan Manager');
    await shot(page, '06-account-team');
    await page.getByRole('button', { name: 'Edit team' }).click();
    const team = page.getByRole('dialog');
    await team.getByRole('combobox', { name: 'Support' }).click();
    await page.getByRole('option', { name: 'Morgan Manager' }).click();
    await team.getByRole('button', { name: 'Save team' }).click();
    await team.waitFor({ state: 'detached' });
    await eventually(() => page.getByTestId('team-support').textContent()).toContain('Morgan Manager');

    await page.getByRole('tab', { name: 'Contracts' }).click();
    await page.getByTestId('contract').first().waitFor();
    const contract = await page.getByTestId('contract').first().textContent();
    expect(contract).toContain('Subscription 01');
    expect(contract).toContain('Platform seats');
    expect(contract).toContain('Implementation');
    expect(contract).toContain('Premier');
    await shot(page, '07-account-contracts');

    await page.getByRole('tab', { name: 'Contacts' }).click();
    await eventually(() => page.getByRole('tabpanel').textContent()).toContain('Pat Sponsor');

    await page.getByRole('tab', { name: 'Timeline' }).click();
    await eventually(() => page.getByRole('tabpanel').textContent()).toContain('Newsletter 30 opened');
    expect(await page.getByRole('tabpanel').textContent()).not.toContain('Kickoff with the sponsor');
    await page.getByRole('button', { name: 'Load more' }).click();
    await eventually(() => page.getByRole('tabpanel').textContent()).toContain('Kickoff with the sponsor');
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    await page.getByLabel('Summary').fill('Quarterly business review: adoption up 20%');
    await page.getByRole('button', { name: 'Log interaction' }).click();
    await eventually(() => page.getByRole('tabpanel').textContent()).toContain('Quarterly business review: adoption up 20%');
    await shot(page, '08-account-timeline');
  });

  test("shows an account's engagement model, journey and moments on its Moments tab", async () => {
    await page.goto(`${baseUrl}/accounts?q=Account%2001`);
    await page.getByRole('link', { name: 'Account 01 Software Co' }).click();
    await page.getByRole('heading', { level: 1, name: 'Account 01 Software Co' }).waitFor();
    await page.getByRole('tab', { name: 'Moments' }).click();
    await page.waitForURL(/tab=moments/);
    const panel = page.getByRole('tabpanel');
    await panel.getByRole('heading', { level: 2, name: 'Engagement' }).waitFor();
    await eventually(() => panel.textContent()).toContain('customer-success v1');
    await panel.getByLabel('Journey').waitFor();
    await panel.getByText('Open moments').waitFor();
    await shot(page, '19-account-moments');
    // The tab lives in the URL: a reload stays on it.
    await page.reload();
    await page.getByRole('tabpanel').getByRole('heading', { level: 2, name: 'Engagement' }).waitFor();
  });

  test('the navbar leads to My moments and Models', async () => {
    await page.goto(`${baseUrl}/accounts`);
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'My moments' }).click();
    await page.waitForURL(/\/moments$/);
    await page.getByRole('heading', { level: 1, name: 'My moments' }).waitFor();
    expect(await nav.getByRole('link', { name: 'My moments' }).getAttribute('aria-current')).toBe('page');
    // Each tab says how many it holds; the page opens on the first one with something to do.
    await page.getByRole('tab', { name: /^Overdue \(\d+\)$/ }).waitFor();
    const counts = await Promise.all(
      ['Overdue', 'Due this week', 'Upcoming', 'Escalated'].map(async (t) =>
        Number((await page.getByRole('tab', { name: new RegExp(`^${t} `) }).textContent())?.match(/\((\d+)/)?.[1]),
      ),
    );
    const first = ['Overdue', 'Due this week', 'Upcoming', 'Escalated'][
      Math.max(
        0,
        counts.findIndex((n) => n > 0),
      )
    ] as string;
    expect(await page.getByRole('tab', { name: new RegExp(`^${first} `) }).getAttribute('aria-selected')).toBe('true');
    await shot(page, '20-my-moments');
    await nav.getByRole('link', { name: 'Models' }).click();
    await page.waitForURL(/\/models$/);
    await page.getByRole('heading', { level: 1, name: 'Engagement models' }).waitFor();
    await eventually(() => page.getByRole('table', { name: 'Engagement models' }).textContent()).toContain('Customer success');
    expect(await nav.getByRole('link', { name: 'Models' }).getAttribute('aria-current')).toBe('page');
    await shot(page, '21-models');
  });

  test("the inbox: a lead sees the whole team's moments, reassigns one, completes one and finds it with its notes under Completed", async () => {
    await page.goto(`${baseUrl}/moments`);
    await page
      .getByRole('textbox', { name: 'Whose moments' })
      .or(page.getByRole('combobox', { name: 'Whose moments' }))
      .click();
    await page.getByRole('option', { name: 'The whole team' }).click();
    await page.waitForURL(/member=team/);
    await page.getByRole('tab', { name: 'Upcoming', exact: false }).click();
    const cards = page.getByTestId('moment-card');
    await cards.first().waitFor();
    // Reassign the first one to another member: the card then names them as its assignee.
    const target = (await cards.first().textContent())?.includes('Morgan Manager') ? 'Casey Csm' : 'Morgan Manager';
    const reassign = cards.first().getByRole('button', { name: /^Reassign / });
    const label = (await reassign.getAttribute('aria-label'))?.replace(/^Reassign /, '') ?? '';
    await reassign.click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByRole('textbox', { name: 'To' })
      .or(dialog.getByRole('combobox', { name: 'To' }))
      .click();
    await page.getByRole('option', { name: target }).click();
    await dialog.getByRole('button', { name: 'Reassign' }).click();
    await dialog.waitFor({ state: 'detached' });
    await eventually(() =>
      page
        .getByTestId('moment-card')
        .filter({ has: page.getByRole('button', { name: `Complete ${label}` }) })
        .first()
        .textContent(),
    ).toContain(target);
    // Complete it with notes; it moves to Completed with them.
    await page
      .getByRole('button', { name: `Complete ${label}` })
      .first()
      .click();
    await page.getByRole('dialog').getByRole('textbox', { name: 'Notes' }).fill('Walked through the plan with the sponsor');
    await page.getByRole('dialog').getByRole('button', { name: 'Mark done' }).click();
    await page.getByRole('tab', { name: /^Completed/ }).click();
    await eventually(() => page.getByTestId('moment-card').first().textContent()).toContain('Walked through the plan with the sponsor');
    await shot(page, '20b-inbox-completed');
  });

  test('a member creates an ad-hoc task on an account, finds it in the inbox as a task and completes it', async () => {
    await page.goto(`${baseUrl}/moments`);
    await page.getByRole('heading', { level: 1, name: 'My moments' }).waitFor();
    await page.getByRole('button', { name: 'New task' }).click();
    const dialog = page.getByRole('dialog', { name: 'New task' });
    await dialog
      .getByRole('textbox', { name: 'Account' })
      .or(dialog.getByRole('combobox', { name: 'Account' }))
      .fill('Account 01');
    await page.getByRole('option', { name: 'Account 01 Software Co' }).click();
    await dialog.getByRole('textbox', { name: 'Task' }).fill('Send the security questionnaire');
    const due = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    await dialog.getByLabel('Due').fill(due);
    await shot(page, '20c-new-task');
    await dialog.getByRole('button', { name: 'Create task' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.goto(`${baseUrl}/moments?view=due`);
    const card = page.getByTestId('moment-card').filter({ hasText: 'Send the security questionnaire' });
    await eventually(() => card.count()).toBe(1);
    expect(await card.textContent()).toContain('task');
    await card.getByRole('button', { name: /^Complete / }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Mark done' }).click();
    await page.getByRole('tab', { name: /^Completed/ }).click();
    await eventually(() => page.getByTestId('moment-card').filter({ hasText: 'Send the security questionnaire' }).count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  test('creates a segment with the condition builder and lists its accounts', async () => {
    await page.goto(`${baseUrl}/segments`);
    await page.getByRole('button', { name: 'New segment' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('High touch EMEA');
    // A new segment starts without a condition (every account); an added one left empty is refused in the form's words.
    await eventually(() => dialog.getByTestId('live-count').textContent()).toBe(`${ACCOUNTS} accounts match now`);
    await dialog.getByRole('button', { name: 'Add condition' }).click();
    await dialog.getByRole('button', { name: 'Create segment' }).click();
    await eventually(() => dialog.getByRole('alert').textContent()).toContain('Condition 1, value: needs a value');
    const region = dialog.getByRole('combobox', { name: 'Condition 1: value' }).or(dialog.getByRole('textbox', { name: 'Condition 1: value' }));
    await region.fill('EMEA');
    await page.keyboard.press('Enter');
    // An OR group: here a single group, so it must hold (touch model high).
    await dialog.getByRole('button', { name: 'Add an OR group' }).click();
    await dialog
      .getByRole('combobox', { name: 'Group 1, condition 1: field' })
      .or(dialog.getByRole('textbox', { name: 'Group 1, condition 1: field' }))
      .click();
    await page.getByRole('option', { name: 'Touch model' }).click();
    await dialog.getByRole('combobox', { name: 'Group 1, condition 1: value' }).click();
    await page.getByRole('option', { name: 'High' }).click();
    await dialog.getByRole('textbox', { name: 'Name' }).click();
    const expected = Array.from({ length: ACCOUNTS }, (_, i) => i).filter(
      (i) => touchModels[i % 3] === 'high' && regions[i % regions.length] === 'EMEA',
    ).length;
    await eventually(() => dialog.getByTestId('live-count').textContent()).toBe(`${expected} accounts match now`);
    await shot(page, '09-segment-editor');
    await dialog.getByRole('button', { name: 'Create segment' }).click();
    const row = page.getByTestId('segment-row').filter({ hasText: 'High touch EMEA' });
    await eventually(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain(String(expected));
    await shot(page, '10-segments');
    await row.getByRole('link', { name: 'View accounts' }).click();
    await page.waitForURL(/\/accounts\?segment=/);
    await eventually(() => totalText(page)).toBe(`${expected} accounts`);
    // The segment picker shows the segment the link chose.
    expect(
      await page
        .getByRole('textbox', { name: 'Segment' })
        .or(page.getByRole('combobox', { name: 'Segment' }))
        .inputValue(),
    ).toContain('High touch EMEA');

    // Rename it, then delete it (with a confirmation).
    await page.goBack();
    await page.getByRole('button', { name: 'More actions for High touch EMEA' }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    const editor = page.getByRole('dialog');
    await editor.getByRole('textbox', { name: 'Name' }).fill('Strategic EMEA');
    await editor.getByRole('button', { name: 'Save segment' }).click();
    await eventually(() => page.getByTestId('segment-row').filter({ hasText: 'Strategic EMEA' }).count()).toBe(1);
    await page.getByRole('button', { name: 'More actions for Strategic EMEA' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete segment' }).click();
    await eventually(() => page.getByTestId('segment-row').count()).toBe(0);
  });

  test('an admin adds a member, creates an API key (secret shown once) and a custom field', async () => {
    await page.goto(`${baseUrl}/settings`);
    await page.waitForURL(/\/settings\/members$/);
    await page.getByRole('button', { name: 'Add member' }).click();
    let dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Email' }).fill('riley@vendor.test');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Riley Marketer');
    await dialog.getByRole('checkbox', { name: 'Marketing' }).check();
    await dialog.getByRole('checkbox', { name: 'CSM' }).uncheck();
    // Too short: the API's field error shows under the input.
    await dialog.getByRole('textbox', { name: 'Initial password' }).fill('short');
    await dialog.getByRole('button', { name: 'Add member' }).click();
    await dialog.getByText('must be at least 10 characters').waitFor();
    await shot(page, '16-member-field-error');
    await dialog.getByRole('textbox', { name: 'Initial password' }).fill('a long enough password');
    await dialog.getByRole('button', { name: 'Add member' }).click();
    await eventually(() => page.getByTestId('member-row').filter({ hasText: 'Riley Marketer' }).count()).toBe(1);

    await page.getByRole('tab', { name: 'API keys' }).click();
    await page.waitForURL(/\/settings\/api-keys$/);
    await page.getByRole('button', { name: 'New API key' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Segment production');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const secret = await dialog.getByTestId('api-key-secret').textContent();
    expect(secret?.length).toBeGreaterThan(20);
    await shot(page, '17-api-key-secret');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await eventually(() => page.getByRole('table', { name: 'API keys' }).textContent()).toContain('Segment production');
    expect(await page.getByRole('table', { name: 'API keys' }).textContent()).not.toContain(secret ?? '-');

    await page.getByRole('tab', { name: 'Custom fields' }).click();
    await page.getByRole('button', { name: 'New field' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Label' }).fill('Support plan');
    expect(await dialog.getByRole('textbox', { name: 'Key' }).inputValue()).toBe('support_plan');
    await dialog.getByRole('button', { name: 'Create field' }).click();
    await eventually(() => page.getByRole('table', { name: 'Custom fields' }).textContent()).toContain('support_plan');
    await shot(page, '18-custom-fields');
    // Its label changes later (the key stays).
    await page.getByRole('button', { name: 'Edit Support plan' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Label' }).fill('Support tier');
    await dialog.getByRole('button', { name: 'Save field' }).click();
    await eventually(() => page.getByRole('table', { name: 'Custom fields' }).textContent()).toContain('Support tier');
    expect(await page.getByRole('table', { name: 'Custom fields' }).textContent()).toContain('support_plan');
  });

  test('an admin sees the system status and is told to back up until a backup is recorded', async () => {
    await page.goto(`${baseUrl}/settings/system`);
    await page.getByText('No backup recorded yet').waitFor();
    expect(await page.getByText('npx momentum backup').count()).toBe(1);
    expect(await page.getByText('Embedded (PGlite)').count()).toBe(1);
    await recordBackup(database.db, systemClock, {
      file: '/backups/momentum-e2e.momentum-backup',
      rows: 12345,
      bytes: 3 * 1024 * 1024,
      schema: '0010_webhooks',
    });
    await page.reload();
    await page.getByText('Backed up today').waitFor();
    expect(await page.getByRole('table', { name: 'Backups' }).textContent()).toContain('/backups/momentum-e2e.momentum-backup');
    await shot(page, '18b-system');
  });

  test('a member without the admin role sees no admin actions', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await context.newPage();
    p.on('pageerror', (error) => pageErrors.push(error));
    try {
      await signIn(p, csmEmail, TEST_PASSWORD);
      await p.waitForURL(/\/home$/);
      // Not a lead: no team view on the home page.
      await p.getByRole('heading', { level: 2, name: 'Renewals in the next 90 days' }).waitFor();
      expect(await p.getByRole('heading', { level: 2, name: "The team's open moments" }).count()).toBe(0);
      await p.goto(`${baseUrl}/settings/members`);
      await p.getByText('Only workspace admins can add members or change their roles.').waitFor();
      expect(await p.getByRole('button', { name: 'Add member' }).count()).toBe(0);
      await p.getByRole('tab', { name: 'API keys' }).click();
      await p.getByText('Only workspace admins can see and manage API keys.').waitFor();
      expect(await p.getByRole('button', { name: 'New API key' }).count()).toBe(0);
      await p.getByRole('tab', { name: 'Custom fields' }).click();
      await eventually(() => p.getByRole('table', { name: 'Custom fields' }).textContent()).toContain('support_plan');
      expect(await p.getByRole('button', { name: 'New field' }).count()).toBe(0);
      await shot(p, '18b-non-admin-settings', false);
      // A CSM still edits accounts.
      await p.goto(`${baseUrl}/accounts`);
      await p.getByRole('link', { name: 'Account 02 Manufacturing Co' }).click();
      await p.getByRole('button', { name: 'Edit profile' }).waitFor();
    } finally {
      await context.close();
    }
  });

  test('the account page works at tablet width (768x1024)', async () => {
    const tablet = await browser.newContext({ viewport: { width: 768, height: 1024 }, storageState: await desktop.storageState() });
    const p = await tablet.newPage();
    p.on('pageerror', (error) => pageErrors.push(error));
    try {
      await p.goto(`${baseUrl}/accounts`);
      await eventually(() => totalText(p)).toBe(`${ACCOUNTS} accounts`);
      await shot(p, '11-tablet-accounts', false);
      await p.getByRole('link', { name: 'Account 02 Manufacturing Co' }).click();
      await p.getByRole('heading', { level: 1, name: 'Account 02 Manufacturing Co' }).waitFor();
      await p.getByRole('tab', { name: 'Contracts' }).click();
      await p.getByTestId('contract').first().waitFor();
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
      await shot(p, '12-tablet-account-contracts', false);
    } finally {
      await tablet.close();
    }
  });

  test('the accounts list works at phone width (375x812)', async () => {
    const { context: phone, p } = await phonePage(375, 812);
    try {
      await p.goto(`${baseUrl}/home`);
      await p.getByRole('heading', { level: 2, name: 'Renewals in the next 90 days' }).waitFor();
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await shot(p, '13a-phone-home', false);
      await p.goto(`${baseUrl}/accounts`);
      await eventually(() => totalText(p)).toBe(`${ACCOUNTS} accounts`);
      // Cards instead of a table, and no horizontal scrolling of the page.
      expect(await p.getByTestId('account-card').count()).toBe(25);
      expect(await p.getByTestId('account-row').count()).toBe(0);
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await shot(p, '13-phone-accounts', false);
      await p.getByRole('link', { name: 'Account 03 Healthcare Co' }).click();
      await p.getByRole('heading', { level: 1, name: 'Account 03 Healthcare Co' }).waitFor();
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await shot(p, '13b-phone-account', false);
      await p.goBack();
      // The navigation is behind the burger.
      await p.getByRole('button', { name: 'Open navigation' }).click();
      await p.getByRole('link', { name: 'Segments' }).click();
      await p.getByRole('heading', { level: 1, name: 'Segments' }).waitFor();
      // The menu closes after navigating (wait out its slide).
      await p.getByRole('button', { name: 'Open navigation' }).waitFor();
      await p.waitForTimeout(400);
      await shot(p, '14-phone-segments', false);
    } finally {
      await phone.close();
    }
  });

  test('renews a contract and adds seats in the console; the timeline shows Contract Renewed and Contract Expanded', async () => {
    await page.goto(`${baseUrl}/accounts?q=Account%2002`);
    await page.getByRole('link', { name: 'Account 02 Manufacturing Co' }).click();
    await page.getByRole('tab', { name: 'Contracts' }).click();
    await page.getByRole('button', { name: 'Edit Subscription 02' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Renew for a year' }).click();
    expect(await dialog.getByLabel('End').inputValue()).toBe('2027-12-31');
    await dialog.getByLabel('Quantity of line 1').fill('20');
    await eventually(() => dialog.getByTestId('contract-arr-preview').textContent()).toContain('(was');
    await shot(page, '26-contract-edit');
    await dialog.getByRole('button', { name: 'Save contract' }).click();
    await dialog.waitFor({ state: 'detached' });
    await eventually(() => page.getByTestId('contract').first().textContent()).toContain('31 Dec 2027');
    await page.getByRole('tab', { name: 'Timeline' }).click();
    const timeline = page.getByRole('tabpanel');
    await eventually(() => timeline.textContent()).toContain('Contract Subscription 02 renewed to 2027-12-31');
    expect(await timeline.textContent()).toContain('Contract Expanded');
    expect(await timeline.textContent()).toContain('Renewal Date Changed');

    // A new contract for the same account: an add-on that expands it.
    await page.getByRole('tab', { name: 'Contracts' }).click();
    await page.getByRole('button', { name: 'New contract' }).click();
    const create = page.getByRole('dialog');
    await create.getByLabel('Name').fill('Add-on 02');
    await create.getByLabel('Offering of line 1').fill('Analytics');
    await create.getByLabel('Quantity of line 1').fill('5');
    await create.getByLabel('Unit price of line 1').fill('100');
    await create.getByRole('button', { name: 'Add contract' }).click();
    await create.waitFor({ state: 'detached' });
    await eventually(() => page.getByRole('tabpanel').textContent()).toContain('Add-on 02');
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await eventually(() => page.getByRole('tabpanel').textContent()).toContain('Contract Add-on 02 expanded');
  });

  test('records and publishes a release, marks a sponsor as left, and the account timeline shows both', async () => {
    await page.goto(`${baseUrl}/accounts`);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Releases' }).click();
    await page.getByRole('heading', { level: 1, name: 'Releases' }).waitFor();
    await page.getByText('No releases yet').waitFor();
    await page.getByRole('button', { name: 'New release' }).click();
    const form = page.getByRole('dialog');
    await form.getByRole('button', { name: 'Save as draft' }).click();
    // Nothing picked: the API names the fields.
    await form.getByText('name at least one offering').waitFor();
    await form.getByLabel('Name').fill('Platform 3.0');
    await form.getByLabel('Offerings it affects').fill('Platform');
    await form.getByLabel('Offerings it affects').press('Enter');
    await form.getByLabel('Release notes link').fill('https://vendor.example/platform-3');
    await form.getByRole('button', { name: 'Save as draft' }).click();
    await form.waitFor({ state: 'detached' });
    const row = page.getByTestId('release-row').filter({ hasText: 'Platform 3.0' });
    await eventually(() => row.textContent()).toContain('Draft');
    expect(await row.textContent()).toContain(String(ACCOUNTS));
    await row.getByRole('button', { name: 'Publish' }).click();
    const confirm = page.getByRole('dialog', { name: 'Publish Platform 3.0?' });
    await eventually(() => confirm.textContent()).toContain(`${ACCOUNTS} accounts owning Platform`);
    await shot(page, '22-release-publish-confirm');
    await confirm.getByRole('button', { name: 'Publish' }).click();
    await page.getByText(`Product Released recorded on ${ACCOUNTS} accounts`).waitFor();
    await eventually(() => row.textContent()).toContain('Published');
    expect(await row.getByRole('button', { name: 'Publish' }).count()).toBe(0);
    await shot(page, '23-releases');

    await page.goto(`${baseUrl}/accounts?q=Account%2001`);
    await page.getByRole('link', { name: 'Account 01 Software Co' }).click();
    await page.getByRole('tab', { name: 'Contacts' }).click();
    await page.getByRole('button', { name: 'Edit Pat Sponsor' }).click();
    const contact = page.getByRole('dialog');
    await contact.getByRole('checkbox', { name: 'Has left the company' }).check();
    await contact.getByRole('button', { name: 'Save contact' }).click();
    await contact.waitFor({ state: 'detached' });
    await eventually(() => page.getByRole('tabpanel').textContent()).toContain('Left');
    await page.getByRole('tab', { name: 'Timeline' }).click();
    const timeline = page.getByRole('tabpanel');
    await eventually(() => timeline.textContent()).toContain('Executive sponsor removed: Pat Sponsor (left)');
    expect(await timeline.textContent()).toContain('Sponsor Missing');
    expect(await timeline.textContent()).toContain('Product release Platform 3.0 (Platform)');
    expect(await timeline.getByText('Recorded by Momentum').count()).toBeGreaterThanOrEqual(3);
    await shot(page, '24-timeline-recorded-by-momentum');

    // A new sponsor added in the console, then deleted after a confirmation.
    await page.getByRole('tab', { name: 'Contacts' }).click();
    await page.getByRole('button', { name: 'Add contact' }).click();
    const create = page.getByRole('dialog');
    await create.getByLabel('Name').fill('Quinn Sponsor');
    await create.getByLabel('Email').fill('quinn@account-01.example');
    await create.getByRole('combobox', { name: 'Persona' }).click();
    await page.getByRole('option', { name: 'Executive sponsor' }).click();
    await create.getByRole('button', { name: 'Add contact' }).click();
    await create.waitFor({ state: 'detached' });
    await eventually(() => page.getByRole('tabpanel').textContent()).toContain('Quinn Sponsor');
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await eventually(() => page.getByRole('tabpanel').textContent()).toContain('Executive sponsor added: Quinn Sponsor');
    await page.getByRole('tab', { name: 'Contacts' }).click();
    await page.getByRole('button', { name: 'Delete Quinn Sponsor' }).click();
    await page.getByRole('dialog', { name: 'Delete Quinn Sponsor?' }).getByRole('button', { name: 'Delete contact' }).click();
    await eventually(() => page.getByRole('tabpanel').textContent()).not.toContain('Quinn Sponsor');

    const { context: phone, p } = await phonePage(390, 844);
    try {
      await p.goto(`${baseUrl}/releases`);
      await eventually(() => p.getByTestId('release-card').count()).toBe(1);
      expect(await p.getByTestId('release-row').count()).toBe(0);
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(p, '25-phone-releases', false);
    } finally {
      await phone.close();
    }
  });

  test('an expired session sends the member to sign in, then back to the page they were on', async () => {
    await database.db
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 60_000) })
      .execute();
    await page.goto(`${baseUrl}/segments`);
    await page.waitForURL(/\/sign-in$/);
    await page.getByText('Your session has expired').waitFor();
    await shot(page, '15-session-expired');
    await page.getByLabel('Email').fill(adminEmail);
    await page.getByRole('textbox', { name: 'Password' }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/segments$/);
    await page.getByRole('heading', { level: 1, name: 'Segments' }).waitFor();
  });

  test('serves the console compressed, its hashed assets cached for good and its shell revalidated', async () => {
    const shell = await fetch(`${baseUrl}/accounts`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(shell.headers.get('cache-control')).toBe('no-cache');
    const html = await shell.text();
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeTruthy();
    const asset = await fetch(`${baseUrl}${script}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // The API's answers are not compressed (nor is the CLI's streamed output).
    expect((await fetch(`${baseUrl}/healthz`, { headers: { 'accept-encoding': 'br, gzip' } })).headers.get('content-encoding')).toBeNull();
  });

  test('no page threw an uncaught error', () => {
    expect(pageErrors.map((e) => e.message)).toEqual([]);
  });
});
