// API keys in the console, in a real browser against the real server: an admin creates keys that expire, and the
// list shows each key's expiry and when it was last used.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ConsoleSession, openConsoleSession, shots } from './console-session.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

let session: ConsoleSession;
let database: ConsoleSession['database'];
let baseUrl: string;
let page: Page;
let pageErrors: Error[];

/** Polls until the page catches up: the embedded database answers the page's queries one at a time. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });
/** A day as the console shows it ("1 Mar 2027"), in this machine's time zone like the browser's. */
const day = (at: Date) => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' }).format(at);
const row = (name: string) => page.getByRole('table', { name: 'API keys' }).getByRole('row').filter({ hasText: name });

beforeAll(async () => {
  session = await openConsoleSession('keys');
  ({ database, baseUrl, page, pageErrors } = session);
});

afterAll(async () => {
  await session?.close();
});

async function createKey(name: string, choose: (dialog: ReturnType<Page['getByRole']>) => Promise<void>): Promise<string> {
  await page.getByRole('button', { name: 'New API key' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
  await choose(dialog);
  await dialog.getByRole('button', { name: 'Create key' }).click();
  const secret = (await dialog.getByTestId('api-key-secret').textContent()) ?? '';
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'detached' });
  return secret;
}

describe('API keys in the console', () => {
  test('an admin creates a key expiring in 90 days and one on a chosen date, and sees each expiry and last use listed', async () => {
    await page.goto(`${baseUrl}/settings/api-keys`);
    const secret = await createKey('Nightly export', (dialog) =>
      dialog
        .getByRole('combobox', { name: 'Expires' })
        .selectOption({ label: 'In 90 days' })
        .then(() => undefined),
    );
    await eventually(() => row('Nightly export').textContent()).toContain(day(new Date(Date.now() + 90 * DAY_MS)));
    expect(await row('Nightly export').textContent()).toContain('Never'); // not used yet

    // On a date: the date must be picked first.
    const onDate = new Date(Date.now() + 45 * DAY_MS).toISOString().slice(0, 10);
    await createKey('Partner pilot', async (dialog) => {
      await dialog.getByRole('combobox', { name: 'Expires' }).selectOption({ label: 'On a date…' });
      await dialog.getByRole('button', { name: 'Create key' }).click();
      await dialog.getByText('Pick the day the key stops working').waitFor();
      await dialog.getByLabel('Expiry date').fill(onDate);
    });
    // The key works through the chosen day: it expires as the next one begins.
    await eventually(() => row('Partner pilot').textContent()).toContain(day(new Date(new Date(`${onDate}T00:00:00`).getTime() + DAY_MS)));

    // A pipeline sends an event with the first key (an ingest key, the console's default): the list shows when.
    const used = await fetch(`${baseUrl}/v1/track`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${secret}:`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'pipeline-user', event: 'Export Ran' }),
    });
    expect(used.status).toBe(200);
    await page.reload();
    await eventually(() => row('Nightly export').locator('td').nth(4).textContent()).toContain(day(new Date()));
    await page.screenshot({ path: join(shots, 'api-keys-expiry.png'), fullPage: true });
  });

  test('a key past its expiry is marked expired, and using it says it expired', async () => {
    const secret = await createKey('Old integration', (dialog) =>
      dialog
        .getByRole('combobox', { name: 'Expires' })
        .selectOption({ label: 'In 30 days' })
        .then(() => undefined),
    );
    await database.db
      .updateTable('api_keys')
      .set({ expires_at: new Date(Date.now() - 60_000) })
      .where('name', '=', 'Old integration')
      .execute();
    await page.reload();
    await eventually(() => row('Old integration').textContent()).toContain('Expired');
    const refused = await fetch(`${baseUrl}/v1/track`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'pipeline-user', event: 'Too Late' }),
    });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/^This API key expired on /);
    expect(pageErrors).toEqual([]);
  });
});
