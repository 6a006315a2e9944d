// The demo workspace's templates and campaigns: a newsletter list most admins and champions consented to (imported
// with proof, a few withdrawn since), a campaign sent nine days ago with what its readers did since (opens, some by
// privacy proxies, and clicks, recorded as the tracking links record them), and a draft for the renewal season.
import type { Config } from '../../config.ts';
import type { Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import { type Clock, fixedClock } from '../../lib/clock.ts';
import { createList, findListRow, recordConsent } from '../consent/consent.ts';
import { dispatchDue } from '../messaging/messaging.dispatch.ts';
import { recordClick, recordOpen } from '../messaging/messaging.tracking.ts';
import { listSegments } from '../segments/segments.ts';
import type { TemplateCreate } from '../templates/templates.schema.ts';
import { createTemplate, findTemplate } from '../templates/templates.ts';
import { runCampaigns } from './campaigns.jobs.ts';
import { createCampaign, scheduleCampaign } from './campaigns.ts';

const DAY = 86_400_000;
export const DEMO_NEWS_LIST = 'product-news';

export const demoCampaignTemplates: TemplateCreate[] = [
  {
    key: 'welcome',
    name: 'Welcome',
    kind: 'marketing',
    subject: 'Welcome to {{ workspace.name }}, {{ contact.first_name }}',
    body: `<h2>Welcome, {{ contact.first_name }}!</h2>
<p>We are glad {{ account.name }} is on board. {{ team.csm.name | default: "Your customer success manager" }} will guide your first weeks.</p>
<p>Three things to do first: invite your team, connect your data, and pick the outcome you want in ninety days.</p>
<p><a href="https://momentum.demo/start">Open the getting-started guide</a></p>`,
  },
  {
    key: 'activation-tips',
    name: 'Activation tips',
    kind: 'marketing',
    subject: '{{ contact.first_name }}, three tips to get {{ account.name }} going',
    body: `<p>Hi {{ contact.first_name }},</p>
<p>As {{ contact.title }}, you set the pace for {{ account.name }}. Teams that activate fastest do three things:</p>
<ol><li>Invite five colleagues in the first week.</li><li>Build one dashboard their leadership looks at.</li><li>Book a 30-minute review with {{ team.csm.name | default: "their CSM" }}.</li></ol>
<p><a href="https://momentum.demo/tips/activation">Read the full checklist</a></p>`,
  },
  {
    key: 'monthly-newsletter',
    name: 'Monthly product news',
    kind: 'marketing',
    bodyFormat: 'mjml',
    subject: 'Product news for {{ account.name }}',
    body: `<mjml>
  <mj-body background-color="#f4f5f7">
    <mj-section background-color="#1c64d9" padding="24px">
      <mj-column><mj-text color="#ffffff" font-size="22px" font-weight="700">Product news</mj-text></mj-column>
    </mj-section>
    <mj-section background-color="#ffffff">
      <mj-column>
        <mj-text font-size="16px" line-height="1.5">Hi {{ contact.first_name }}, here is what is new this month for {{ account.name }}.</mj-text>
        <mj-text font-size="16px" line-height="1.5"><strong>Scheduled exports</strong>: send any dashboard to your team every Monday.</mj-text>
        <mj-button background-color="#1c64d9" href="https://momentum.demo/releases">See everything new</mj-button>
      </mj-column>
    </mj-section>
    <mj-section><mj-column><mj-text font-size="12px" color="#6b7280"><a href="{{ links.preferences }}">Choose what you receive</a></mj-text></mj-column></mj-section>
  </mj-body>
</mjml>`,
  },
];

/** The demo's seeded accounts, as demo.ts has them. */
export interface DemoCampaignAccount {
  contacts: { id: string; persona: string }[];
}

const DESKTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
/** Apple Mail Privacy Protection fetches every pixel with a bare user agent soon after delivery. */
const PROXY = 'Mozilla/5.0';

/**
 * The sent campaign's history: its messages go out (as .eml files in the data dir's outbox: demo addresses are never
 * mailed, whatever SMTP_URL says), then, over the following days, seven readers in ten open it (one in ten only
 * through a privacy proxy, a machine open), three in ten click through to the release notes.
 */
async function seedCampaignHistory(tx: Tx, sentAt: Date, config: Config, workspaceId: string, campaignId: string): Promise<void> {
  const sendClock = fixedClock(sentAt);
  await dispatchDue(tx, sendClock, { ...config, smtpUrl: undefined }, { workspaceId, budgetMs: 60_000, batch: 500 });
  const sent = await tx
    .selectFrom('messages')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('source_type', '=', 'campaign')
    .where('source_id', '=', campaignId)
    .where('status', '=', 'sent')
    .orderBy('to_address')
    .execute();
  for (const [i, { id }] of sent.entries()) {
    const data = { workspaceId, messageId: id };
    const later = (minutes: number) => fixedClock(new Date(sentAt.getTime() + minutes * 60_000));
    if (i % 10 === 7) await recordOpen(tx, later(1), data, PROXY);
    if (i % 10 >= 7) continue;
    await recordOpen(tx, later(45 + ((i * 97) % 2800)), data, i % 2 ? PHONE : DESKTOP);
    if (i % 10 < 3) await recordClick(tx, later(50 + ((i * 97) % 2800)), data, 'https://momentum.demo/releases', i % 2 ? PHONE : DESKTOP);
  }
}

export async function seedCampaignsDemo(tx: Tx, clock: Clock, admin: Actor, accounts: DemoCampaignAccount[], config?: Config): Promise<void> {
  const ws = admin.workspaceId;
  const now = clock.now().getTime();
  const at = (daysAgo: number) => fixedClock(new Date(now - daysAgo * DAY));
  for (const template of demoCampaignTemplates) if (!(await findTemplate(tx, ws, template.key))) await createTemplate(tx, at(30), admin, template);
  const list =
    (await findListRow(tx, ws, DEMO_NEWS_LIST)) ??
    (await createList(tx, at(60), admin, {
      key: DEMO_NEWS_LIST,
      name: 'Product news',
      optIn: 'double',
      wording: 'Send me the monthly product news (about one email a month)',
    }));
  // Consent imported with its proof for three admins or champions in four; one in twelve unsubscribed later.
  const people = accounts.flatMap((a) => a.contacts).filter((c) => c.persona === 'admin' || c.persona === 'champion');
  for (const [i, person] of people.entries()) {
    if (i % 4 === 3) continue;
    await recordConsent(tx, at(45), ws, {
      contactId: person.id,
      purpose: `list:${list.id}`,
      action: 'granted',
      method: 'import',
      proof: 'Webinar registrations, March 2026: opt-in checkbox with the list wording (export kept by marketing)',
      recordedBy: { name: admin.name, memberId: admin.id },
    });
    if (i % 12 === 5) {
      await recordConsent(tx, at(20), ws, {
        contactId: person.id,
        purpose: `list:${list.id}`,
        action: 'withdrawn',
        method: 'unsubscribe_page',
        recordedBy: { name: 'contact' },
      });
    }
  }
  const segments = await listSegments(tx, clock, admin);
  const sent = await createCampaign(tx, at(10), admin, {
    name: 'May product news',
    templateId: 'monthly-newsletter',
    listId: list.id,
    segmentId: null,
    personas: ['admin', 'champion'],
  });
  await scheduleCampaign(tx, at(10), admin, sent.id, { at: new Date(now - 9 * DAY).toISOString() });
  await runCampaigns(tx, at(9), { budgetMs: 60_000, maxBacklog: 100_000 });
  if (config) await seedCampaignHistory(tx, new Date(now - 9 * DAY + 10 * 60_000), config, ws, sent.id);
  await createCampaign(tx, clock, admin, {
    name: 'Renewal season: activation tips for admins',
    templateId: 'activation-tips',
    listId: list.id,
    segmentId: segments.find((s) => s.name === 'Renewing in 90 days')?.id ?? null,
    personas: ['admin'],
  });
}
