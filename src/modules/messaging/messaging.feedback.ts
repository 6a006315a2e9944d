import { type Selectable, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import { systemActor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { recordAudit } from '../audit/audit.ts';
import { recordConsent, suppressAddress } from '../consent/consent.ts';
import { messageIdFrom } from './messaging.compose.ts';
import { recordMessageEvents } from './messaging.events.ts';
import type { BounceNotice } from './messaging.schema.ts';
import { senderIdentity, setMarketingPause } from './messaging.settings.ts';
import type { MessagesTable } from './messaging.table.ts';

// What comes back from sent mail: bounces (SMTP 5xx at send time, a provider's webhook, the bounce mailbox),
// complaints, and the complaint rate that warns the workspace and pauses its marketing.

type Row = Selectable<MessagesTable>;

/** Consecutive temporary SMTP failures of one marketing source (a campaign, a stream step) that pause it. */
export const SOURCE_PAUSE_AFTER_FAILURES = 5;
export const COMPLAINT_WINDOW_DAYS = 30;
/** 0.1%: the workspace is warned (the mailbox providers ask senders to stay under it). */
export const COMPLAINT_WARN_RATE = 0.001;
/** 0.25%: marketing pauses, before the providers' 0.3% limit is reached. */
export const COMPLAINT_PAUSE_RATE = 0.0025;
/** The pause needs this many marketing messages in the window: one complaint among 50 says little. */
export const COMPLAINT_MIN_SENT = 1000;

const isMarketing = (row: Pick<Row, 'purpose'>) => row.purpose.startsWith('list:');

/** A permanent failure (SMTP 5xx, a provider's hard bounce): the address is suppressed and Email Bounced recorded. */
export async function handleHardBounce(db: Db | Tx, clock: Clock, row: Row, detail: string): Promise<void> {
  const now = clock.now();
  await (db as Db)
    .updateTable('messages')
    .set({ bounced_at: now, bounce_kind: 'hard' })
    .where('workspace_id', '=', row.workspace_id)
    .where('id', '=', row.id)
    .execute();
  if (row.to_address) {
    await suppressAddress(db, clock, row.workspace_id, {
      address: row.to_address,
      reason: 'hard_bounce',
      detail: detail.slice(0, 500),
      createdBy: 'messaging',
    });
  }
  await recordMessageEvents(db, clock, row.workspace_id, [
    { row, name: 'Email Bounced', key: `bounce:${row.id}`, at: now, properties: { kind: 'hard', detail } },
  ]);
}

/**
 * A temporary failure of a marketing message counts against its source; after SOURCE_PAUSE_AFTER_FAILURES in a row the
 * source is paused: its queued messages stay queued (nothing is lost) and none is claimed until it is resumed
 * (`resumeMessageSource`, which the campaigns module calls when a member resumes the campaign). Campaigns read the
 * pause with `findSourcePauses` to show the campaign as paused.
 */
export async function noteSourceFailure(db: Db, clock: Clock, row: Row, error: string): Promise<void> {
  if (!isMarketing(row)) return;
  const now = clock.now();
  const updated = await db
    .insertInto('message_source_pauses')
    .values({ workspace_id: row.workspace_id, source_type: row.source_type, source_id: row.source_id, failures: 1, last_error: error, updated_at: now })
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'source_type', 'source_id']).doUpdateSet({
        failures: sql`message_source_pauses.failures + 1`,
        last_error: error,
        updated_at: now,
        paused_at: sql`case when message_source_pauses.paused_at is null and message_source_pauses.failures + 1 >= ${SOURCE_PAUSE_AFTER_FAILURES} then ${now}::timestamptz else message_source_pauses.paused_at end`,
      }),
    )
    .returning(['failures', 'paused_at'])
    .executeTakeFirstOrThrow();
  if (updated.paused_at && updated.paused_at.getTime() === now.getTime()) {
    await recordAudit(db, clock, systemActor(row.workspace_id, 'messaging'), {
      action: 'message_source.paused',
      entityType: row.source_type,
      entityId: null,
      after: { sourceType: row.source_type, sourceId: row.source_id, failures: updated.failures, lastError: error },
    });
  }
}

