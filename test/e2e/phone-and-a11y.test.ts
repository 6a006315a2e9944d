// The console on a phone (390x844: every page fits the screen, tables become cards or keep their key columns, the
// account's tabs and the journey map scroll sideways inside themselves) and its accessibility, checked with axe-core
// on the home, accounts, account and inbox pages at desktop and phone widths.
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ConsoleSession, openConsoleSession, shots } from './console-session.ts';
import { type SeededWorkspace, seedWorkspace } from './seed-workspace.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 900 };

let session: ConsoleSession;
let seeded: SeededWorkspace;
let phone: BrowserContext;
let p: Page;

const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });
const shot = (page: Page, name: string, fullPage = true) => page.screenshot({ path: join(shots, `${name}.png`), fullPage });

/**
 * How far the page scrolls sideways, and the elements sticking out of the screen that no scrolling box of their own
 * holds: the failure message names them.
 */
async function sideways(page: Page): Promise<{ scrollWidth: number; innerWidth: number; offenders: string[] }> {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    const clipped = (el: Element): boolean => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const overflowX = getComputedStyle(a).overflowX;
        if (overflowX !== 'visible') return true;
      }
      return false;
    };
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.getAttribute('data-testid') ? `[data-testid=${el.getAttribute('data-testid')}]` : ''}${
        typeof el.className === 'string' && el.className ? `.${el.className.split(' ').slice(0, 2).join('.')}` : ''
      } "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    const offenders = [...document.querySelectorAll('body *')]
      .filter((el) => {
        const rect = el.getBoundingClientRect();
        return rect.width > 0 && rect.right > window.innerWidth + 1 && !clipped(el);
      })
      .slice(0, 8)
      .map(name);
    return { scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, offenders };
  });
}

/** The page does not scroll sideways: document.scrollingElement is no wider than the window. */
async function expectNoSidewaysScroll(page: Page, where: string) {
  const { scrollWidth, innerWidth, offenders } = await sideways(page);
  expect(scrollWidth, `${where} scrolls sideways (${scrollWidth}px in ${innerWidth}px); sticking out: ${offenders.join('; ')}`).toBeLessThanOrEqual(innerWidth);
}

/**
 * The serious and critical axe-core violations of the page as it is now: each rule with the elements it failed on
 * (the first few) and why, for the failure message.
 */
async function seriousViolations(page: Page, where: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => {
      const nodes = v.nodes.slice(0, 6).map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n')[1]?.trim() ?? ''}`);
      const more = v.nodes.length > 6 ? `\n    …and ${v.nodes.length - 6} more` : '';
      return `${where}: ${v.id} (${v.impact}): ${v.help}\n    ${nodes.join('\n    ')}${more}`;
    });
}

async function openAccount(page: Page, tab?: string) {
  await page.goto(`${session.baseUrl}/accounts/${seeded.richAccount.id}${tab ? `?tab=${tab}` : ''}`);
  await page.getByRole('heading', { level: 1, name: seeded.richAccount.name }).waitFor();
}

/** Waits for the content of each of the account's tabs. */
const tabReady: Record<string, (page: Page) => Promise<void>> = {
  profile: (page) => page.getByRole('heading', { level: 2, name: 'Profile data' }).waitFor(),
  activity: (page) => page.getByRole('tabpanel').getByText('Emails opened').first().waitFor(),
  moments: (page) => page.getByRole('tabpanel').getByText('Kickoff meeting').first().waitFor(),
  team: (page) => page.getByTestId('team-csm').getByText('Ada Admin').waitFor(),
  contacts: (page) => page.getByRole('tabpanel').getByText('Pat Sponsor').first().waitFor(),
  contracts: (page) => page.getByTestId('contract').first().waitFor(),
  timeline: (page) => page.getByRole('tabpanel').getByText('Product update 1 opened').waitFor(),
};
const tabNames: Record<string, string> = {
  profile: 'Profile',
  activity: 'Activity',
  moments: 'Moments',
  team: 'Team',
  contacts: 'Contacts',
  contracts: 'Contracts',
  timeline: 'Timeline',
};

beforeAll(async () => {
  session = await openConsoleSession('phone-a11y');
  seeded = await seedWorkspace(session.database.db, session.ws);
  const browser = session.page.context().browser();
  if (!browser) throw new Error('the session has no browser');
  phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, storageState: await session.page.context().storageState() });
  p = await phone.newPage();
  p.on('pageerror', (error) => session.pageErrors.push(error));
});

afterAll(async () => {
  await phone?.close();
  await session?.close();
});

