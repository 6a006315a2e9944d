import type { Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import { type Clock, fixedClock } from '../../lib/clock.ts';
import { createList, findListRow, recordConsent } from '../consent/consent.ts';
import { recordInteractionEvent } from '../events/events.ts';
import { listSegments } from '../segments/segments.ts';
import type { TemplateCreate } from '../templates/templates.schema.ts';
import { createTemplate, findTemplate } from '../templates/templates.ts';
import { sendDueSteps } from './streams.jobs.ts';
import { createStream, enrolContacts, updateStream } from './streams.ts';

const DAY = 86_400_000;

/** The list the onboarding nurture and the inactivity nudge mail to (created unless the consent demo has it). */
export const DEMO_TIPS_LIST = 'product-tips';

const body = (paragraphs: string[]) => paragraphs.map((p) => `<p>${p}</p>`).join('\n');

/** The templates the example models' automated moments and the onboarding stream send (each created unless it exists). */
const demoTemplates: TemplateCreate[] = [
  {
    key: 'activation-confirmed',
    name: 'Activation confirmed',
    kind: 'transactional',
    subject: '{{ account.name }} is live',
    body: body(['Hi {{ contact.name }},', '{{ account.name }} is activated: your team can sign in and start. Reply to this email if you need a hand.']),
  },
  {
    key: 'usage-report',
    name: 'Monthly usage report',
    kind: 'transactional',
    subject: 'Your month with us, {{ account.name }}',
    body: body(['Hi {{ contact.name }},', 'Here is how {{ account.name }} used the product this month. Your full report is in the admin console.']),
  },
  {
    key: 'inactive-nudge',
    name: 'Inactivity nudge',
    kind: 'marketing',
    subject: 'We miss you at {{ account.name }}',
    body: body(['Hi {{ contact.name }},', 'Nobody from {{ account.name }} has signed in for two weeks. Three things worth coming back for are waiting.']),
  },
  {
    key: 'renewal-reminder',
    name: 'Renewal reminder',
    kind: 'transactional',
    subject: 'Your renewal is coming up, {{ account.name }}',
    body: body(['Hi {{ contact.name }},', 'The subscription of {{ account.name }} renews soon. You can review it and renew online from the admin console.']),
  },
  {
    key: 'onboarding-welcome',
    name: 'Onboarding 1: welcome',
    kind: 'marketing',
    subject: 'Welcome aboard, {{ contact.name }}',
    body: body(['Hi {{ contact.name }},', 'Welcome to the team at {{ account.name }}! Start with the five-minute tour.']),
  },
  {
    key: 'onboarding-first-project',
    name: 'Onboarding 2: your first project',
    kind: 'marketing',
    subject: 'Your first project in ten minutes',
    body: body(['Hi {{ contact.name }},', 'Most teams at accounts like {{ account.name }} start with one small project. Here is how.']),
  },
  {
    key: 'onboarding-invite-team',
    name: 'Onboarding 3: invite your team',
    kind: 'marketing',
    subject: 'Bring your team along',
    body: body(['Hi {{ contact.name }},', 'The product works best when the whole team is in. Invite them in two clicks.']),
  },
];

/** The demo's seeded accounts, as demo.ts has them. */
export interface DemoAccount {
  accountId: string;
  planned: { touchModel: string };
  contacts: { id: string; persona: string }[];
}

/**
 * The messaging the example models need, before they are applied (their actions name these): templates, the
 * product-tips list, and an active onboarding nurture stream for tech-touch admins and users, whose contacts entered
 * over the last two weeks, so that they are at various steps (sent as of their day), some completed and some exited
 * (the account activated, or the contact unsubscribed).
 */
export async function seedStreamsDemo(tx: Tx, clock: Clock, admin: Actor, accounts: DemoAccount[]): Promise<void> {
  const ws = admin.workspaceId;
  const techSegmentId = (await listSegments(tx, clock, admin)).find((s) => s.name === 'Tech touch')?.id ?? null;
  const contacts = accounts.flatMap((a) => a.contacts.map((c) => ({ ...c, accountId: a.accountId, touchModel: a.planned.touchModel })));
  for (const template of demoTemplates) if (!(await findTemplate(tx, ws, template.key))) await createTemplate(tx, clock, admin, template);
  const list =
    (await findListRow(tx, ws, DEMO_TIPS_LIST)) ??
    (await createList(tx, clock, admin, {
      key: DEMO_TIPS_LIST,
      name: 'Product tips',
      optIn: 'single',
      wording: 'Send me tips to get more out of the product',
    }));
  const stream = await createStream(tx, clock, admin, {
    key: 'onboarding-nurture',
    name: 'Onboarding nurture',
    description: 'Three emails over the first week of a tech-touch account, until it is activated',
    list: list.id,
    entry: { segmentId: techSegmentId, personas: ['admin', 'champion', 'end_user'] },
    exit: { events: ['Account Activated'], phases: ['ongoing'] },
    steps: [
      { template: 'onboarding-welcome', delay: '0d' },
      { template: 'onboarding-first-project', delay: '2d' },
      { template: 'onboarding-invite-team', delay: '5d' },
    ],
  });
  const now = clock.now().getTime();
  const at = (daysAgo: number) => fixedClock(new Date(now - daysAgo * DAY));
  // Started two weeks ago (so its enrolments have a history); entries from the segment rule start with its next run.
  await updateStream(tx, at(14), admin, stream.id, { status: 'active' });
  const entrants = contacts.filter((c) => c.touchModel === 'tech' && ['admin', 'champion', 'end_user'].includes(c.persona)).slice(0, 48);
  // Most said yes to the tips when they signed up; a few never did (their emails are excluded: no consent).
  for (const [i, c] of entrants.entries()) {
    if (i % 7 === 6) continue;
    await recordConsent(tx, at(30), ws, { contactId: c.id, purpose: `list:${list.id}`, action: 'granted', method: 'form', recordedBy: { name: 'contact' } });
  }
  for (let daysAgo = 13; daysAgo >= 0; daysAgo--) {
    const day = entrants.filter((_, i) => i % 14 === 13 - daysAgo);
    if (day.length > 0)
      await enrolContacts(
        tx,
        at(daysAgo),
        ws,
        stream.id,
        day.map((c) => c.id),
        { type: 'segment', id: techSegmentId },
      );
    if (daysAgo === 6) {
      // One account activated (its contacts exit), one contact unsubscribed (exits at their next step).
      const activated = entrants[0];
      if (activated) {
        await recordInteractionEvent(tx, at(6), ws, {
          accountId: activated.accountId,
          name: 'Account Activated',
          channel: 'product',
          digital: true,
          key: 'demo-activated',
          source: 'demo',
        });
      }
      const leaving = entrants[3];
      if (leaving) {
        await recordConsent(tx, at(6), ws, {
          contactId: leaving.id,
          purpose: `list:${list.id}`,
          action: 'withdrawn',
          method: 'one_click',
          recordedBy: { name: 'contact' },
        });
      }
    }
    await sendDueSteps(tx, at(daysAgo), { workspaceId: ws });
  }
}