/** A message of a source went out: its run of failures (if any, and not yet a pause) starts again. */
export async function noteSourceSuccess(db: Db, workspaceId: string, rows: Row[]): Promise<void> {
  const sources = [...new Set(rows.filter(isMarketing).map((r) => `${r.source_type}\u0000${r.source_id}`))];
  for (const source of sources) {
    const [type, id] = source.split('\u0000') as [string, string];
    await db
      .updateTable('message_source_pauses')
      .set({ failures: 0 })
      .where('workspace_id', '=', workspaceId)
      .where('source_type', '=', type)
      .where('source_id', '=', id)
      .where('failures', '>', 0)
      .where('paused_at', 'is', null)
      .execute();
  }
}

export interface SourcePauseRow {
  sourceType: string;
  sourceId: string;
  failures: number;
  lastError: string | null;
  pausedAt: Date | null;
}

/** Sources paused by repeated SMTP errors (all of them, or those of one type and ids). */
export async function findSourcePauses(
  db: Db | Tx,
  workspaceId: string,
  filter: { sourceType?: string; sourceIds?: string[] } = {},
): Promise<SourcePauseRow[]> {
  let query = (db as Db).selectFrom('message_source_pauses').selectAll().where('workspace_id', '=', workspaceId).where('paused_at', 'is not', null);
  if (filter.sourceType) query = query.where('source_type', '=', filter.sourceType);
  if (filter.sourceIds) {
    if (filter.sourceIds.length === 0) return [];
    query = query.where('source_id', 'in', filter.sourceIds);
  }
  const rows = await query.orderBy('paused_at', 'desc').execute();
  return rows.map((r) => ({ sourceType: r.source_type, sourceId: r.source_id, failures: r.failures, lastError: r.last_error, pausedAt: r.paused_at }));
}

