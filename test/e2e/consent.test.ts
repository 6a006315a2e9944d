// Getting permission, end to end in Chromium against the real server and a real SMTP server: a member creates a
// double opt-in list and copies its form; a contact subscribes on the hosted page, confirms from the email received
// over SMTP (the GET shows a button, the POST grants), receives a marketing message and unsubscribes with one click;
// the member sees the contact's ledger, and manages suppressions. Screenshots on a desktop and a phone.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { createAccount } from '../../src/modules/accounts/accounts.ts';
import { findListRow, subscriptionStatuses } from '../../src/modules/consent/consent.ts';
import { createContact } from '../../src/modules/contacts/contacts.ts';
import { dispatchDue } from '../../src/modules/messaging/messaging.dispatch.ts';
import { enqueueMessages } from '../../src/modules/messaging/messaging.outbox.ts';
import { header, startSmtpServer, type TestSmtpServer } from '../smtp.ts';
import { type ConsoleSession, openConsoleSession, shots } from './console-session.ts';

let session: ConsoleSession;
let page: Page;
let baseUrl: string;
let smtp: TestSmtpServer;
const secret = 'x'.repeat(40);

beforeAll(async () => {
  smtp = await startSmtpServer();
  session = await openConsoleSession('consent', { SMTP_URL: smtp.url });
  ({ page, baseUrl } = session);
});

afterAll(async () => {
  await session?.close();
  await smtp?.close();
});

/** The dispatcher as the worker runs it, with links pointing at this server. */
const dispatch = () =>
  dispatchDue(
    session.database.db,
    systemClock,
    loadConfig({}, { MOMENTUM_DATA_DIR: '/tmp/momentum-e2e-consent-unused', MOMENTUM_SECRET: secret, PUBLIC_URL: baseUrl, SMTP_URL: smtp.url }),
    {
      budgetMs: 3000,
    },
  );

/** The same path on this server (the app itself was started before its port, hence PUBLIC_URL, was known). */
const here = (url: string) => `${baseUrl}${new URL(url).pathname}`;

