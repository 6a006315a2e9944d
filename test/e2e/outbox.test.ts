// The outbox and sender settings in the console, in a real browser against the real server: messages written as .eml
// files (no SMTP_URL) are listed with their status and exclusion reason, a message shows its .eml source, the
// unsubscribe link of a received message shows a confirm page and unsubscribes, and an admin sets the sender.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { createAccount } from '../../src/modules/accounts/accounts.ts';
import { createList, recordConsent, subscriptionStatuses } from '../../src/modules/consent/consent.ts';
import { createContact } from '../../src/modules/contacts/contacts.ts';
import { dispatchDue } from '../../src/modules/messaging/messaging.dispatch.ts';
import { enqueueMessages } from '../../src/modules/messaging/messaging.outbox.ts';
import { startImapServer } from '../imap.ts';
import { header } from '../smtp.ts';
import { type ConsoleSession, openConsoleSession, shots } from './console-session.ts';

let session: ConsoleSession;
let page: Page;
let baseUrl: string;
const outboxDir = mkdtempSync(join(tmpdir(), 'momentum-e2e-outbox-files-'));
const secret = 'x'.repeat(40);

beforeAll(async () => {
  // The server and the dispatcher share the secret and the folder the .eml files go to.
  session = await openConsoleSession('outbox', { MOMENTUM_DATA_DIR: outboxDir });
  ({ page, baseUrl } = session);
});

afterAll(async () => {
  await session?.close();
});