/** Lifts a source's pause: its queued messages are claimed again where they stopped. */
export async function resumeMessageSource(db: Db | Tx, workspaceId: string, source: { type: string; id: string }): Promise<boolean> {
  const result = await (db as Db)
    .deleteFrom('message_source_pauses')
    .where('workspace_id', '=', workspaceId)
    .where('source_type', '=', source.type)
    .where('source_id', '=', source.id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The outbox row a bounce or complaint is about: by Message-ID / VERP address, else the latest sent to the address. */
async function findMessageFor(db: Db | Tx, workspaceId: string, notice: { messageId?: string | undefined; email: string }): Promise<Row | undefined> {
  const id = notice.messageId ? messageIdFrom(notice.messageId.includes('@') ? notice.messageId : `<${notice.messageId}@x>`) : undefined;
  let query = (db as Db).selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId).where('status', '=', 'sent');
  query = id ? query.where('id', '=', id) : query.where(sql`lower(to_address)`, '=', notice.email.trim().toLowerCase());
  return query.orderBy('sent_at', 'desc').limit(1).executeTakeFirst();
}

export interface NoticeResult {
  matched: boolean;
  suppressed: boolean;
}

/**
 * A bounce or complaint reported after sending (provider webhook, bounce mailbox). A hard bounce or a complaint
 * suppresses the address whether or not the message is found; a complaint also withdraws the list's consent
 * (method 'complaint') and may pause marketing (complaint rate). Idempotent per message.
 */
export async function recordDeliveryNotice(db: Db, clock: Clock, workspaceId: string, notice: BounceNotice): Promise<NoticeResult> {
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const row = await findMessageFor(tx, workspaceId, notice);
    const address = row?.to_address ?? notice.email;
    let suppressed = false;
    if (notice.type === 'bounce') {
      if (notice.bounceType === 'hard') {
        suppressed = await suppressAddress(tx, clock, workspaceId, {
          address,
          reason: 'hard_bounce',
          detail: notice.detail.slice(0, 500),
          createdBy: 'messaging',
        });
      }
      if (row && !row.bounced_at) {
        await tx
          .updateTable('messages')
          .set({ bounced_at: now, bounce_kind: notice.bounceType })
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', row.id)
          .execute();
        await recordMessageEvents(tx, clock, workspaceId, [
          { row, name: 'Email Bounced', key: `bounce:${row.id}`, at: now, properties: { kind: notice.bounceType, detail: notice.detail } },
        ]);
      }
      return { matched: !!row, suppressed };
    }
    suppressed = await suppressAddress(tx, clock, workspaceId, { address, reason: 'complaint', detail: notice.detail.slice(0, 500), createdBy: 'messaging' });
    if (row && !row.complained_at) {
      await tx.updateTable('messages').set({ complained_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', row.id).execute();
      if (row.recipient_kind === 'contact' && row.list_id) {
        await recordConsent(tx, clock, workspaceId, {
          contactId: row.recipient_id,
          purpose: row.purpose,
          action: 'withdrawn',
          method: 'complaint',
          recordedBy: { name: 'system' },
          proof: `complaint about message ${row.id}`,
        }).catch(() => undefined);
      }
      await recordMessageEvents(tx, clock, workspaceId, [
        { row, name: 'Email Complained', key: `complaint:${row.id}`, at: now, properties: { detail: notice.detail } },
      ]);
    }
    await checkComplaintRate(tx, clock, workspaceId);
    return { matched: !!row, suppressed };
  });
}

export interface ComplaintRate {
  windowDays: number;
  sent: number;
  complaints: number;
  rate: number;
  level: 'ok' | 'warn' | 'paused';
}

/** Complaints per marketing message sent in the last 30 days. */
export async function complaintRate(db: Db | Tx, clock: Clock, workspaceId: string): Promise<ComplaintRate> {
  const since = new Date(clock.now().getTime() - COMPLAINT_WINDOW_DAYS * 86_400_000);
  const row = await sql<{ sent: number; complaints: number }>`
    select count(*) as sent, count(*) filter (where complained_at is not null) as complaints
    from messages where workspace_id = ${workspaceId}::uuid and purpose like 'list:%' and sent_at >= ${since}::timestamptz`.execute(db as Db);
  const sent = Number(row.rows[0]?.sent ?? 0);
  const complaints = Number(row.rows[0]?.complaints ?? 0);
  const rate = sent === 0 ? (complaints > 0 ? 1 : 0) : complaints / sent;
  const level = rate >= COMPLAINT_PAUSE_RATE && sent >= COMPLAINT_MIN_SENT ? 'paused' : rate >= COMPLAINT_WARN_RATE && complaints > 0 ? 'warn' : 'ok';
  return { windowDays: COMPLAINT_WINDOW_DAYS, sent, complaints, rate, level };
}

/** Pauses the workspace's marketing when the complaint rate reaches the pause level (a member resumes it in Settings > Sender). */
export async function checkComplaintRate(db: Db | Tx, clock: Clock, workspaceId: string): Promise<ComplaintRate> {
  const rate = await complaintRate(db, clock, workspaceId);
  if (rate.level !== 'paused') return rate;
  const identity = await senderIdentity(db, { publicUrl: 'http://localhost' }, workspaceId);
  if (identity.marketingPausedAt) return rate;
  const reason = `Complaint rate ${(rate.rate * 100).toFixed(2)}% (${rate.complaints} of ${rate.sent} marketing messages in ${rate.windowDays} days) reached ${(COMPLAINT_PAUSE_RATE * 100).toFixed(2)}%: marketing sends paused`;
  await setMarketingPause(db, clock, workspaceId, reason);
  await recordAudit(db as Db, clock, systemActor(workspaceId, 'messaging'), {
    action: 'sender_settings.marketing_paused',
    entityType: 'sender_settings',
    entityId: workspaceId,
    after: { reason },
  });
  return rate;
}
