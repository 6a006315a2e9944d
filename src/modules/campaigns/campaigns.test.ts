import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace, testClock, unique } from '../../../test/factories.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../test/smtp.ts';
import { loadConfig } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { createAccount } from '../accounts/accounts.ts';
import { listAudit } from '../audit/audit.ts';
import { createList, recordConsent } from '../consent/consent.ts';
import type { Persona } from '../contacts/contacts.schema.ts';
import { createContact } from '../contacts/contacts.ts';
import { dispatchDue } from '../messaging/messaging.dispatch.ts';
import { setMarketingPause } from '../messaging/messaging.settings.ts';
import { createSegment } from '../segments/segments.ts';
import { createTemplate, sendTestTemplate } from '../templates/templates.ts';
import { runCampaigns } from './campaigns.jobs.ts';
import {
  cancelCampaign,
  createCampaign,
  getCampaign,
  pauseCampaign,
  pauseCampaignByMember,
  previewAudience,
  resumeCampaign,
  scheduleCampaign,
} from './campaigns.ts';

const clock = testClock('2026-06-01T09:00:00Z');
let database: TestDatabase;
let db: Db;
let ws: TestWorkspace;
let smtp: TestSmtpServer;
let listId: string;
let segmentId: string;
let templateId: string;
const config = () =>
  loadConfig({}, { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789', SMTP_URL: smtp.url, PUBLIC_URL: 'https://momentum.example.com' });

async function person(
  accountId: string,
  options: { persona?: Persona; consent?: 'granted' | 'withdrawn' | 'none'; title?: string | null; left?: boolean } = {},
) {
  const email = `${unique('pat')}@customer.test`;
  const c = await createContact(db, clock, ws.system, {
    accountId,
    name: unique('Pat'),
    email,
    persona: options.persona ?? 'admin',
    title: options.title === undefined ? 'Admin' : options.title,
    leftAt: options.left ? '2026-05-01T00:00:00Z' : null,
  });
  const consent = options.consent ?? 'granted';
  if (consent !== 'none') {
    await recordConsent(db, clock, ws.workspaceId, {
      contactId: c.id,
      purpose: `list:${listId}`,
      action: 'granted',
      method: 'form',
      recordedBy: { name: 'contact' },
    });
  }
  if (consent === 'withdrawn') {
    await recordConsent(db, clock, ws.workspaceId, {
      contactId: c.id,
      purpose: `list:${listId}`,
      action: 'withdrawn',
      method: 'one_click',
      recordedBy: { name: 'contact' },
    });
  }
  return { id: c.id, email };
}

/** An onboarding account with `n` consenting admins (a fresh audience per test). */
async function audience(n: number, phase = 'onboarding') {
  const account = await createAccount(db, clock, ws.system, { name: unique('Acme'), phase, tags: [phase === 'onboarding' ? unique('t') : 'x'] });
  const people = [];
  for (let i = 0; i < n; i++) people.push(await person(account.id));
  return { accountId: account.id, people };
}

/** A segment of one account (by its tag), so each test's campaign reaches only its own contacts. */
async function segmentOf(accountId: string): Promise<string> {
  const account = await db.selectFrom('accounts').select('tags').where('id', '=', accountId).executeTakeFirstOrThrow();
  return (await createSegment(db, clock, ws.admin, { name: unique('seg'), filter: { conditions: [{ field: 'tags', op: 'has', value: account.tags }] } })).id;
}

async function messagesOf(campaignId: string) {
  return db
    .selectFrom('messages')
    .select(['recipient_id', 'status', 'reason', 'dedupe_key'])
    .where('workspace_id', '=', ws.workspaceId)
    .where('source_id', '=', campaignId)
    .execute();
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  ws = await createTestWorkspace(db, clock);
  smtp = await startSmtpServer();
  listId = (await createList(db, clock, ws.admin, { key: 'product-news', name: 'Product news', optIn: 'single', wording: 'Send me product news' })).id;
  segmentId = (await createSegment(db, clock, ws.admin, { name: 'Onboarding', filter: { conditions: [{ field: 'phase', op: 'eq', value: 'onboarding' }] } }))
    .id;
  templateId = (
    await createTemplate(db, clock, ws.admin, {
      key: 'tips',
      name: 'Activation tips',
      subject: 'Tips for {{ account.name }}',
      body: '<p>Hi {{ contact.first_name }}, as {{ contact.title }} you can invite your team.</p><p><a href="{{ links.unsubscribe }}">Unsubscribe</a></p>',
    })
  ).id;
});
afterAll(async () => {
  await smtp?.close();
  await database?.dispose();
});

describe('campaign audience preview', () => {
  it('counts who will receive it and who is excluded and why: consent, withdrawal, left company, missing data; personas and segment filter', async () => {
    const onboarding = await createAccount(db, clock, ws.system, { name: unique('Onb'), phase: 'onboarding', tags: ['preview'] });
    const ongoing = await createAccount(db, clock, ws.system, { name: unique('Ong'), phase: 'ongoing', tags: ['preview'] });
    const receiving = await person(onboarding.id);
    await person(onboarding.id, { consent: 'none' });
    await person(onboarding.id, { consent: 'withdrawn' });
    await person(onboarding.id, { left: true });
    const noTitle = await person(onboarding.id, { title: null });
    await person(onboarding.id, { persona: 'champion' });
    await person(ongoing.id);
    const segment = (
      await createSegment(db, clock, ws.admin, {
        name: 'Onboarding preview',
        filter: {
          conditions: [
            { field: 'phase', op: 'eq', value: 'onboarding' },
            { field: 'tags', op: 'has', value: ['preview'] },
          ],
        },
      })
    ).id;
    const preview = await previewAudience(db, clock, ws.admin, { templateId: 'tips', listId: 'product-news', segmentId: segment, personas: ['admin'] });
    expect(preview).toMatchObject({
      total: 5,
      willReceive: 1,
      excluded: { no_consent: 1, withdrawn: 1, left_company: 1, missing_data: 1 },
      missingData: { 'contact.title': 1 },
      sampled: false,
    });
    expect(preview.examples).toContainEqual(expect.objectContaining({ contactId: noTitle.id, reason: 'missing_data', detail: 'no value for contact.title' }));
    expect(preview.examples.map((e) => e.contactId)).not.toContain(receiving.id);
    const everyone = await previewAudience(db, clock, ws.admin, { templateId, listId, segmentId: segment, personas: [] });
    expect(everyone.total).toBe(6);
  });
});

describe('campaign sending', () => {
  it('hands each contact to the outbox exactly once when the send job runs twice at the same time and again afterwards', async () => {
    const { accountId, people } = await audience(7);
    const campaign = await createCampaign(db, clock, ws.admin, { name: 'Concurrent', templateId, listId, segmentId: await segmentOf(accountId) });
    await scheduleCampaign(db, clock, ws.admin, campaign.id, { at: null });
    await Promise.all([runCampaigns(db, clock, { batch: 2, budgetMs: 5000 }), runCampaigns(db, clock, { batch: 2, budgetMs: 5000 })]);
    await runCampaigns(db, clock, { batch: 2, budgetMs: 2000 });
    const messages = await messagesOf(campaign.id);
    expect(messages.map((m) => m.recipient_id).sort()).toEqual(people.map((p) => p.id).sort());
    expect(new Set(messages.map((m) => m.dedupe_key)).size).toBe(7);
    expect(messages.every((m) => m.status === 'queued')).toBe(true);
    const after = await getCampaign(db, ws.admin, campaign.id);
    expect(after).toMatchObject({ status: 'sent', progress: { processed: 7, queued: 7, excluded: 0 } });
    expect(after.stats).toMatchObject({ queued: 7, sent: 0 });
  });

  it('pauses where it stopped and resumes after the last contact handed over, never twice', async () => {
    const { accountId, people } = await audience(6);
    const campaign = await createCampaign(db, clock, ws.admin, { name: 'Paused', templateId, listId, segmentId: await segmentOf(accountId) });
    await scheduleCampaign(db, clock, ws.admin, campaign.id, { at: null });
    // The outbox backlog limit stops it after the first batch (nothing is dispatched here).
    await runCampaigns(db, clock, { batch: 2, maxBacklog: 2, budgetMs: 300 });
    expect((await messagesOf(campaign.id)).length).toBe(2);
    const paused = await pauseCampaignByMember(db, clock, ws.admin, campaign.id);
    expect(paused).toMatchObject({ status: 'paused', pauseReason: 'Paused by Ada Admin' });
    await runCampaigns(db, clock, { batch: 2, budgetMs: 300 });
    expect((await messagesOf(campaign.id)).length).toBe(2);
    await resumeCampaign(db, clock, ws.admin, campaign.id);
    await runCampaigns(db, clock, { batch: 2, budgetMs: 2000 });
    const messages = await messagesOf(campaign.id);
    expect(messages.map((m) => m.recipient_id).sort()).toEqual(people.map((p) => p.id).sort());
    expect(await getCampaign(db, ws.admin, campaign.id)).toMatchObject({ status: 'sent', progress: { processed: 6, queued: 6 } });
    const audit = await listAudit(db, ws.system, { entityType: 'campaign', entityId: campaign.id, limit: 20 });
    expect(audit.items.map((a) => a.action).reverse()).toEqual([
      'campaign.created',
      'campaign.send_started',
      'campaign.paused',
      'campaign.resumed',
      'campaign.sent',
    ]);
  });

  it("resumes after a crashed worker's claim lapses, and stops when delivery pauses it", async () => {
    const { accountId } = await audience(3);
    const campaign = await createCampaign(db, clock, ws.admin, { name: 'Crashed', templateId, listId, segmentId: await segmentOf(accountId) });
    await scheduleCampaign(db, clock, ws.admin, campaign.id, { at: null });
    // A worker claimed it and died: its lease holds the campaign for two minutes.
    await db
      .updateTable('campaigns')
      .set({ locked_until: new Date(clock.now().getTime() + 120_000) })
      .where('id', '=', campaign.id)
      .execute();
    await runCampaigns(db, clock, { budgetMs: 300 });
    expect((await messagesOf(campaign.id)).length).toBe(0);
    clock.advance(121_000);
    expect(await pauseCampaign(db, clock, ws.workspaceId, campaign.id, 'Delivery paused it: 5 SMTP errors in a row')).toBe(true);
    await runCampaigns(db, clock, { budgetMs: 300 });
    expect(await getCampaign(db, ws.admin, campaign.id)).toMatchObject({ status: 'paused', pauseReason: 'Delivery paused it: 5 SMTP errors in a row' });
    await resumeCampaign(db, clock, ws.admin, campaign.id);
    await runCampaigns(db, clock, { budgetMs: 2000 });
    expect((await messagesOf(campaign.id)).length).toBe(3);
  });

  it("queues nothing more while delivery holds the workspace's marketing (complaint rate), and continues once it is lifted", async () => {
    const { accountId } = await audience(2);
    const campaign = await createCampaign(db, clock, ws.admin, { name: 'Held', templateId, listId, segmentId: await segmentOf(accountId) });
    await scheduleCampaign(db, clock, ws.admin, campaign.id, { at: null });
    await setMarketingPause(db, clock, ws.workspaceId, 'Complaint rate 0.31% reached 0.25%: marketing sends paused');
    try {
      await runCampaigns(db, clock, { budgetMs: 500 });
      expect((await messagesOf(campaign.id)).length).toBe(0);
      expect(await getCampaign(db, ws.admin, campaign.id)).toMatchObject({ status: 'sending', heldBy: expect.stringContaining('Complaint rate 0.31%') });
    } finally {
      await setMarketingPause(db, clock, ws.workspaceId, null);
    }
    await runCampaigns(db, clock, { budgetMs: 2000 });
    expect((await messagesOf(campaign.id)).length).toBe(2);
    expect(await getCampaign(db, ws.admin, campaign.id)).toMatchObject({ status: 'sent', heldBy: null });
  });

  it('starts a scheduled campaign when it is due, not before; a cancelled one never', async () => {
    const { accountId } = await audience(2);
    const segment = await segmentOf(accountId);
    const campaign = await createCampaign(db, clock, ws.admin, { name: 'Scheduled', templateId, listId, segmentId: segment });
    const at = new Date(clock.now().getTime() + 3600_000).toISOString();
    expect(await scheduleCampaign(db, clock, ws.admin, campaign.id, { at })).toMatchObject({ status: 'scheduled', scheduledAt: at });
    const cancelled = await createCampaign(db, clock, ws.admin, { name: 'Cancelled', templateId, listId, segmentId: segment });
    await scheduleCampaign(db, clock, ws.admin, cancelled.id, { at });
    await cancelCampaign(db, clock, ws.admin, cancelled.id);
    await runCampaigns(db, clock, { budgetMs: 500 });
    expect((await messagesOf(campaign.id)).length).toBe(0);
    clock.advance(3600_000);
    await runCampaigns(db, clock, { budgetMs: 2000 });
    expect((await messagesOf(campaign.id)).length).toBe(2);
    expect((await messagesOf(cancelled.id)).length).toBe(0);
    expect(await getCampaign(db, ws.admin, cancelled.id)).toMatchObject({ status: 'cancelled' });
  });

  it('does not send to a contact who unsubscribes while the campaign is queued; the others arrive over SMTP; stats count both', async () => {
    const { accountId, people } = await audience(3);
    const campaign = await createCampaign(db, clock, ws.admin, { name: 'June news', templateId, listId, segmentId: await segmentOf(accountId) });
    await scheduleCampaign(db, clock, ws.admin, campaign.id, { at: null });
    await runCampaigns(db, clock, { budgetMs: 2000 });
    const leaver = people[0] as { id: string; email: string };
    await recordConsent(db, clock, ws.workspaceId, {
      contactId: leaver.id,
      purpose: `list:${listId}`,
      action: 'withdrawn',
      method: 'one_click',
      recordedBy: { name: 'contact' },
    });
    const before = smtp.received.length;
    await dispatchDue(db, clock, config(), { budgetMs: 5000, pollMs: 0 });
    // Earlier tests' campaigns were queued too: look at this audience's mail.
    const emails = people.map((p) => p.email);
    const arrived = smtp.received.slice(before).filter((m) => m.envelope.to.some((to) => emails.includes(to)));
    expect(arrived.flatMap((m) => m.envelope.to).sort()).toEqual(
      people
        .slice(1)
        .map((p) => p.email)
        .sort(),
    );
    const mail = arrived[0]?.parsed;
    expect(mail?.subject).toMatch(/^Tips for Acme-/);
    expect(mail?.html).toMatch(/href="https:\/\/momentum\.example\.com\/(u|r)\//);
    expect(mail?.text).toContain('as Admin you can invite your team');
    const stats = (await getCampaign(db, ws.admin, campaign.id)).stats;
    expect(stats).toMatchObject({ sent: 2, delivered: 2, queued: 0, excluded: { withdrawn: 1 } });
  });

  it('sends a template test to the signed-in member, rendered as a chosen contact, over SMTP', async () => {
    const { people } = await audience(1);
    const contact = people[0] as { id: string };
    const before = smtp.received.length;
    const result = await sendTestTemplate(db, clock, ws.admin, 'tips', { contactId: contact.id });
    expect(result).toMatchObject({ queued: true, to: 'Ada Admin', reason: null });
    await dispatchDue(db, clock, config(), { budgetMs: 5000, pollMs: 0 });
    const arrived = smtp.received.slice(before).filter((m) => m.envelope.to.includes(ws.adminEmail));
    expect(arrived).toHaveLength(1);
    expect(arrived[0]?.parsed?.subject).toMatch(/^\[Test\] Tips for Acme-/);
  });
});

describe('campaigns API', () => {
  it('refuses bad input naming the field and changes nothing: unknown template variable, list, segment, template, a time in the past', async () => {
    const api = await createTestApp(db, clock);
    const key = await createTestKey(db, clock, ws);
    try {
      const variable = await api.call('POST', '/api/v1/templates', {
        key,
        body: { key: 'bad-var', name: 'Bad', subject: 'Hi', body: '<p>{{ contact.nickname }}</p>' },
      });
      expect(variable.status).toBe(400);
      expect(variable.body.error.details[0]).toMatchObject({ path: 'body.body', message: expect.stringContaining('unknown variable contact.nickname') });
      expect((await api.call('GET', '/api/v1/templates/bad-var', { key })).status).toBe(404);

      const base = { name: 'Bad', templateId: 'tips', listId: 'product-news', segmentId: null, personas: ['admin'] };
      const list = await api.call('POST', '/api/v1/campaigns', { key, body: { ...base, listId: '3f1e4a52-5e1c-4a55-9b5e-000000000000' } });
      expect(list.status).toBe(400);
      expect(list.body.error.details).toEqual([{ path: 'body.listId', message: 'is not a list of this workspace' }]);
      const segment = await api.call('POST', '/api/v1/campaigns', { key, body: { ...base, segmentId: '3f1e4a52-5e1c-4a55-9b5e-000000000000' } });
      expect(segment.body.error.details).toEqual([{ path: 'body.segmentId', message: 'is not a segment of this workspace' }]);
      const template = await api.call('POST', '/api/v1/campaigns', { key, body: { ...base, templateId: 'nope' } });
      expect(template.body.error.details).toEqual([{ path: 'body.templateId', message: 'is not a template of this workspace' }]);
      const persona = await api.call('POST', '/api/v1/campaigns', { key, body: { ...base, personas: ['boss'] } });
      expect(persona.status).toBe(400);
      expect(persona.body.error.details[0].path).toBe('body.personas.0');

      const created = await api.call('POST', '/api/v1/campaigns', { key, body: { ...base, segmentId } });
      expect(created.status).toBe(201);
      const past = await api.call('POST', `/api/v1/campaigns/${created.body.id}/schedule`, { key, body: { at: '2026-05-31T09:00:00Z' } });
      expect(past.status).toBe(400);
      expect(past.body.error.details[0]).toMatchObject({ path: 'body.at', message: expect.stringContaining('in the past') });
      const shown = await api.call('GET', `/api/v1/campaigns/${created.body.id}`, { key });
      expect(shown.body).toMatchObject({ status: 'draft', template: { key: 'tips' }, list: { key: 'product-news' }, segment: { name: 'Onboarding' } });
      const resume = await api.call('POST', `/api/v1/campaigns/${created.body.id}/resume`, { key });
      expect(resume.status).toBe(409);
      const preview = await api.call('GET', `/api/v1/campaigns/${created.body.id}/audience`, { key });
      expect(preview.status).toBe(200);
      expect(preview.body.total).toBeGreaterThan(0);
    } finally {
      await api.close();
    }
  });
});
