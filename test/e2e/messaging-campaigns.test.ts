// Templates and campaigns in the console, in a real browser against the real server: a marketer writes a template
// (an unknown variable is shown at its field, the live preview renders), sends themself a test, creates a campaign
// with the wizard (audience preview with exclusion reasons), pauses and resumes it with confirmation, and reads its
// stats once the send job and dispatch have run; on a desktop and on a phone.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { fixedClock, systemClock } from '../../src/lib/clock.ts';
import { createAccount } from '../../src/modules/accounts/accounts.ts';
import { runCampaigns } from '../../src/modules/campaigns/campaigns.jobs.ts';
import { createCampaign } from '../../src/modules/campaigns/campaigns.ts';
import { createList, recordConsent } from '../../src/modules/consent/consent.ts';
import { createContact } from '../../src/modules/contacts/contacts.ts';
import { dispatchDue } from '../../src/modules/messaging/messaging.dispatch.ts';
import { recordClick, recordOpen } from '../../src/modules/messaging/messaging.tracking.ts';
import { createSegment } from '../../src/modules/segments/segments.ts';
import type { TestWorkspace } from '../factories.ts';
import { type ConsoleSession, openConsoleSession, shots } from './console-session.ts';

let session: ConsoleSession;
let database: ConsoleSession['database'];
let baseUrl: string;
let page: Page;
let ws: TestWorkspace;
let pageErrors: Error[];
const config = loadConfig({}, { MOMENTUM_DATA_DIR: mkdtempSync(join(tmpdir(), 'momentum-e2e-outbox-')), MOMENTUM_SECRET: 'x'.repeat(40) });

beforeAll(async () => {
  session = await openConsoleSession('campaigns');
  ({ database, baseUrl, page, ws, pageErrors } = session);
  const db = database.db;
  const list = await createList(db, systemClock, ws.admin, { key: 'product-news', name: 'Product news', optIn: 'single', wording: 'Send me product news' });
  await createSegment(db, systemClock, ws.admin, { name: 'Onboarding', filter: { conditions: [{ field: 'phase', op: 'eq', value: 'onboarding' }] } });
  const account = await createAccount(db, systemClock, ws.admin, { name: 'Acme Robotics', phase: 'onboarding' });
  const people = [
    { name: 'Ada Lovelace', email: 'ada@acme.test', title: 'IT Director', consent: true },
    { name: 'Grace Hopper', email: 'grace@acme.test', title: 'Platform lead', consent: true },
    { name: 'Alan Turing', email: 'alan@acme.test', title: 'Architect', consent: false },
  ];
  for (const p of people) {
    const c = await createContact(db, systemClock, ws.admin, { accountId: account.id, name: p.name, email: p.email, title: p.title, persona: 'admin' });
    if (p.consent) {
      await recordConsent(db, systemClock, ws.workspaceId, {
        contactId: c.id,
        purpose: `list:${list.id}`,
        action: 'granted',
        method: 'form',
        recordedBy: { name: 'contact' },
      });
    }
  }
}, 180_000);

afterAll(async () => {
  await session?.close();
});

/** Picks an option of a Mantine Select by its label. */
async function choose(scope: ReturnType<Page['getByRole']>, label: string, option: string) {
  await scope
    .getByRole('textbox', { name: label })
    .or(scope.getByRole('combobox', { name: label }))
    .first()
    .click();
  await page.getByRole('option', { name: option }).click();
}

