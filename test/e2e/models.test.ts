// Engagement models in the browser, end to end in Chromium against the real server: an admin starts a new draft from
// the active version in the YAML editor, sees a YAML syntax error marked at its line (and saving it saves nothing),
// fixes it and adds a moment, saves the draft, compares it with the previous version (summary and text diff), is told
// in words that the author cannot approve; a second admin approves and activates it; retiring asks first, naming the
// accounts and open moments it affects; retiring again from a second tab gets the reason, not an error page.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/lib/clock.ts';
import { createAccount } from '../../src/modules/accounts/accounts.ts';
import { sweep } from '../../src/modules/engine/engine.ts';
import { applyModel } from '../../src/modules/models/models.ts';
import { createTestMember, TEST_PASSWORD } from '../factories.ts';
import { type ConsoleSession, openConsoleSession, shots } from './console-session.ts';

let session: ConsoleSession;
let page: Page;
let baseUrl: string;

beforeAll(async () => {
  session = await openConsoleSession('models');
  ({ page, baseUrl } = session);
});

afterAll(async () => {
  await session?.close();
});

/** A full-page screenshot from the top. */
async function shot(p: Page, name: string) {
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

const V1 = `key: onboard
name: Onboarding
segment: { conditions: [{ field: tags, op: has, value: onboard }] }
phases:
  - key: onboarding
    name: Onboarding
moments:
  - id: kickoff
    name: Kickoff
    phase: onboarding
    owner: csm
    channel: meeting
    digital: false
    objective: Agree goals with the customer.
    start: { type: scheduled, rrule: FREQ=DAILY;COUNT=1, anchor: phase_start }
    responsibilities: { accountable: account_manager, measure: days to kickoff }
`;

const CHECKIN = `  - id: checkin
    name: Quarterly check-in
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: Review progress against the goals.
    start: { type: scheduled, rrule: FREQ=MONTHLY;INTERVAL=3, anchor: contract_start }
    responsibilities: { accountable: account_manager, measure: goals met }
`;

/** Replaces the editor's whole text, as a person pasting would. */
async function typeSource(p: Page, text: string) {
  const editor = p.getByRole('textbox', { name: 'Model YAML' });
  await editor.click();
  await p.keyboard.press('ControlOrMeta+A');
  await p.keyboard.press('Delete');
  await p.keyboard.insertText(text);
}

async function signIn(email: string): Promise<Page> {
  const context = await page
    .context()
    .browser()
    ?.newContext({ viewport: { width: 1366, height: 900 } });
  const p = await (context as NonNullable<typeof context>).newPage();
  p.on('pageerror', (error) => session.pageErrors.push(error));
  await p.goto(`${baseUrl}/sign-in`);
  await p.getByLabel('Email').fill(email);
  await p.getByRole('textbox', { name: 'Password' }).fill(TEST_PASSWORD);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
  return p;
}

describe('engagement models in the console', () => {
  test('edit in YAML with inline errors, save a draft, diff, approve by another admin, activate, retire with the counts', async () => {
    const { db } = session.database;
    const ws = session.ws;
    await createAccount(db, systemClock, ws.system, { name: 'Acme', tags: ['onboard'] });
    await createAccount(db, systemClock, ws.system, { name: 'Globex', tags: ['onboard'] });
    const { version: v1 } = await applyModel(db, systemClock, ws.system, { source: V1, file: 'onboard.yaml' }, { approve: true });
    await sweep(db, systemClock, { workspaceId: ws.workspaceId });
    const modelId = v1.modelId;

    // The model page: schedules in words, the tab in the URL (kept on reload).
    await page.goto(`${baseUrl}/models`);
    await page.getByRole('link', { name: 'Onboarding' }).click();
    await page.waitForURL(new RegExp(`/models/${modelId}$`));
    await page.getByRole('tabpanel', { name: 'Journey map' }).getByText('Once, at the phase start').waitFor();
    await page.getByRole('tab', { name: 'Responsibilities' }).click();
    await page.waitForURL(/tab=responsibilities/);
    await page.reload();
    expect(await page.getByRole('tab', { name: 'Responsibilities' }).getAttribute('aria-selected')).toBe('true');
    await page.getByRole('table', { name: 'Responsibilities' }).getByText('Once, at the phase start').waitFor();

    // A new draft from the active version: a YAML syntax error is marked at its line and listed; saving saves nothing.
    await page.getByRole('link', { name: 'New draft from this version' }).click();
    await page.waitForURL(/\/edit\?from=1/);
    await page.getByRole('textbox', { name: 'Model YAML' }).getByText('Agree goals with the customer.').waitFor();
    const broken = V1.replace('    name: Kickoff\n', '    name: Kickoff: call\n');
    const badLine = broken.split('\n').indexOf('    name: Kickoff: call') + 1;
    await typeSource(page, broken);
    const issues = page.getByRole('list', { name: 'Issues' });
    await issues.getByText(`Line ${badLine}`).waitFor();
    expect(await issues.textContent()).toMatch(/YAML syntax: Nested mappings are not allowed/);
    const markedLine = page.locator('.cm-line', { has: page.locator('.cm-lintRange-error') });
    await expect.poll(() => markedLine.first().textContent()).toBe('    name: Kickoff: call');
    await shot(page, 'models-editor-error');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('alert').filter({ hasText: 'The draft was not saved' }).waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'The draft was not saved' }).textContent()).toMatch(new RegExp(`model\\.yaml:${badLine}`));
    expect(await db.selectFrom('model_versions').select('version').where('model_id', '=', modelId).execute()).toEqual([{ version: 1 }]);

    // Fixed, and a moment added: valid, saved as draft v2.
    await typeSource(page, `${V1.replace('    name: Kickoff\n', '    name: "Kickoff: call"\n')}${CHECKIN}`);
    await page.getByText(/^Valid/).waitFor();
    expect(await page.locator('.cm-lintRange-error').count()).toBe(0);
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(new RegExp(`/models/${modelId}\\?version=2`));
    await page.getByRole('tabpanel', { name: 'Journey map' }).getByText('Every 3 months from contract start').waitFor();

    // Compare v1 and v2: the summary by moment and the text diff.
    await page.getByRole('tab', { name: 'Compare versions' }).click();
    const changes = page.getByRole('list', { name: 'Changes' });
    await changes.waitFor();
    expect(await changes.textContent()).toContain('Moments added: Quarterly check-in (checkin)');
    expect(await changes.textContent()).toContain('Moments removed: none');
    expect(await changes.textContent()).toContain('Moments changed: Kickoff: call (name)');
    expect(await page.locator('[data-change="removed"]').allTextContents()).toEqual(['-     name: Kickoff']);
    expect(await page.locator('[data-change="added"]').first().textContent()).toBe('+     name: "Kickoff: call"');
    await shot(page, 'models-compare');
    expect(page.url()).toMatch(/tab=compare/);

    // The author cannot approve: the server's reason, in words.
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('The author cannot approve their own model: another admin must approve it').waitFor();

    // Another admin approves and activates.
    const reviewer = await createTestMember(db, systemClock, ws, ['admin'], 'Rita Reviewer');
    const other = await signIn(reviewer.email);
    await other.goto(`${baseUrl}/models/${modelId}?version=2`);
    await other.getByRole('button', { name: 'Approve' }).click();
    await other.getByText('Version 2 is approved').waitFor();
    await other.getByRole('button', { name: 'Activate' }).click();
    await other.getByText('Version 2 is active').waitFor();

    // A new account engages under v2: retiring v2 names one account and one open moment.
    await createAccount(db, systemClock, ws.system, { name: 'Initech', tags: ['onboard'] });
    await sweep(db, systemClock, { workspaceId: ws.workspaceId });
    await page.goto(`${baseUrl}/models/${modelId}?version=2&tab=journey`);
    await other.reload();
    await page.getByRole('button', { name: 'Retire' }).click();
    const dialog = page.getByRole('dialog', { name: 'Retire v2 of Onboarding?' });
    await dialog.getByText('It runs 1 account and has 1 open moment.').waitFor();
    await expect.poll(() => dialog.getByRole('button', { name: 'Retire' }).isEnabled()).toBe(true);
    await page.waitForTimeout(300); // the button's loader fades out
    await shot(page, 'models-retire-confirm');
    await dialog.getByRole('button', { name: 'Retire' }).click();
    await page.getByText('Version 2 is retired').waitFor();
    expect(
      (await db.selectFrom('model_versions').select('status').where('model_id', '=', modelId).where('version', '=', 2).executeTakeFirstOrThrow()).status,
    ).toBe('retired');

    // The second tab still shows v2 active: its retire gets the reason.
    await other.getByRole('button', { name: 'Retire' }).click();
    await other.getByRole('dialog').getByRole('button', { name: 'Retire' }).click();
    await other.getByText('Version 2 is retired: only an approved or active version can be retired').waitFor();
    await other.context().close();
  });

  test('a new model starts from a valid example, is saved as draft v1 and its draft edited in place', async () => {
    await page.goto(`${baseUrl}/models`);
    await page.getByRole('link', { name: 'New model' }).click();
    await page.waitForURL(/\/models\/new$/);
    await page.getByText(/^Valid/).waitFor();
    const source = (await page.getByRole('textbox', { name: 'Model YAML' }).textContent()) ?? '';
    expect(source).toContain('key: my-model');
    await typeSource(
      page,
      (await session.database.db.selectFrom('model_versions').select('source').where('version', '=', 1).executeTakeFirstOrThrow()).source
        .replace('key: onboard', 'key: renewals')
        .replace('name: Onboarding\n', 'name: Renewals\n')
        .replace('value: onboard', 'value: renewals'),
    );
    await page.getByText(/^Valid/).waitFor();
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(/\/models\/[0-9a-f-]+\?version=1/);
    await page.getByRole('heading', { level: 1, name: 'Renewals' }).waitFor();

    await page.getByRole('link', { name: 'Edit draft' }).click();
    await page.waitForURL(/\/edit\?version=1$/);
    await page.getByRole('heading', { level: 1, name: 'Edit draft v1 of Renewals' }).waitFor();
    await page.getByRole('textbox', { name: 'Model YAML' }).getByText('name: Renewals').waitFor();
    const saved = await session.database.db
      .selectFrom('model_versions')
      .innerJoin('models', 'models.id', 'model_versions.model_id')
      .select('model_versions.source')
      .where('models.key', '=', 'renewals')
      .executeTakeFirstOrThrow();
    const edited = saved.source.replace('name: Renewals', 'name: Renewals and expansions');
    await typeSource(page, edited);
    await page.getByText(/^Valid/).waitFor();
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { level: 1, name: 'Renewals and expansions' }).waitFor();
    const versions = await session.database.db
      .selectFrom('model_versions')
      .innerJoin('models', 'models.id', 'model_versions.model_id')
      .select(['model_versions.version', 'model_versions.status'])
      .where('models.key', '=', 'renewals')
      .execute();
    expect(versions).toEqual([{ version: 1, status: 'draft' }]);
    expect(session.pageErrors).toEqual([]);
  });

  test("the forecast draws moments per week and effort per month by role, against each role's capacity", async () => {
    const { db } = session.database;
    const ws = session.ws;
    await createAccount(db, systemClock, ws.system, { name: 'Initech', tags: ['forecast'] });
    const source = V1.replace('key: onboard', 'key: forecast').replace(
      'name: Onboarding\nsegment: { conditions: [{ field: tags, op: has, value: onboard }] }',
      'name: Forecast\nsegment: { conditions: [{ field: tags, op: has, value: forecast }] }',
    );
    const { version } = await applyModel(db, systemClock, ws.system, { source, file: 'forecast.yaml' }, { approve: true });
    // Capacity is a workspace setting (Settings › Capacity): 10 hours a month per CSM.
    await page.goto(`${baseUrl}/settings/capacity`);
    await page.getByRole('textbox', { name: 'Hours per CSM member per month' }).fill('10');
    await page.getByRole('button', { name: 'Save capacity' }).click();
    await page.getByText('Team capacity saved').waitFor();
    await shot(page, 'settings-capacity');
    await page.goto(`${baseUrl}/models/${version.modelId}?tab=forecast`);
    await page.getByRole('button', { name: 'Run forecast' }).click();
    await page.getByRole('img', { name: /^Moments per week, by role:/ }).waitFor();
    await page.getByRole('img', { name: /^Effort hours per month, by role:/ }).waitFor();
    // The capacity is the role's active members times the hours: one CSM here, so 10 h.
    const table = page.getByRole('table', { name: 'Effort hours per month against capacity' });
    await table.waitFor();
    expect(await table.getByRole('columnheader').nth(1).textContent()).toBe('CSMof 10 h');
    await shot(page, 'models-forecast');
  });
});
