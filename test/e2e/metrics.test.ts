// Metrics in the console, end to end in Chromium against the real server: events arrive through the ingestion API with
// an ingest key; an admin defines a metric on the Metrics page, is warned (not refused) about an event name never
// seen, sees the preview on the real events, finds the metric charted on the account's Activity tab over 7, 28 and 90
// days next to the events in words with the contact who did them (on a phone too), and deletes it after confirming.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/lib/clock.ts';
import { findAccountIdByExternalId } from '../../src/modules/accounts/accounts.ts';
import { createTestKey } from '../factories.ts';
import { type ConsoleSession, openConsoleSession, shots } from './console-session.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

let session: ConsoleSession;
let page: Page;
let baseUrl: string;

/** Polls until the page catches up: the embedded database answers the page's queries one at a time. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });

async function shot(name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  session = await openConsoleSession('metrics');
  ({ page, baseUrl } = session);
});

afterAll(async () => {
  await session?.close();
});

/** Sends a Segment batch with an ingest key, as a product's pipeline would. */
async function sendBatch(secret: string, batch: Record<string, unknown>[]) {
  const response = await fetch(`${baseUrl}/v1/batch`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${secret}:`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ batch }),
  });
  expect(response.status).toBe(200);
  const result = (await response.json()) as { stored: number; dropped: number };
  expect(result.dropped).toBe(0);
}

describe('metrics in the console', () => {
  test('an admin defines a metric with a live preview, sees it charted on the account with who did each event, and deletes it', async () => {
    const { ws, database } = session;
    const secret = await createTestKey(database.db, systemClock, ws, ['ingest']);
    const ago = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
    await sendBatch(secret, [
      { type: 'identify', userId: 'grace', traits: { name: 'Grace Hopper', email: 'grace@acme.test' } },
      { type: 'group', userId: 'grace', groupId: 'acme', traits: { name: 'Acme Corp' } },
      { type: 'identify', userId: 'alan', traits: { name: 'Alan Turing', email: 'alan@acme.test' } },
      { type: 'group', userId: 'alan', groupId: 'acme' },
    ]);
    // Meetings: 3 in the last 7 days, 4 in 28, 5 in 90.
    await sendBatch(secret, [
      { type: 'track', userId: 'grace', event: 'meeting_held', timestamp: ago(0) },
      { type: 'track', userId: 'alan', event: 'meeting_held', timestamp: ago(1) },
      { type: 'track', userId: 'grace', event: 'meeting_held', timestamp: ago(3) },
      { type: 'track', userId: 'grace', event: 'meeting_held', timestamp: ago(20) },
      { type: 'track', userId: 'alan', event: 'meeting_held', timestamp: ago(60) },
    ]);
    const accountId = await findAccountIdByExternalId(database.db, ws.workspaceId, 'acme');
    expect(accountId).toBeTruthy();

    // Before any metric, the Activity tab sends admins to the Metrics page.
    await page.goto(`${baseUrl}/accounts/${accountId}?tab=activity`);
    await page.getByRole('link', { name: 'Metrics page' }).click();
    await page.waitForURL(/\/settings\/metrics$/);

    await page.getByRole('button', { name: 'New metric' }).click();
    const dialog = page.getByRole('dialog', { name: 'New metric' });
    await dialog.getByRole('textbox', { name: 'Label' }).fill('Meetings held');
    expect(await dialog.getByRole('textbox', { name: 'Key' }).inputValue()).toBe('meetings_held');
    await dialog.getByRole('radio', { name: 'How many times it happened' }).check();
    // The event as a person might type it: never seen, so a warning at the field (naming the real one), not an error.
    const event = dialog.getByLabel(/^Event/);
    await event.fill('Meeting Held');
    const warning = dialog.getByTestId('event-warnings');
    await eventually(() => warning.textContent()).toContain('No event named "Meeting Held" has been seen in this workspace yet');
    expect(await warning.textContent()).toContain('Did you mean "meeting_held"?');
    await eventually(() => dialog.getByTestId('preview-headline').textContent()).toBe('0 events in the last 28 days');
    await shot('metrics-never-seen-warning');

    // The event the product sends, suggested from the events seen.
    await event.fill('meeting');
    await page.getByRole('option', { name: 'meeting_held' }).click();
    expect(await event.inputValue()).toBe('meeting_held');
    await eventually(() => dialog.getByTestId('preview-headline').textContent()).toBe('4 events in the last 28 days');
    await eventually(() => warning.count()).toBe(0);
    const preview = dialog.getByTestId('metric-preview');
    expect(await preview.textContent()).toContain('1 account with a value');
    expect(await preview.getByRole('table', { name: 'Top accounts' }).textContent()).toContain('Acme Corp');
    await preview.getByText('90 days').click();
    await eventually(() => dialog.getByTestId('preview-headline').textContent()).toBe('5 events in the last 90 days');
    await expect
      .poll(() => preview.getByRole('img').getAttribute('aria-label'))
      .toMatch(/^Preview of all accounts: daily values over the last 90 days \(events per day, .*\), 5 in all$/);
    await shot('metrics-preview');

    await dialog.getByRole('button', { name: 'Create metric' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByRole('table', { name: 'Metrics' }).getByRole('row').filter({ hasText: 'Meetings held' });
    await eventually(() => row.textContent()).toContain('meetings_held');

    // The account's Activity tab charts it, and shows the events in words with the contact who did them.
    await page.goto(`${baseUrl}/accounts/${accountId}?tab=activity`);
    const card = page.getByTestId('metric-meetings_held');
    await eventually(() => card.textContent()).toContain('Meetings held');
    expect(await card.getByTestId('metric-value').textContent()).toBe('4');
    const period = page.getByRole('radiogroup', { name: 'Metric period' });
    await period.getByText('7 days').click();
    await eventually(() => card.getByTestId('metric-value').textContent()).toBe('3');
    expect(await card.getByRole('img').getAttribute('aria-label')).toMatch(/^Meetings held: daily values over the last 7 days \(events per day/);
    await period.getByText('90 days').click();
    await eventually(() => card.getByTestId('metric-value').textContent()).toBe('5');
    const events = page.getByRole('table', { name: 'Events' });
    const meeting = events.getByRole('row').filter({ hasText: 'Meeting held' });
    await eventually(() => meeting.count()).toBe(5);
    expect(await events.textContent()).not.toContain('meeting_held');
    expect(await meeting.first().textContent()).toContain('Grace Hopper');
    expect(await meeting.nth(1).textContent()).toContain('Alan Turing');
    const grace = meeting.first().getByRole('button', { name: 'Grace Hopper: contact details' });
    await grace.click();
    const details = page.getByRole('dialog').filter({ hasText: 'grace@acme.test' });
    await details.waitFor();
    await shot('metrics-account-activity');
    // The full-page screenshot may have closed the popover (it resizes the page): open it again if so.
    if (!(await details.isVisible())) await grace.click();
    await details.getByRole('link', { name: 'All contacts of the account' }).click();
    await page.waitForURL(/tab=contacts/);

    // On a phone the charts and the events fit the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${baseUrl}/accounts/${accountId}?tab=activity`);
    await eventually(() => page.getByTestId('metric-meetings_held').textContent()).toContain('Meetings held');
    await page.getByRole('radiogroup', { name: 'Metric period' }).getByText('28 days').click();
    await eventually(() => page.getByRole('button', { name: 'Grace Hopper: contact details' }).count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await shot('metrics-account-activity-phone');
    await page.setViewportSize({ width: 1366, height: 900 });

    // Deleting asks first.
    await page.goto(`${baseUrl}/settings/metrics`);
    await page.getByRole('button', { name: 'Delete Meetings held' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete metric?' });
    expect(await confirm.textContent()).toContain('meetings_held');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await row.count()).toBe(1);
    await page.getByRole('button', { name: 'Delete Meetings held' }).click();
    await page.getByRole('dialog', { name: 'Delete metric?' }).getByRole('button', { name: 'Delete metric' }).click();
    await eventually(() => page.getByText('No metrics yet.').count()).toBe(1);
    const left = await database.db.selectFrom('metric_definitions').select('id').where('workspace_id', '=', ws.workspaceId).execute();
    expect(left).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});