describe('templates and campaigns in the console', () => {
  test('a marketer writes a template with a live preview, sees an unknown variable at its field, saves it and sends a test', async () => {
    await page.goto(`${baseUrl}/messaging/templates`);
    await page.getByRole('tab', { name: 'Templates' }).waitFor();
    await page.getByRole('link', { name: 'New template' }).first().click();
    await page.getByRole('textbox', { name: 'Name' }).fill('Activation tips');
    await page.getByRole('textbox', { name: 'Key' }).fill('activation-tips');
    await page.getByRole('textbox', { name: 'Subject' }).fill('Tips for {{ account.name }}');
    const body = page.getByRole('textbox', { name: 'Body' });
    await body.fill('<p>Hi {{ contact.first_name }},</p>\n<p>{{ contact.nickname }}</p>');
    await expect.poll(() => page.getByText('line 2: unknown variable contact.nickname').first().isVisible(), { timeout: 10_000 }).toBe(true);
    await body.fill('<p>Hi {{ contact.first_name }},</p>\n<p>As {{ contact.title }}, invite your team this week.</p>');
    await expect.poll(() => page.getByTestId('preview-subject').textContent(), { timeout: 10_000 }).toBe('Tips for Example Corp');
    const frame = page.frameLocator('iframe[title="Email preview"]');
    await expect.poll(() => frame.getByText('As Head of Operations, invite your team this week.').isVisible(), { timeout: 10_000 }).toBe(true);
    await page.screenshot({ path: join(shots, 'templates-editor.png'), fullPage: true });
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.waitForURL(/\/messaging\/templates\/activation-tips$/);
    await page.getByRole('button', { name: 'Send me a test' }).click();
    await page.getByText('Test sent to Ada Admin').waitFor();
    const test = await database.db.selectFrom('messages').select(['recipient_id', 'subject', 'status']).where('source_type', '=', 'test').executeTakeFirst();
    expect(test).toMatchObject({ recipient_id: ws.admin.id, subject: '[Test] Tips for Example Corp', status: 'queued' });
  });

  test('a marketer creates a campaign with the wizard, sees who is excluded and why, pauses and resumes it, and reads its stats', async () => {
    await page.goto(`${baseUrl}/messaging/campaigns`);
    await page.getByRole('button', { name: 'New campaign' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('June activation push');
    await choose(dialog, 'Template', 'Activation tips');
    await choose(dialog, 'List', 'Product news');
    await dialog.getByRole('button', { name: 'Next' }).click();
    await choose(dialog, 'Segment', 'Onboarding (1 accounts)');
    await expect.poll(() => dialog.getByTestId('audience-preview').textContent(), { timeout: 10_000 }).toContain('2 of 3 contacts will receive it');
    await expect.poll(() => dialog.getByRole('cell', { name: 'No consent' }).isVisible()).toBe(true);
    await page.screenshot({ path: join(shots, 'campaigns-wizard-audience.png') });
    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByRole('button', { name: 'Send now' }).click();
    await page.waitForURL(/\/messaging\/campaigns\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByTestId('campaign-status').textContent()).toBe('sending');

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => page.getByTestId('campaign-status').textContent()).toBe('paused');
    await page.getByText('Paused by Ada Admin').waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => page.getByTestId('campaign-status').textContent()).toBe('sending');

    // The minute jobs, run now: the campaign hands its audience to the outbox, dispatch writes .eml files.
    await runCampaigns(database.db, systemClock, { budgetMs: 5000 });
    await dispatchDue(database.db, systemClock, config, { budgetMs: 5000, pollMs: 0 });
    // A minute later one reader opens it and clicks; Apple Mail's privacy proxy fetches the other's pixel.
    const sent = await database.db.selectFrom('messages').select('id').where('source_type', '=', 'campaign').where('status', '=', 'sent').execute();
    const later = fixedClock(new Date(Date.now() + 60_000));
    const [first, second] = sent.map((m) => ({ workspaceId: ws.workspaceId, messageId: m.id }));
    if (!first || !second) throw new Error('expected two sent messages');
    await recordOpen(
      database.db,
      later,
      first,
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    );
    await recordClick(database.db, later, first, 'https://momentum.example.com/docs', 'Mozilla/5.0 (Macintosh) Chrome/126.0');
    await recordOpen(database.db, later, second, 'Mozilla/5.0');
    await page.reload();
    await expect.poll(() => page.getByTestId('campaign-status').textContent(), { timeout: 10_000 }).toBe('sent');
    await expect.poll(() => page.getByTestId('stat-sent').textContent()).toBe('2');
    expect(await page.getByTestId('stat-opened').textContent()).toBe('1');
    expect(await page.getByTestId('stat-clicked').textContent()).toBe('1');
    await page.getByText('1 more opens came from privacy proxies').waitFor();
    await page.getByText('Excluded, by reason').waitFor();
    await page.screenshot({ path: join(shots, 'campaigns-stats.png'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expect.poll(() => page.getByTestId('stat-delivered').textContent()).toBe('2');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(shots, 'campaigns-stats-phone.png'), fullPage: true });
    await page.goto(`${baseUrl}/messaging/campaigns`);
    await page.getByText('June activation push').waitFor();
    await page.screenshot({ path: join(shots, 'campaigns-list-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });
    expect(pageErrors).toEqual([]);
  });

  test('a draft is scheduled from its page: a time in the past is refused at the field, a later one schedules it', async () => {
    const draft = await createCampaign(database.db, systemClock, ws.admin, { name: 'Draft for later', templateId: 'activation-tips', listId: 'product-news' });
    await page.goto(`${baseUrl}/messaging/campaigns/${draft.id}`);
    await page.getByTestId('audience-preview').waitFor();
    await page.getByRole('button', { name: 'Schedule' }).click();
    const dialog = page.getByRole('dialog');
    const local = (ms: number) => new Date(Date.now() + ms - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await dialog.getByLabel('Send at (your time)').fill(local(-3600_000));
    await dialog.getByRole('button', { name: 'Schedule' }).click();
    await dialog.getByText('is in the past').waitFor();
    await dialog.getByLabel('Send at (your time)').fill(local(86_400_000));
    await dialog.getByRole('button', { name: 'Schedule' }).click();
    await expect.poll(() => page.getByTestId('campaign-status').textContent()).toBe('scheduled');
    await page.screenshot({ path: join(shots, 'campaigns-scheduled.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
