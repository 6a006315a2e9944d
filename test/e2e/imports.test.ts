// Importing CSV from the console, end to end in Chromium against the real server: a member checks a contacts file
// with a consent_lists column (refused at the Proof of consent field until a proof is given), checks it with the proof
// (a dry run writes nothing), imports it (the ledger records each grant with method import and the proof), sees every
// bad row of an all-or-nothing file in a table, then writes the good rows on a phone. Screenshots on a desktop and a phone.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/lib/clock.ts';
import { createAccount } from '../../src/modules/accounts/accounts.ts';
import { getContactConsent } from '../../src/modules/consent/consent.ledger.ts';
import { createList } from '../../src/modules/consent/consent.ts';
import { findContactByEmail } from '../../src/modules/contacts/contacts.ts';
import { createTestMember, TEST_PASSWORD } from '../factories.ts';
import { type ConsoleSession, openConsoleSession, shots } from './console-session.ts';

let session: ConsoleSession;
let page: Page;
let baseUrl: string;

beforeAll(async () => {
  session = await openConsoleSession('imports');
  ({ page, baseUrl } = session);
});

afterAll(async () => {
  await session?.close();
});

const csv = (name: string, lines: string[]) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`) });
const choose = (p: Page, file: ReturnType<typeof csv>) => p.locator('input[type="file"]').setInputFiles(file);
const contact = (email: string) => findContactByEmail(session.database.db, session.ws.system, email);
/** A full-page screenshot from the top (scrolled, the fixed header and skip link would land mid-page). */
async function shot(p: Page, name: string) {
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}
const report = (p: Page) => p.getByRole('region', { name: 'Import report' });

const PROOF = 'Signed up at the Acme booth, Lisbon Web Summit, 12 Nov 2025, ticking “Send me product news” on the tablet form';

describe('importing CSV in the console', () => {
  test('a contacts file with consent lists needs a proof; a check writes nothing; the import records each grant with that proof', async () => {
    const { db } = session.database;
    const account = await createAccount(db, systemClock, session.ws.system, { name: 'Acme', externalId: 'ACME-1' });
    await createList(db, systemClock, session.ws.system, {
      key: 'product-news',
      name: 'Product news',
      optIn: 'single',
      wording: 'Send me product news (about one email a month)',
    });
    const contacts = csv('contacts.csv', [
      'email,name,account_external_id,persona,consent_lists',
      'ana@acme.test,Ana Lima,ACME-1,champion,product-news',
      'bo@acme.test,Bo Chen,ACME-1,end_user,product-news',
    ]);

    // From the accounts list to the import page.
    await page.goto(`${baseUrl}/accounts`);
    await page.getByRole('link', { name: 'Import' }).click();
    await page.waitForURL(/\/accounts\/import/);
    await page.getByRole('heading', { name: 'Import', level: 1 }).waitFor();
    await page.getByText('Contacts', { exact: true }).click();
    await page.getByRole('link', { name: 'Download the current contacts as CSV' }).waitFor();
    expect(await page.getByRole('link', { name: 'Download the current contacts as CSV' }).getAttribute('href')).toBe('/api/v1/exports/contacts.csv');
    await choose(page, contacts);

    // Without a proof: refused at the Proof of consent field, nothing written.
    await page.getByRole('button', { name: 'Check the file' }).click();
    const proofField = page.getByRole('textbox', { name: 'Proof of consent' });
    await expect.poll(() => proofField.getAttribute('aria-invalid')).toBe('true');
    await page.getByText('the file has a consent_lists column: state how these contacts agreed').waitFor();
    await shot(page, 'imports-proof-required');
    expect(await contact('ana@acme.test')).toBeUndefined();

    // With a proof, a check: the report says what would happen, nothing is written.
    await proofField.fill(PROOF);
    expect(await proofField.getAttribute('aria-invalid')).not.toBe('true');
    // The answer is held back a moment: while it is on its way, the page shows the progress.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/api/v1/imports/contacts?*', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.getByRole('progressbar').waitFor();
    expect(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled()).toBe(true);
    release();
    await report(page).getByRole('heading', { name: 'Checked: nothing was written' }).waitFor();
    await page.unrouteAll();
    expect(await page.getByRole('progressbar').count()).toBe(0);
    await report(page).getByText('Importing this file would create 2 contacts and update 0.').waitFor();
    expect(await page.getByTestId('import-counts').textContent()).toBe('Created: 2Updated: 0Failed: 0');
    expect(await contact('ana@acme.test')).toBeUndefined();

    // The import writes them, and each grant is in the consent ledger with method import and the proof.
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await report(page).getByRole('heading', { name: 'Imported 2 contacts' }).waitFor();
    expect(await page.getByTestId('import-counts').textContent()).toBe('Created: 2Updated: 0Failed: 0');
    await shot(page, 'imports-contacts-imported');
    const ana = await contact('ana@acme.test');
    expect(ana).toMatchObject({ name: 'Ana Lima', accountId: account.id, persona: 'champion' });
    const ledger = await getContactConsent(db, session.ws.system, ana?.id as string);
    expect(ledger.records).toEqual([expect.objectContaining({ action: 'granted', method: 'import', proof: PROOF, purposeName: 'Product news' })]);
    expect(ledger.subscriptions.find((s) => s.purposeName === 'Product news')?.status).toBe('confirmed');

    // The member sees the same grant in the contact's consent, on the account page.
    await page.goto(`${baseUrl}/accounts/${account.id}?tab=contacts`);
    await page.getByRole('button', { name: 'Consent of Ana Lima' }).click();
    const drawer = page.getByRole('dialog');
    await drawer.getByText('Granted · Product news').waitFor();
    await drawer.getByText(`Proof: ${PROOF}`).waitFor();
    await page.keyboard.press('Escape');
    expect(session.pageErrors).toEqual([]);
  });

  test('an all-or-nothing file with bad rows shows each row error and writes nothing; on a phone the good rows are written', async () => {
    const bad = csv('more-contacts.csv', [
      'email,name,account_external_id',
      'cy@acme.test,Cy Dorn,ACME-1',
      'not-an-email,Dee Ellis,ACME-1',
      'ed@acme.test,Ed Fox,NOPE-9',
    ]);
    await page.goto(`${baseUrl}/accounts/import?type=contacts`);
    await choose(page, bad);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const refused = report(page);
    await refused.getByText('2 rows have errors, so nothing was written (all or nothing).').waitFor();
    const table = refused.getByRole('table', { name: 'Row errors' });
    const rows = await table.locator('tbody tr').allInnerTexts();
    expect(rows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual([
      '3 email must be an email address like name@example.com',
      '4 account_external_id no account has the external id "NOPE-9" (import the accounts first)',
    ]);
    await shot(page, 'imports-row-errors');
    expect(await contact('cy@acme.test')).toBeUndefined();

    // On a phone (375 px): write the good rows; the report counts them and lists the others.
    const phone = await page
      .context()
      .browser()
      ?.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, storageState: await page.context().storageState() });
    const p = await (phone as NonNullable<typeof phone>).newPage();
    p.on('pageerror', (error) => session.pageErrors.push(error));
    await p.goto(`${baseUrl}/accounts`);
    await p.getByRole('link', { name: 'Import' }).click();
    await p.getByText('Contacts', { exact: true }).click();
    await choose(p, bad);
    await p.getByText('Write the good rows').click();
    await p.getByRole('button', { name: 'Import', exact: true }).click();
    await report(p).getByRole('heading', { name: 'Imported 1 contact' }).waitFor();
    expect(await p.getByTestId('import-counts').textContent()).toBe('Created: 1Updated: 0Failed: 2');
    await report(p).getByRole('table', { name: 'Row errors' }).getByText('must be an email address like name@example.com').waitFor();
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(p, 'imports-partial-phone');
    expect(await contact('cy@acme.test')).toMatchObject({ name: 'Cy Dorn' });
    expect(await contact('ed@acme.test')).toBeUndefined();
    await phone?.close();
    expect(session.pageErrors).toEqual([]);
  });

  test('a member who only reads sees no Import button, and the page says why', async () => {
    const { email } = await createTestMember(session.database.db, systemClock, session.ws, ['executive'], 'Eve Executive');
    const context = await page
      .context()
      .browser()
      ?.newContext({ viewport: { width: 1366, height: 900 } });
    const p = await (context as NonNullable<typeof context>).newPage();
    await p.goto(`${baseUrl}/sign-in`);
    await p.getByLabel('Email').fill(email);
    await p.getByRole('textbox', { name: 'Password' }).fill(TEST_PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(/\/home$/);
    await p.goto(`${baseUrl}/accounts`);
    // The menu shows the member once /me has answered: the button's absence is then the role's doing.
    await p.getByRole('button', { name: 'Account menu for Eve Executive' }).waitFor();
    await p.getByTestId('accounts-total').waitFor();
    expect(await p.getByRole('link', { name: 'Import' }).count()).toBe(0);
    await p.goto(`${baseUrl}/accounts/import`);
    await p.getByText('your role can read them but not change them').waitFor();
    await context?.close();
  });
});