describe('consent in the browser', () => {
  test('subscribe on the hosted page, confirm from the received email, unsubscribe with one click; the ledger shows it all', async () => {
    const { db } = session.database;
    const ws = session.ws.workspaceId;
    const account = await createAccount(db, systemClock, session.ws.system, { name: 'Initech' });
    const contact = await createContact(db, systemClock, session.ws.system, { accountId: account.id, name: 'Peter Gibbons', email: 'peter@initech.test' });

    // A member creates a double opt-in list and opens its form.
    await page.goto(`${baseUrl}/messaging/lists`);
    await page.getByRole('tab', { name: 'Lists' }).waitFor();
    await page.getByRole('button', { name: 'New list' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Key' }).fill('Bad Key');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Product news');
    await dialog.getByRole('textbox', { name: 'Wording' }).fill('Send me the monthly product news (about one email a month)');
    await dialog.getByRole('button', { name: 'Create list' }).click();
    await dialog.getByText('lower-case letters, digits and dashes').waitFor();
    await dialog.getByRole('textbox', { name: 'Key' }).fill('product-news');
    await page.screenshot({ path: join(shots, 'consent-list-form.png') });
    await dialog.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('cell', { name: /Product news/ }).waitFor();
    await page.getByRole('button', { name: 'Form' }).click();
    const formDialog = page.getByRole('dialog');
    await formDialog.getByText('Embeddable form').waitFor();
    const hosted = (await formDialog.getByRole('link').first().getAttribute('href')) as string;
    expect(hosted).toMatch(new RegExp(`/subscribe/${ws}/product-news$`));
    await page.screenshot({ path: join(shots, 'consent-list-embed.png') });
    await page.keyboard.press('Escape');

    // The contact, on a phone, subscribes.
    const phone = await page
      .context()
      .browser()
      ?.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const contactPage = await (phone as NonNullable<typeof phone>).newPage();
    await contactPage.goto(here(hosted));
    await contactPage.getByText('Send me the monthly product news').waitFor();
    await contactPage.getByRole('textbox', { name: 'Name' }).fill('Peter Gibbons');
    await contactPage.getByRole('textbox', { name: 'Email' }).fill('peter@initech.test');
    await contactPage.screenshot({ path: join(shots, 'consent-subscribe-phone.png'), fullPage: true });
    await contactPage.getByRole('button', { name: 'Subscribe' }).click();
    await contactPage.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    await contactPage.screenshot({ path: join(shots, 'consent-check-inbox-phone.png') });
    const list = await findListRow(db, ws, 'product-news');
    const status = async () => (await subscriptionStatuses(db, ws, contact.id)).find((s) => s.listId === list?.id)?.status;
    expect(await status()).toBe('unconfirmed');

    // The confirmation arrives over SMTP; its link shows a button (nothing changes), the button confirms.
    expect((await dispatch()).sent).toBe(1);
    const [confirmation] = await smtp.waitFor(1);
    expect(confirmation?.parsed.subject).toBe('Confirm your subscription to Product news');
    expect(header(confirmation?.parsed as never, 'List-Unsubscribe')).toBeUndefined();
    const confirmLink = /https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]+/.exec(confirmation?.parsed.text ?? '')?.[0] as string;
    await contactPage.goto(here(confirmLink));
    await contactPage.getByRole('button', { name: 'Yes, subscribe me' }).waitFor();
    expect(await status()).toBe('unconfirmed');
    await contactPage.screenshot({ path: join(shots, 'consent-confirm-phone.png') });
    await contactPage.getByRole('button', { name: 'Yes, subscribe me' }).click();
    await contactPage.getByRole('heading', { name: 'Subscription confirmed' }).waitFor();
    expect(await status()).toBe('confirmed');
    // The same link again: already confirmed, nothing recorded twice.
    await contactPage.goto(here(confirmLink));
    await contactPage.getByRole('heading', { name: 'Already confirmed' }).waitFor();

    // A marketing message reaches the confirmed contact; its one-click unsubscribe (RFC 8058) withdraws at once.
    const sent = await enqueueMessages(db, systemClock, ws, [
      {
        recipientId: contact.id,
        purpose: { kind: 'list', listId: list?.id as string },
        source: { type: 'campaign', id: 'june', label: 'June news' },
        dedupeKey: `campaign:june:${contact.id}`,
        content: { subject: 'June news', html: '<p>What is new in June</p>', text: 'What is new in June' },
      },
    ]);
    expect(sent.queued).toBe(1);
    expect((await dispatch()).sent).toBe(1);
    const [, news] = await smtp.waitFor(2);
    expect(header(news?.parsed as never, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const unsubscribe = /<(https?:\/\/[^>]+)>/.exec(header(news?.parsed as never, 'List-Unsubscribe') ?? '')?.[1] as string;
    const oneClick = await contactPage.request.post(here(unsubscribe), { form: { 'List-Unsubscribe': 'One-Click' }, maxRedirects: 0 });
    expect(oneClick.status()).toBe(200);
    expect(await status()).toBe('unsubscribed');
    await phone?.close();

    // The member sees the ledger on the account page.
    await page.goto(`${baseUrl}/accounts/${account.id}?tab=contacts`);
    await page.getByRole('button', { name: 'Consent of Peter Gibbons' }).click();
    const drawer = page.getByRole('dialog');
    await drawer.getByText('Consent: Peter Gibbons').waitFor();
    await drawer.getByText('Granted · Product news').waitFor();
    await drawer.getByText(/Double opt in/).waitFor();
    await drawer.getByText('Withdrawn · Product news').waitFor();
    await drawer.getByText('Requested · Product news').waitFor();
    await page.screenshot({ path: join(shots, 'consent-contact-ledger.png') });
    // Recording a request needs its note.
    await drawer.getByPlaceholder('Choose').click();
    await page.getByRole('option', { name: 'Product news' }).click();
    await drawer.getByRole('textbox', { name: 'How they asked' }).fill('no');
    await drawer.getByRole('button', { name: 'Record' }).click();
    await drawer.getByText(/at least 5 characters/).waitFor();
    await drawer.getByRole('textbox', { name: 'How they asked' }).fill('Asked on the phone to be subscribed again, 4 Dec');
    await drawer.getByRole('button', { name: 'Record' }).click();
    await drawer.getByText('Asked on the phone to be subscribed again, 4 Dec', { exact: false }).first().waitFor();
    expect(await status()).toBe('confirmed');
    await page.keyboard.press('Escape');
    expect(session.pageErrors).toEqual([]);
  });

  test('an admin suppresses an address, finds it and removes it after confirming', async () => {
    await page.goto(`${baseUrl}/messaging/suppressions`);
    await page.getByRole('tab', { name: 'Suppressions' }).waitFor();
    await page.getByRole('button', { name: 'Suppress an address' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Email address' }).fill('not an address');
    await dialog.getByRole('button', { name: 'Suppress' }).click();
    await dialog.getByText('must be an email address like name@example.com').waitFor();
    await dialog.getByRole('textbox', { name: 'Email address' }).fill('billing@initech.test');
    await dialog.getByRole('textbox', { name: 'Why' }).fill('shared finance inbox');
    await dialog.getByRole('button', { name: 'Suppress' }).click();
    await page.getByRole('cell', { name: 'billing@initech.test' }).waitFor();
    await page.screenshot({ path: join(shots, 'consent-suppressions.png') });
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No suppressed addresses').waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${baseUrl}/messaging/lists`);
    await page.getByText('1 confirmed').waitFor();
    await page.screenshot({ path: join(shots, 'consent-lists-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });
    expect(session.pageErrors).toEqual([]);
  });
});