describe('the console on a phone (390x844)', () => {
  test('the home page stacks its widgets and its charts fit the screen', async () => {
    await p.goto(`${session.baseUrl}/home`);
    await p.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await p.getByRole('heading', { level: 2, name: 'Renewals in the next 90 days' }).waitFor();
    for (const stat of ['Overdue', 'Due this week', 'Escalated', 'Open in all']) await p.getByRole('link', { name: new RegExp(`^${stat}: \\d+$`) }).waitFor();
    await p.getByRole('table', { name: 'My renewals' }).waitFor();
    await eventually(() => p.locator('.recharts-surface').count()).toBeGreaterThanOrEqual(2);
    // Every chart is drawn within the screen.
    const charts = await p.locator('.recharts-surface').evaluateAll((svgs) => svgs.map((svg) => svg.getBoundingClientRect().right));
    for (const right of charts) expect(right).toBeLessThanOrEqual(PHONE.width);
    // The renewals table keeps its key columns without scrolling inside.
    const renewals = p.getByRole('table', { name: 'My renewals' });
    expect(await renewals.evaluate((t) => t.getBoundingClientRect().right)).toBeLessThanOrEqual(PHONE.width);
    await expectNoSidewaysScroll(p, 'the home page');
    await shot(p, 'phone-01-home');
  });

  test('the accounts list is a list of cards', async () => {
    await p.goto(`${session.baseUrl}/accounts`);
    await eventually(() => p.getByTestId('account-card').count()).toBe(seeded.accountCount);
    expect(await p.getByTestId('account-row').count()).toBe(0);
    await expectNoSidewaysScroll(p, 'the accounts list');
    await shot(p, 'phone-02-accounts');
  });

  test('the account page: its tabs scroll sideways and every tab fits the screen', async () => {
    await openAccount(p);
    const tabList = p.getByRole('tablist');
    // Seven tabs do not fit a phone: the strip scrolls inside itself, the page does not.
    const strip = await tabList.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, overflowX: getComputedStyle(el).overflowX }));
    expect(strip.scrollWidth).toBeGreaterThan(strip.clientWidth);
    expect(['auto', 'scroll']).toContain(strip.overflowX);
    await expectNoSidewaysScroll(p, 'the account page');
    await shot(p, 'phone-03-account-profile');
    for (const tab of Object.keys(tabNames)) {
      const tabButton = p.getByRole('tab', { name: tabNames[tab] });
      await tabButton.click();
      await eventually(() => tabButton.getAttribute('aria-selected')).toBe('true');
      // The chosen tab is scrolled into view within the strip.
      const box = await tabButton.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= PHONE.width + 1, `the ${tab} tab is on screen`).toBe(true);
      await tabReady[tab]?.(p);
      await expectNoSidewaysScroll(p, `the account's ${tab} tab`);
      if (tab !== 'profile') await shot(p, `phone-03-account-${tab}`);
    }
  });

  test("the account's contacts are cards and its contracts keep their key columns", async () => {
    await openAccount(p, 'contacts');
    await eventually(() => p.getByTestId('contact-card').count()).toBe(3);
    expect(await p.getByRole('table', { name: 'Contacts' }).count()).toBe(0);
    const pat = p.getByTestId('contact-card').filter({ hasText: 'Pat Sponsor' });
    expect(await pat.textContent()).toContain('Chief Technology Officer');
    expect(await pat.getByRole('link', { name: 'pat.sponsor@account-01.example' }).isVisible()).toBe(true);
    expect(await pat.getByRole('button', { name: 'Edit Pat Sponsor' }).isVisible()).toBe(true);
    await expectNoSidewaysScroll(p, 'the contacts');

    await p.getByRole('tab', { name: 'Contracts' }).click();
    const bill = p.getByRole('table', { name: 'Bill of materials of Subscription 01' });
    await bill.waitFor();
    // Offering, quantity and total stay; the secondary columns go.
    for (const column of ['Offering', 'Quantity', 'Total']) expect(await bill.getByRole('columnheader', { name: column }).isVisible()).toBe(true);
    expect(await bill.getByRole('columnheader', { name: 'Renewable' }).isVisible()).toBe(false);
    expect(await bill.evaluate((t) => t.getBoundingClientRect().right)).toBeLessThanOrEqual(PHONE.width);
    await expectNoSidewaysScroll(p, 'the contracts');
  });

  test('the inbox is a list of cards with their actions on screen', async () => {
    await p.goto(`${session.baseUrl}/moments`);
    await p.getByRole('heading', { level: 1, name: 'My moments' }).waitFor();
    await eventually(() => p.getByTestId('moment-card').count()).toBeGreaterThan(0);
    const first = p.getByTestId('moment-card').first();
    const complete = first.getByRole('button', { name: /^Complete / });
    expect(await complete.isVisible()).toBe(true);
    const box = await complete.boundingBox();
    expect(box && box.x + box.width <= PHONE.width).toBe(true);
    await expectNoSidewaysScroll(p, 'the inbox');
    await shot(p, 'phone-04-inbox');
  });

  test('the journey map scrolls by phase, one phase a screen', async () => {
    await p.goto(`${session.baseUrl}/models/${seeded.modelId}`);
    const map = p.getByTestId('journey-map');
    await map.getByRole('heading', { level: 3, name: 'Onboarding' }).waitFor();
    const scroller = await map.evaluate((el) => ({
      snap: getComputedStyle(el).scrollSnapType,
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
      right: el.getBoundingClientRect().right,
    }));
    expect(scroller.snap).toContain('x');
    expect(scroller.scrollWidth).toBeGreaterThan(scroller.clientWidth);
    expect(scroller.right).toBeLessThanOrEqual(PHONE.width);
    // Each phase column fits the screen and snaps to its start.
    const phases = p.getByTestId('journey-phase');
    expect(await phases.count()).toBe(3);
    for (const phase of await phases.all()) {
      const { width, snap } = await phase.evaluate((el) => ({ width: el.getBoundingClientRect().width, snap: getComputedStyle(el).scrollSnapAlign }));
      expect(width).toBeLessThanOrEqual(scroller.clientWidth);
      expect(snap).toContain('start');
    }
    // Swiping to the next phase brings it into view.
    await map.evaluate((el) => el.scrollBy({ left: el.clientWidth, behavior: 'instant' }));
    await eventually(async () => {
      const box = await phases.nth(1).boundingBox();
      return box !== null && box.x >= 0 && box.x + box.width <= PHONE.width;
    }).toBe(true);
    await expectNoSidewaysScroll(p, 'the journey map');
    // The screen as it is (a full-page shot resizes the window, which moves the map's snapped position).
    await map.scrollIntoViewIfNeeded();
    await shot(p, 'phone-05-journey-map', false);

    // Nine columns of responsibilities become one card per moment, every answer kept.
    await p.getByRole('tab', { name: 'Responsibilities' }).click();
    const cards = p.getByTestId('responsibility-card');
    await eventually(() => cards.count()).toBeGreaterThan(3);
    expect(await p.getByRole('table', { name: 'Responsibilities' }).count()).toBe(0);
    const kickoff = cards.filter({ hasText: 'Kickoff meeting' });
    for (const answer of ['Responsible', 'Account manager', 'Support', 'video conferencing', 'days from contract start to kickoff'])
      expect(await kickoff.textContent()).toContain(answer);
    await expectNoSidewaysScroll(p, 'the responsibilities');
    await shot(p, 'phone-06-responsibilities');
  });

  test('the segments, models and settings pages fit the screen, their tables keeping their key columns', async () => {
    // [path, heading, a table's key column] (the models list is checked for the page only)
    const pages: [string, string, string | null][] = [
      ['/segments', 'Segments', null],
      ['/models', 'Models', null],
      ['/settings/members', 'Settings', 'Roles'],
      ['/settings/api-keys', 'Settings', null],
      ['/settings/custom-fields', 'Settings', null],
      ['/settings/webhooks', 'Settings', null],
      ['/settings/system', 'Settings', null],
    ];
    const scrollingInside: string[] = [];
    for (const [path, heading, keyColumn] of pages) {
      await p.goto(`${session.baseUrl}${path}`);
      await p.getByRole('heading', { level: 1, name: heading }).waitFor();
      await p.waitForLoadState('networkidle');
      await expectNoSidewaysScroll(p, path);
      if (keyColumn) expect(await p.getByRole('columnheader', { name: keyColumn }).isVisible()).toBe(true);
      // A table with its key columns fits: no box on the page scrolls sideways without the keyboard reaching it.
      if (path !== '/models') {
        const results = await new AxeBuilder({ page: p }).withRules(['scrollable-region-focusable']).analyze();
        for (const v of results.violations) scrollingInside.push(`${path}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      }
      await shot(p, `phone-07${path.replaceAll('/', '-')}`);
    }
    expect(scrollingInside).toEqual([]);
  });
});

describe('accessibility (axe-core: no serious or critical violation)', () => {
  for (const [label, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    test(`home, accounts, account and inbox at ${label} width`, async () => {
      const page = label === 'desktop' ? session.page : p;
      await page.setViewportSize(size);
      const found: string[] = [];
      await page.goto(`${session.baseUrl}/home`);
      await page.getByRole('heading', { level: 2, name: 'Renewals in the next 90 days' }).waitFor();
      await eventually(() => page.locator('.recharts-surface').count()).toBeGreaterThanOrEqual(2);
      found.push(...(await seriousViolations(page, `the home page (${label})`)));

      await page.goto(`${session.baseUrl}/accounts`);
      await eventually(() => page.getByTestId(label === 'desktop' ? 'account-row' : 'account-card').count()).toBe(seeded.accountCount);
      found.push(...(await seriousViolations(page, `the accounts list (${label})`)));

      for (const tab of Object.keys(tabNames)) {
        await openAccount(page, tab === 'profile' ? undefined : tab);
        await tabReady[tab]?.(page);
        found.push(...(await seriousViolations(page, `the account's ${tab} tab (${label})`)));
      }

      await page.goto(`${session.baseUrl}/moments`);
      await eventually(() => page.getByTestId('moment-card').count()).toBeGreaterThan(0);
      found.push(...(await seriousViolations(page, `the inbox (${label})`)));
      expect(found, `axe-core at ${label} width`).toEqual([]);
    });
  }

  test('no page threw an uncaught error', () => {
    expect(session.pageErrors.map((e) => e.message)).toEqual([]);
  });
});
