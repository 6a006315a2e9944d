import type { Selectable } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import { type Actor, systemActor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, invalid, notFound, parseBody } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import { findListRow } from '../consent/consent.ts';
import { resumeMessageSource } from '../messaging/messaging.feedback.ts';
import { senderIdentity } from '../messaging/messaging.settings.ts';
import { messageStats } from '../messaging/messaging.stats.ts';
import { findSegment } from '../segments/segments.ts';
import { findTemplate } from '../templates/templates.ts';
import { type Audience, audienceFilter, previewAudienceOf } from './campaigns.audience.ts';
import {
  type AudiencePreview,
  type Campaign,
  type CampaignAudienceInput,
  type CampaignCreate,
  type CampaignDetail,
  type CampaignStats,
  type CampaignUpdate,
  campaignAudienceSchema,
  campaignCreateSchema,
  campaignScheduleSchema,
  campaignUpdateSchema,
} from './campaigns.schema.ts';
import type { CampaignStatus, CampaignsTable } from './campaigns.table.ts';

type Row = Selectable<CampaignsTable>;

async function toCampaigns(db: Db | Tx, workspaceId: string, rows: Row[]): Promise<Campaign[]> {
  if (rows.length === 0) return [];
  const templateIds = [...new Set(rows.map((r) => r.template_id))];
  const listIds = [...new Set(rows.map((r) => r.list_id))];
  const segmentIds = [...new Set(rows.flatMap((r) => (r.segment_id ? [r.segment_id] : [])))];
  const [templates, lists, segments] = await Promise.all([
    (db as Db).selectFrom('templates').select(['id', 'key', 'name']).where('workspace_id', '=', workspaceId).where('id', 'in', templateIds).execute(),
    Promise.all(listIds.map((id) => findListRow(db, workspaceId, id))),
    Promise.all(segmentIds.map((id) => findSegment(db as Db, systemActor(workspaceId), id))),
  ]);
  const template = new Map(templates.map((t) => [t.id, t]));
  const list = new Map(lists.flatMap((l) => (l ? [[l.id, { id: l.id, key: l.key, name: l.name }] as const] : [])));
  const segment = new Map(segments.flatMap((s) => (s ? [[s.id, { id: s.id, name: s.name }] as const] : [])));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    template: template.get(r.template_id) ?? { id: r.template_id, key: '', name: '(deleted template)' },
    list: list.get(r.list_id) ?? { id: r.list_id, key: '', name: '(deleted list)' },
    segment: r.segment_id ? (segment.get(r.segment_id) ?? { id: r.segment_id, name: '(deleted segment)' }) : null,
    personas: r.personas as Campaign['personas'],
    status: r.status,
    scheduledAt: r.scheduled_at?.toISOString() ?? null,
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
    pausedAt: r.paused_at?.toISOString() ?? null,
    pauseReason: r.pause_reason,
    progress: { processed: r.processed, queued: r.queued, excluded: r.excluded },
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  }));
}

async function getRow(db: Db | Tx, workspaceId: string, id: string, lock = false): Promise<Row> {
  let q = (db as Db).selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('Campaign');
  return row;
}

export async function listCampaigns(db: Db, actor: Actor, query: { status?: CampaignStatus | undefined; limit: number }): Promise<Campaign[]> {
  let q = db.selectFrom('campaigns').selectAll().where('workspace_id', '=', actor.workspaceId);
  if (query.status) q = q.where('status', '=', query.status);
  return toCampaigns(db, actor.workspaceId, await q.orderBy('created_at', 'desc').limit(query.limit).execute());
}

/** Why delivery holds the workspace's marketing sends (complaint rate too high), or null. */
export async function marketingHold(db: Db | Tx, workspaceId: string): Promise<string | null> {
  // Links are not built here: the public URL only fills the identity's fallback sender address.
  const identity = await senderIdentity(db, { publicUrl: 'http://localhost' }, workspaceId);
  return identity.marketingPausedAt ? (identity.marketingPausedReason ?? 'Marketing sends are paused') : null;
}

/** What happened to a campaign's messages (messaging's stats of its source). */
export async function campaignStats(db: Db | Tx, workspaceId: string, id: string): Promise<CampaignStats> {
  const s = await messageStats(db, workspaceId, { sourceType: 'campaign', sourceId: id });
  return {
    queued: s.queued,
    sent: s.sent,
    delivered: s.delivered,
    opened: s.opened,
    machineOpened: s.machineOpened,
    clicked: s.clicked,
    unsubscribed: s.unsubscribed,
    bounced: s.bounced,
    complained: s.complained,
    excluded: s.excluded,
  };
}

export async function getCampaign(db: Db, actor: Actor, id: string): Promise<CampaignDetail> {
  const [campaign] = await toCampaigns(db, actor.workspaceId, [await getRow(db, actor.workspaceId, id)]);
  const [stats, hold] = await Promise.all([campaignStats(db, actor.workspaceId, id), marketingHold(db, actor.workspaceId)]);
  const active = campaign?.status === 'sending' || campaign?.status === 'scheduled' || campaign?.status === 'paused';
  return { ...(campaign as Campaign), stats, heldBy: active ? hold : null };
}

