import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Purpose } from '../consent/consent.gate.ts';
import { findListRow } from '../consent/consent.ts';
import { enqueueMessages, type OutgoingMessage } from '../messaging/messaging.outbox.ts';
import type { ModelDefinition, ModelIssue, MomentAction } from '../models/models.schema.ts';
import { renderTemplate } from '../templates/templates.ts';
import { enrolContacts, findStreamByKey, findTemplateKeys } from './streams.ts';

// The engine's sending actions (model files' `email` and `enrol`): run by moments.runAutomatedMoments for one moment
// instance, and checked against the workspace when a model is validated or applied.

export type EmailAction = Extract<MomentAction, { type: 'email' }>;
export type EnrolAction = Extract<MomentAction, { type: 'enrol' }>;

export interface ActionInstance {
  workspaceId: string;
  id: string;
  accountId: string;
}

export interface ActionResult {
  ok: boolean;
  /** One line for the instance's outcome, e.g. "sent 2, excluded 1: no consent". */
  outcome: string;
  /** Merged into the instance's evidence. */
  evidence: Record<string, unknown>;
}

const readable = (reason: string) => reason.replaceAll('_', ' ');

/** The account's contacts (still at the company) with one of these personas. */
async function contactsOf(db: Db, instance: ActionInstance, personas: string[]): Promise<string[]> {
  const rows = await db
    .selectFrom('contacts')
    .select('id')
    .where('workspace_id', '=', instance.workspaceId)
    .where('account_id', '=', instance.accountId)
    .where('persona', 'in', personas)
    .where('left_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * `email`: the template, rendered for each contact of the personas, into the outbox through the gate (a list: its
 * confirmed subscribers only; no list: a service email, allowed by a running contract). One message per instance and
 * contact (dedupe key `moment:<instance>:<contact>`), so running the action again sends nothing twice.
 */
export async function runEmailAction(db: Db, clock: Clock, instance: ActionInstance, action: EmailAction): Promise<ActionResult> {
  let purpose: Purpose = { kind: 'service' };
  if (action.list) {
    const list = await findListRow(db, instance.workspaceId, action.list);
    if (!list) return { ok: false, outcome: `not sent: no mailing list ${action.list}`, evidence: {} };
    purpose = { kind: 'list', listId: list.id };
  }
  const contactIds = await contactsOf(db, instance, action.personas);
  if (contactIds.length === 0) {
    return {
      ok: true,
      outcome: `not sent: no contact with persona ${action.personas.join(' or ')}`,
      evidence: { email: { template: action.template, recipients: 0 } },
    };
  }
  if ((await findTemplateKeys(db, instance.workspaceId, [action.template])).size === 0) {
    return { ok: false, outcome: `not sent: no template ${action.template}`, evidence: {} };
  }
  const rendered = await renderTemplate(db, instance.workspaceId, action.template, contactIds, { clock });
  const messages: OutgoingMessage[] = contactIds.map((contactId) => ({
    recipientId: contactId,
    purpose,
    source: { type: 'moment', id: instance.id, label: action.template },
    dedupeKey: `moment:${instance.id}:${contactId}`,
    content: rendered.get(contactId) ?? { missing: ['contact'] },
  }));
  const result = await enqueueMessages(db, clock, instance.workspaceId, messages);
  const excluded = Object.entries(result.excluded).filter(([, n]) => (n ?? 0) > 0) as [string, number][];
  const excludedCount = excluded.reduce((sum, [, n]) => sum + n, 0);
  const parts = [`sent ${result.queued}`];
  if (excludedCount > 0)
    parts.push(`excluded ${excludedCount}: ${excluded.map(([reason, n]) => (excluded.length > 1 ? `${n} ${readable(reason)}` : readable(reason))).join(', ')}`);
  if (result.duplicates > 0) parts.push(`${result.duplicates} already sent`);
  return {
    ok: true,
    outcome: parts.join(', '),
    evidence: {
      email: {
        template: action.template,
        list: action.list ?? null,
        recipients: contactIds.length,
        queued: result.queued,
        excluded: Object.fromEntries(excluded),
        duplicates: result.duplicates,
      },
    },
  };
}

/** `enrol`: the account's contacts of the personas enter the stream (each contact once, ever). */
export async function runEnrolAction(db: Db, clock: Clock, instance: ActionInstance, action: EnrolAction): Promise<ActionResult> {
  const stream = await findStreamByKey(db, instance.workspaceId, action.stream);
  if (!stream) return { ok: false, outcome: `not enrolled: no stream ${action.stream}`, evidence: {} };
  if (stream.status === 'draft' || stream.status === 'archived')
    return { ok: true, outcome: `not enrolled: stream ${action.stream} is ${stream.status}`, evidence: {} };
  const contactIds = await contactsOf(db, instance, action.personas);
  const result = await enrolContacts(db, clock, instance.workspaceId, stream.id, contactIds, { type: 'moment', id: instance.id });
  const outcome =
    contactIds.length === 0
      ? `not enrolled: no contact with persona ${action.personas.join(' or ')}`
      : `enrolled ${result.enrolled} in ${action.stream}${result.skipped > 0 ? `, ${result.skipped} enrolled before` : ''}`;
  return { ok: true, outcome, evidence: { enrol: { stream: action.stream, enrolled: result.enrolled, skipped: result.skipped } } };
}

/**
 * Model issues for actions naming templates, lists or streams this workspace does not have: warnings (the model is
 * valid and may be applied before its content exists, like events not received yet), each saying what happens until
 * then: the action fails, is tried again twice, and the moment is marked missed.
 */
export async function lintMomentActions(db: Db, workspaceId: string, def: ModelDefinition): Promise<ModelIssue[]> {
  const issues: ModelIssue[] = [];
  const templates = await findTemplateKeys(
    db,
    workspaceId,
    def.moments.flatMap((m) => (m.action?.type === 'email' ? [m.action.template] : [])),
  );
  for (const [i, m] of def.moments.entries()) {
    const action = m.action;
    if (action?.type === 'email') {
      if (!templates.has(action.template))
        issues.push({
          severity: 'warning',
          path: `moments.${i}.action.template`,
          message: `${action.template} is not a template of this workspace: nothing is sent until it exists`,
        });
      if (action.list) {
        const list = await findListRow(db, workspaceId, action.list);
        if (!list)
          issues.push({
            severity: 'warning',
            path: `moments.${i}.action.list`,
            message: `${action.list} is not a mailing list of this workspace: nothing is sent until it exists`,
          });
        else if (list.archived_at)
          issues.push({ severity: 'warning', path: `moments.${i}.action.list`, message: `${action.list} is archived: nobody will receive it` });
      }
    }
    if (action?.type === 'enrol') {
      const stream = await findStreamByKey(db, workspaceId, action.stream);
      if (!stream)
        issues.push({
          severity: 'warning',
          path: `moments.${i}.action.stream`,
          message: `${action.stream} is not a stream of this workspace: nobody is enrolled until it exists`,
        });
      else if (stream.status !== 'active')
        issues.push({ severity: 'warning', path: `moments.${i}.action.stream`, message: `stream ${action.stream} is ${stream.status}` });
    }
  }
  return issues;
}
