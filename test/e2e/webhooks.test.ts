// Webhooks in the console, in a real browser against the real server and a real receiver: an admin adds an endpoint,
// sees its secret once, reads the delivery log of a signed event, replays it, rotates the secret, disables and deletes it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/lib/clock.ts';
import { createAccount } from '../../src/modules/accounts/accounts.ts';
import { recordMomentumEvents } from '../../src/modules/events/events.ts';
import { runWebhooks } from '../../src/modules/webhooks/webhooks.jobs.ts';
import type { TestWorkspace } from '../factories.ts';
import { type ConsoleSession, openConsoleSession, shots } from './console-session.ts';

let session: ConsoleSession;
let database: ConsoleSession['database'];
let baseUrl: string;
let page: Page;
let ws: TestWorkspace;
let pageErrors: Error[];
const received: { body: string; headers: Record<string, string> }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    received.push({ body, headers: req.headers as Record<string, string> });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
let hookUrl: string;

const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });
/** The webhooks.deliver job's work, run now rather than at the next minute. */
const deliver = () => runWebhooks(database.db, systemClock, { allowPrivate: true, budgetMs: 5000 });

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/momentum`;
  // The receiver runs on this machine: private addresses are allowed, as an operator would set it for one.
  session = await openConsoleSession('webhooks', { WEBHOOKS_ALLOW_PRIVATE: 'true' });
  ({ database, baseUrl, page, ws, pageErrors } = session);
});

afterAll(async () => {
  await session?.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('webhooks in the console', () => {
  test('an admin adds an endpoint, verifies a delivered event with its secret, replays it, rotates the secret, disables and deletes it', async () => {
    await page.goto(`${baseUrl}/settings/webhooks`);
    await page.getByRole('tab', { name: 'Webhooks' }).waitFor();
    await page.getByRole('button', { name: 'New endpoint' }).click();
    const dialog = page.getByRole('dialog');
    // A URL the server refuses says why, on the field.
    await dialog.getByRole('textbox', { name: 'URL' }).fill('ftp://files.example.com/drop');
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    await dialog.getByText('must be an http:// or https:// URL').waitFor();
    await dialog.getByRole('textbox', { name: 'URL' }).fill(hookUrl);
    await dialog.getByRole('textbox', { name: 'Description' }).fill('CRM sync');
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = (await dialog.getByTestId('webhook-secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    const endpoints = page.getByRole('table', { name: 'Webhook endpoints' });
    await eventually(() => endpoints.textContent()).toContain('All events');

    // Only sponsor changes and renewals, chosen from the catalogue.
    await page.getByRole('button', { name: `Edit ${hookUrl}` }).click();
    const edit = page.getByRole('dialog');
    await edit.getByRole('radio', { name: 'Selected events' }).check();
    await edit.getByPlaceholder('Choose events').click();
    await page.getByRole('option', { name: 'Sponsor Changed' }).click();
    await page.getByRole('option', { name: 'Contract Renewed' }).click();
    await edit.getByRole('heading', { name: 'Edit webhook endpoint' }).click(); // closes the list
    await edit.getByText(/Contract Renewed: sent when/).waitFor();
    await page.screenshot({ path: join(shots, 'webhooks-edit.png'), fullPage: true });
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    await eventually(() => endpoints.textContent()).toContain('Sponsor Changed, Contract Renewed');

    // A sponsor changes at an account: the event is delivered, signed with the secret shown.
    const account = await createAccount(database.db, systemClock, ws.system, { name: 'Globex' });
    await recordMomentumEvents(database.db, systemClock, ws.system, 'contacts', [
      { accountId: account.id, name: 'Sponsor Changed', properties: { summary: 'Sponsor replaced at Globex' }, key: 'e2e-1' },
    ]);
    await deliver();
    expect(received).toHaveLength(1);
    expect(new Webhook(secret).verify(received[0]?.body as string, received[0]?.headers as Record<string, string>)).toMatchObject({ type: 'Sponsor Changed' });

    await page.getByRole('button', { name: `Deliveries to ${hookUrl}` }).click();
    const log = page.getByRole('table', { name: 'Deliveries' });
    await eventually(() => log.textContent()).toContain('delivered');
    expect(await log.textContent()).toContain('200');
    await log.getByRole('button', { name: 'Sponsor Changed', exact: true }).click();
    const detail = page.getByRole('dialog');
    await detail.getByText('Attempt 1').waitFor();
    expect(await detail.textContent()).toContain('webhook-signature');
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });

    await log.getByRole('button', { name: 'Replay Sponsor Changed' }).click();
    await page.getByText('will be sent again within a minute').waitFor();
    await deliver();
    expect(received).toHaveLength(2);
    await eventually(() => log.getByRole('row').count()).toBe(3);
    expect(await log.textContent()).toContain('replay');
    await page.screenshot({ path: join(shots, 'webhooks-deliveries.png'), fullPage: true });

    await page.getByRole('button', { name: `Rotate the secret of ${hookUrl}` }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.getByRole('button', { name: 'Done' }).click();
    await eventually(() => endpoints.textContent()).toContain('previous secret signs until');

    // A test message, signed with the new secret, and what the receiver answered.
    await page.getByRole('button', { name: `Send a test message to ${hookUrl}` }).click();
    await page.getByText('Test message accepted').waitFor();
    expect(received).toHaveLength(3);
    expect(new Webhook(rotated).verify(received[2]?.body as string, received[2]?.headers as Record<string, string>)).toMatchObject({ type: 'Webhook Test' });

    await page.getByRole('button', { name: `Disable ${hookUrl}` }).click();
    await eventually(() => endpoints.textContent()).toContain('Disabled by Ada Admin');

    await page.getByRole('button', { name: `Delete ${hookUrl}` }).click();
    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByText('No endpoints yet').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