interface Resolved {
  templateId: string;
  listId: string;
  segmentId: string | null;
  personas: string[];
}

/** Checks what a campaign names (template, list, segment), naming the field that is wrong. */
async function resolveAudience(
  db: Db | Tx,
  workspaceId: string,
  input: { templateId: string; listId: string; segmentId: string | null; personas: string[] },
): Promise<Resolved> {
  const template = await findTemplate(db, workspaceId, input.templateId);
  if (!template) throw invalid('body.templateId', 'is not a template of this workspace');
  if (template.archived) throw invalid('body.templateId', `template "${template.name}" is archived`);
  if (template.kind !== 'marketing') throw invalid('body.templateId', `template "${template.name}" is transactional: a campaign sends marketing templates`);
  const list = await findListRow(db, workspaceId, input.listId);
  if (!list) throw invalid('body.listId', 'is not a list of this workspace');
  if (list.archived_at) throw invalid('body.listId', `list "${list.name}" is archived`);
  if (input.segmentId && !(await findSegment(db as Db, systemActor(workspaceId), input.segmentId)))
    throw invalid('body.segmentId', 'is not a segment of this workspace');
  return { templateId: template.id, listId: list.id, segmentId: input.segmentId, personas: input.personas };
}

/** A new campaign, as a draft. */
export async function createCampaign(db: Db, clock: Clock, actor: Actor, input: CampaignCreate): Promise<CampaignDetail> {
  const body = parseBody(campaignCreateSchema, input);
  const resolved = await resolveAudience(db, actor.workspaceId, body);
  const now = clock.now();
  const id = newId();
  await inTransaction(db, async (tx) => {
    await tx
      .insertInto('campaigns')
      .values({
        workspace_id: actor.workspaceId,
        id,
        name: body.name,
        template_id: resolved.templateId,
        list_id: resolved.listId,
        segment_id: resolved.segmentId,
        personas: resolved.personas,
        status: 'draft',
        scheduled_at: null,
        started_at: null,
        finished_at: null,
        paused_at: null,
        pause_reason: null,
        cursor_contact_id: null,
        processed: 0,
        queued: 0,
        excluded: 0,
        duplicates: 0,
        locked_until: null,
        created_by: actor.name,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await recordAudit(tx, clock, actor, { action: 'campaign.created', entityType: 'campaign', entityId: id, after: { name: body.name, ...resolved } });
  });
  return getCampaign(db, actor, id);
}

/** Changes a draft or scheduled campaign (one that has started sending keeps its content and audience). */
export async function updateCampaign(db: Db, clock: Clock, actor: Actor, id: string, input: CampaignUpdate): Promise<CampaignDetail> {
  const body = parseBody(campaignUpdateSchema, input);
  await inTransaction(db, async (tx) => {
    const before = await getRow(tx, actor.workspaceId, id, true);
    if (before.status !== 'draft' && before.status !== 'scheduled') throw new AppError('conflict', `A ${before.status} campaign cannot be changed`);
    const resolved = await resolveAudience(tx, actor.workspaceId, {
      templateId: body.templateId ?? before.template_id,
      listId: body.listId ?? before.list_id,
      segmentId: body.segmentId !== undefined ? body.segmentId : before.segment_id,
      personas: body.personas ?? before.personas,
    });
    await tx
      .updateTable('campaigns')
      .set({
        ...(body.name !== undefined && { name: body.name }),
        template_id: resolved.templateId,
        list_id: resolved.listId,
        segment_id: resolved.segmentId,
        personas: resolved.personas,
        updated_at: clock.now(),
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .execute();
    await recordAudit(tx, clock, actor, {
      action: 'campaign.updated',
      entityType: 'campaign',
      entityId: id,
      before: { name: before.name, templateId: before.template_id, listId: before.list_id, segmentId: before.segment_id, personas: before.personas },
      after: { name: body.name ?? before.name, ...resolved },
    });
  });
  return getCampaign(db, actor, id);
}

/** The audience preview of a draft (before saving it): how many will receive it, how many are excluded and why. */
export async function previewAudience(db: Db, clock: Clock, actor: Actor, input: CampaignAudienceInput): Promise<AudiencePreview> {
  const body = parseBody(campaignAudienceSchema, input);
  const resolved = await resolveAudience(db, actor.workspaceId, body);
  const audience: Audience = { workspaceId: actor.workspaceId, segmentId: resolved.segmentId, personas: resolved.personas };
  const filter = await audienceFilter(db, clock, audience);
  if (!filter) throw invalid('body.segmentId', 'is not a segment of this workspace');
  return previewAudienceOf(db, clock, audience, filter, resolved.listId, resolved.templateId);
}

/** A saved campaign's audience preview (as it would be sent now). */
export async function previewCampaignAudience(db: Db, clock: Clock, actor: Actor, id: string): Promise<AudiencePreview> {
  const row = await getRow(db, actor.workspaceId, id);
  return previewAudience(db, clock, actor, { templateId: row.template_id, listId: row.list_id, segmentId: row.segment_id, personas: row.personas as never });
}

async function transition(
  db: Db,
  clock: Clock,
  actor: Actor,
  id: string,
  action: string,
  change: (row: Row, now: Date, tx: Tx) => Promise<Partial<CampaignsTable>> | Partial<CampaignsTable>,
): Promise<CampaignDetail> {
  await inTransaction(db, async (tx) => {
    const before = await getRow(tx, actor.workspaceId, id, true);
    const now = clock.now();
    const set = await change(before, now, tx);
    await tx
      .updateTable('campaigns')
      .set({ ...set, updated_at: now })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .execute();
    await recordAudit(tx, clock, actor, {
      action,
      entityType: 'campaign',
      entityId: id,
      before: { status: before.status, scheduledAt: before.scheduled_at?.toISOString() ?? null },
      after: {
        status: set.status ?? before.status,
        scheduledAt: (set.scheduled_at ?? before.scheduled_at)?.toISOString() ?? null,
        reason: set.pause_reason ?? null,
      },
    });
  });
  return getCampaign(db, actor, id);
}

const refuse = (row: Row, what: string) => new AppError('conflict', `A ${row.status} campaign cannot be ${what}`);

/** Sends now (the send job starts within a minute) or schedules for a future time; a draft or a scheduled campaign. */
export async function scheduleCampaign(db: Db, clock: Clock, actor: Actor, id: string, input: { at?: string | null | undefined }): Promise<CampaignDetail> {
  const body = parseBody(campaignScheduleSchema, input);
  const at = body.at ? new Date(body.at) : null;
  if (at && at.getTime() <= clock.now().getTime()) throw invalid('body.at', 'is in the past: choose a later time (or send it now)');
  return transition(db, clock, actor, id, at ? 'campaign.scheduled' : 'campaign.send_started', async (row, now, tx) => {
    if (row.status !== 'draft' && row.status !== 'scheduled') throw refuse(row, 'scheduled');
    // What it names may have changed since it was saved.
    await resolveAudience(tx, actor.workspaceId, { templateId: row.template_id, listId: row.list_id, segmentId: row.segment_id, personas: row.personas });
    return at ? { status: 'scheduled', scheduled_at: at } : { status: 'sending', scheduled_at: null, started_at: now };
  });
}

/** A member pauses a sending (or scheduled) campaign: no more of its audience is handed to the outbox. */
export async function pauseCampaignByMember(db: Db, clock: Clock, actor: Actor, id: string): Promise<CampaignDetail> {
  return transition(db, clock, actor, id, 'campaign.paused', (row, now) => {
    if (row.status !== 'sending' && row.status !== 'scheduled') throw refuse(row, 'paused');
    return { status: 'paused', paused_at: now, pause_reason: `Paused by ${actor.name}` };
  });
}

/** Resumes a paused campaign where it stopped (a scheduled one not yet due goes back to waiting); lifts delivery's pause. */
export async function resumeCampaign(db: Db, clock: Clock, actor: Actor, id: string): Promise<CampaignDetail> {
  return transition(db, clock, actor, id, 'campaign.resumed', async (row, now, tx) => {
    if (row.status !== 'paused') throw refuse(row, 'resumed');
    await resumeMessageSource(tx, actor.workspaceId, { type: 'campaign', id });
    const waiting = !row.started_at && row.scheduled_at && row.scheduled_at.getTime() > now.getTime();
    return waiting
      ? { status: 'scheduled', paused_at: null, pause_reason: null }
      : { status: 'sending', paused_at: null, pause_reason: null, started_at: row.started_at ?? now };
  });
}

/** Cancels a campaign that has not finished: nothing more of its audience is handed to the outbox. */
export async function cancelCampaign(db: Db, clock: Clock, actor: Actor, id: string): Promise<CampaignDetail> {
  return transition(db, clock, actor, id, 'campaign.cancelled', (row, now) => {
    if (row.status === 'sent' || row.status === 'cancelled') throw refuse(row, 'cancelled');
    return { status: 'cancelled', finished_at: now };
  });
}

/**
 * Pauses a campaign from outside a member's request: messaging (helper B's delivery) calls this when repeated SMTP
 * errors or the complaint rate stop a campaign's sends (the send job also reads messaging's source pauses itself, so
 * either side suffices). Nothing more is handed to the outbox until a member resumes it; resuming continues where it
 * stopped. Returns false when the campaign was not sending or scheduled. Audited as the system actor `delivery`.
 */
export async function pauseCampaign(tx: Db | Tx, clock: Clock, workspaceId: string, id: string, reason: string): Promise<boolean> {
  const now = clock.now();
  const updated = await (tx as Db)
    .updateTable('campaigns')
    .set({ status: 'paused', paused_at: now, pause_reason: reason, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('status', 'in', ['sending', 'scheduled'])
    .returning(['id'])
    .executeTakeFirst();
  if (!updated) return false;
  await recordAudit(tx as Db, clock, systemActor(workspaceId, 'delivery'), {
    action: 'campaign.paused',
    entityType: 'campaign',
    entityId: id,
    after: { status: 'paused', reason },
  });
  return true;
}