describe('the outbox in the console', () => {
  test('lists sent and excluded messages, shows a message’s .eml, and its unsubscribe link works in the browser', async () => {
    const { db } = session.database;
    const ws = session.ws.workspaceId;
    const clock = systemClock;
    const account = await createAccount(db, clock, session.ws.system, { name: 'Globex' });
    const list = await createList(db, clock, session.ws.admin, { key: 'product-news', name: 'Product news', optIn: 'single', wording: 'Send me product news' });
    const yes = await createContact(db, clock, session.ws.system, { accountId: account.id, name: 'Yara Yes', email: 'yara@globex.test' });
    const no = await createContact(db, clock, session.ws.system, { accountId: account.id, name: 'Nico No', email: 'nico@globex.test' });
    await recordConsent(db, clock, ws, { contactId: yes.id, purpose: `list:${list.id}`, action: 'granted', method: 'form', recordedBy: { name: 'contact' } });
    const content = {
      subject: 'What is new in June',
      html: '<html><body><h1>June</h1><p>Read <a href="https://docs.example.com/june">the notes</a>.</p></body></html>',
      text: 'June: https://docs.example.com/june',
    };
    const result = await enqueueMessages(
      db,
      clock,
      ws,
      [yes, no].map((c) => ({
        recipientId: c.id,
        purpose: { kind: 'list' as const, listId: list.id },
        source: { type: 'campaign' as const, id: 'june-news', label: 'June news' },
        dedupeKey: `campaign:june-news:${c.id}`,
        content,
      })),
    );
    expect(result).toMatchObject({ queued: 1, excluded: { no_consent: 1 } });
    const config = loadConfig({}, { MOMENTUM_DATA_DIR: outboxDir, MOMENTUM_SECRET: secret, PUBLIC_URL: baseUrl });
    expect((await dispatchDue(db, clock, config, { budgetMs: 3000 })).sent).toBe(1);

    await page.goto(`${baseUrl}/messaging/outbox`);
    await page.getByRole('tab', { name: 'Outbox' }).waitFor();
    await page.getByText('Messages are written as files, not sent').waitFor();
    await page.getByText('yara@globex.test').waitFor();
    await page.getByText(/No consent/).waitFor();
    await page.getByText('Nico No').waitFor();
    await page.screenshot({ path: join(shots, 'outbox.png'), fullPage: true });

    await page
      .getByRole('row', { name: /yara@globex\.test/ })
      .getByRole('button', { name: 'What is new in June' })
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('The .eml file').waitFor();
    await expect.poll(() => dialog.getByTestId('message-source').textContent()).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    await page.screenshot({ path: join(shots, 'outbox-message.png'), fullPage: true });
    await page.keyboard.press('Escape');

    // The recipient's side: the link in the received file shows a page (nothing changes), its button unsubscribes.
    const file = readdirSync(join(outboxDir, 'outbox')).find((f) => f.endsWith('.eml')) as string;
    const mail = await simpleParser(readFileSync(join(outboxDir, 'outbox', file)));
    const link = /<(https?:\/\/[^>]+)>/.exec(header(mail, 'List-Unsubscribe') ?? '')?.[1] as string;
    expect(link.startsWith(`${baseUrl}/u/`)).toBe(true);
    const contactPage = await page.context().newPage();
    await contactPage.goto(link);
    await contactPage.getByRole('button', { name: 'Unsubscribe' }).waitFor();
    const status = async () => (await subscriptionStatuses(db, ws, yes.id)).find((s) => s.purpose === `list:${list.id}`)?.status;
    expect(await status()).toBe('confirmed');
    await contactPage.screenshot({ path: join(shots, 'unsubscribe-confirm.png') });
    await contactPage.getByRole('button', { name: 'Unsubscribe' }).click();
    await contactPage.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    expect(await status()).toBe('unsubscribed');
    await contactPage.screenshot({ path: join(shots, 'unsubscribe-done.png') });
    await contactPage.close();
    expect(session.pageErrors).toEqual([]);
  });

  test('an admin sets the sender identity and postal address; a bad address is refused on its field', async () => {
    await page.goto(`${baseUrl}/settings/sender`);
    await page.getByRole('tab', { name: 'Sender' }).waitFor();
    await page.getByRole('textbox', { name: 'Marketing sender address' }).fill('not an address');
    await page.getByRole('button', { name: 'Save sender settings' }).click();
    await page.getByText('must be an email address like news@example.com', { exact: true }).first().waitFor();
    await page.getByRole('textbox', { name: 'Marketing sender address' }).fill('news@globex-vendor.example.com');
    await page.getByRole('textbox', { name: 'Marketing sender name' }).fill('Vendor News');
    await page.getByRole('textbox', { name: 'Postal address' }).fill('1 Market Street, Springfield');
    await page.getByRole('textbox', { name: 'Domain' }).fill('globex-vendor.example.com');
    await page.getByRole('textbox', { name: 'Selector' }).fill('m2026');
    await page.getByText('m2026._domainkey.globex-vendor.example.com').waitFor();
    await page.getByRole('textbox', { name: 'Domain' }).fill('');
    await page.getByRole('textbox', { name: 'Selector' }).fill('');
    await page.getByRole('button', { name: 'Save sender settings' }).click();
    await page.getByText('Sender settings saved').waitFor();
    await page.screenshot({ path: join(shots, 'sender-settings.png'), fullPage: true });
    const saved = await session.database.db
      .selectFrom('sender_settings')
      .selectAll()
      .where('workspace_id', '=', session.ws.workspaceId)
      .executeTakeFirstOrThrow();
    expect(saved).toMatchObject({ from_name: 'Vendor News', from_address: 'news@globex-vendor.example.com' });
    const workspace = await session.database.db
      .selectFrom('workspaces')
      .select('postal_address')
      .where('id', '=', session.ws.workspaceId)
      .executeTakeFirstOrThrow();
    expect(workspace.postal_address).toBe('1 Market Street, Springfield');
    expect(session.pageErrors).toEqual([]);
  });

  test('an admin sets the bounce mailbox read over IMAP: a wrong password fails the connection test in words, the right one logs in', async () => {
    const imap = await startImapServer();
    try {
      await page.goto(`${baseUrl}/settings/sender`);
      await page.getByRole('textbox', { name: 'Bounce mailbox address' }).fill('bounces@globex-vendor.example.com');
      await page.getByRole('textbox', { name: 'IMAP URL' }).fill(`imap://bounces@127.0.0.1:${imap.port}/INBOX`);
      await page.getByLabel('Password', { exact: true }).fill('not-the-password');
      await page.getByRole('button', { name: 'Test connection' }).click();
      await page.getByText(`Login failed for bounces at 127.0.0.1:${imap.port}`).waitFor();
      await page.getByLabel('Password', { exact: true }).fill(imap.password);
      await page.getByRole('button', { name: 'Test connection' }).click();
      await page.getByText('Logged in').waitFor();
      await page.getByRole('button', { name: 'Save sender settings' }).click();
      await page.getByText('Sender settings saved').waitFor();
      await page.getByText('read every 5 minutes').waitFor();
      await page.getByText('Not read yet.').waitFor();
      // The password is never shown again.
      await page.getByLabel('Replace the password').waitFor();
      expect(await page.getByLabel('Replace the password').inputValue()).toBe('');
      expect(await page.content()).not.toContain(imap.password);
      await page.screenshot({ path: join(shots, 'sender-settings-bounce-mailbox.png'), fullPage: true });
      const saved = await session.database.db
        .selectFrom('sender_settings')
        .select('imap_url')
        .where('workspace_id', '=', session.ws.workspaceId)
        .executeTakeFirstOrThrow();
      expect(saved.imap_url).toBe(imap.url);
      await page.getByRole('button', { name: 'Stop reading the mailbox' }).click();
      await page.getByText('not read', { exact: true }).waitFor();
      expect(session.pageErrors).toEqual([]);
    } finally {
      await imap.close();
    }
  });
});
