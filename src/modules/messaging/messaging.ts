import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Selectable, sql } from 'kysely';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { decodeCursor, encodeCursor, escapeLike } from '../../lib/cursor.ts';
import { notFound } from '../../lib/errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { composeMail } from './messaging.compose.ts';
import { renderSource } from './messaging.dispatch.ts';
import { complaintRate, findSourcePauses, resumeMessageSource } from './messaging.feedback.ts';
import type { Message, MessageDetail, OutboxSummary } from './messaging.schema.ts';
import { senderIdentity } from './messaging.settings.ts';
import type { MessageStatus, MessagesTable } from './messaging.table.ts';

type Row = Selectable<MessagesTable>;
const iso = (d: Date | null) => d?.toISOString() ?? null;

function toMessage(row: Row, names: Map<string, string> = new Map()): Message {
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    detail: row.detail,
    recipientKind: row.recipient_kind,
    recipientId: row.recipient_id,
    recipientName: row.erased_at ? null : (names.get(row.recipient_id) ?? null),
    accountId: row.account_id,
    toAddress: row.to_address,
    purpose: row.purpose,
    sourceType: row.source_type,
    sourceId: row.source_id,
    sourceLabel: row.source_label,
    subject: row.subject,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    sentAt: iso(row.sent_at),
    openedAt: iso(row.opened_at),
    machineOpen: row.machine_open,
    clickedAt: iso(row.clicked_at),
    unsubscribedAt: iso(row.unsubscribed_at),
    bouncedAt: iso(row.bounced_at),
    bounceKind: row.bounce_kind,
    complainedAt: iso(row.complained_at),
  };
}

export interface ListMessagesQuery {
  status?: MessageStatus | undefined;
  sourceType?: string | undefined;
  sourceId?: string | undefined;
  recipientId?: string | undefined;
  /** Part of the address or subject. */
  q?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** The outbox, newest first, keyset-paged. */
export async function listMessages(db: Db, actor: Actor, query: ListMessagesQuery): Promise<{ items: Message[]; nextCursor: string | null }> {
  let q = db.selectFrom('messages').selectAll().where('workspace_id', '=', actor.workspaceId);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.sourceType) q = q.where('source_type', '=', query.sourceType);
  if (query.sourceId) q = q.where('source_id', '=', query.sourceId);
  if (query.recipientId) q = q.where('recipient_id', '=', query.recipientId);
  if (query.q) {
    const like = `%${escapeLike(query.q.toLowerCase())}%`;
    q = q.where((eb) => eb.or([eb(sql`lower(to_address)`, 'like', like), eb(sql`lower(subject)`, 'like', like)]));
  }
  if (query.cursor) {
    const [at, id] = decodeCursor(query.cursor, /^\d{4}-/);
    q = q.where(sql<boolean>`(created_at, id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const names = await recipientNames(db, actor.workspaceId, page);
  return {
    items: page.map((row) => toMessage(row, names)),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.created_at.toISOString(), last.id) : null,
  };
}

/** The names of the messages' recipients (contacts and members), in two queries. */
async function recipientNames(db: Db, workspaceId: string, rows: Row[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const contacts = [...new Set(rows.filter((r) => r.recipient_kind === 'contact').map((r) => r.recipient_id))];
  const members = [...new Set(rows.filter((r) => r.recipient_kind === 'member').map((r) => r.recipient_id))];
  if (contacts.length > 0) {
    const found = await sql<{ id: string; name: string }>`
      select id, name from contacts where workspace_id = ${workspaceId}::uuid and id = any(${contacts}::uuid[])`.execute(db);
    for (const r of found.rows) names.set(r.id, r.name);
  }
  if (members.length > 0) {
    const found = await db.selectFrom('members').select(['id', 'name']).where('workspace_id', '=', workspaceId).where('id', 'in', members).execute();
    for (const r of found) names.set(r.id, r.name);
  }
  return names;
}

async function getRow(db: Db | Tx, workspaceId: string, id: string): Promise<Row> {
  const row = await (db as Db).selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Message');
  return row;
}

/**
 * One message with its source: the .eml file written for it (no SMTP_URL), or the message composed as it was sent
 * (or will be) from its row and today's sender settings; and what happened to it (its events).
 */
export async function getMessage(db: Db, config: Pick<Config, 'publicUrl' | 'secret' | 'dataDir'>, actor: Actor, id: string): Promise<MessageDetail> {
  const row = await getRow(db, actor.workspaceId, id);
  let source: string | null = null;
  if (row.eml_file && !row.erased_at) {
    try {
      source = readFileSync(join(config.dataDir, 'outbox', row.eml_file), 'utf8');
    } catch {
      source = null;
    }
  }
  if (source === null && row.html !== null && row.to_address && !row.erased_at) {
    const identity = await senderIdentity(db, config, actor.workspaceId);
    const mail = composeMail(config, identity, row, row.sent_at ?? row.created_at);
    // The DKIM signature is made at sending; the preview shows the message without it.
    delete mail.dkim;
    source = await renderSource(mail);
  }
  const events = await db
    .selectFrom('events')
    .select(['name', 'timestamp', 'properties'])
    .where('workspace_id', '=', actor.workspaceId)
    .where('source', '=', 'module:messaging')
    .where(sql<boolean>`properties->>'messageId' = ${row.id}`)
    .where('contact_id', '=', row.recipient_id)
    .orderBy('timestamp')
    .execute();
  return {
    ...toMessage(row, await recipientNames(db, actor.workspaceId, [row])),
    basis: row.basis,
    emlFile: row.eml_file,
    smtpResponse: row.smtp_response,
    source,
    events: events.map((e) => ({
      name: e.name ?? '',
      at: new Date(e.timestamp as unknown as string).toISOString(),
      properties: (e.properties ?? {}) as Record<string, unknown>,
    })),
  };
}

/** The outbox at a glance: counts per status, how mail leaves, the complaint rate and what is paused. */
export async function outboxSummary(db: Db, clock: Clock, config: Pick<Config, 'smtpUrl' | 'publicUrl'>, actor: Actor): Promise<OutboxSummary> {
  const counts = await db
    .selectFrom('messages')
    .select(['status', sql<number>`count(*)::int`.as('n')])
    .where('workspace_id', '=', actor.workspaceId)
    .groupBy('status')
    .execute();
  const identity = await senderIdentity(db, config, actor.workspaceId);
  const pauses = await findSourcePauses(db, actor.workspaceId);
  return {
    counts: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])),
    delivery: config.smtpUrl ? 'smtp' : 'files',
    complaints: await complaintRate(db, clock, actor.workspaceId),
    marketingPausedAt: iso(identity.marketingPausedAt),
    marketingPausedReason: identity.marketingPausedReason,
    pausedSources: pauses.map((p) => ({ ...p, pausedAt: iso(p.pausedAt) })),
  };
}

/** A member lifts a source's pause (repeated SMTP errors): its queued messages go out again where they stopped. Audited. */
export async function resumeSource(db: Db, clock: Clock, actor: Actor, source: { type: string; id: string }): Promise<void> {
  await inTransaction(db, async (tx) => {
    if (!(await resumeMessageSource(tx, actor.workspaceId, source))) throw notFound('Paused source');
    await recordAudit(tx, clock, actor, {
      action: 'message_source.resumed',
      entityType: source.type,
      entityId: null,
      after: { sourceType: source.type, sourceId: source.id },
    });
  });
}

/**
 * Erasure of a contact: their messages keep only what the stats need (status, source, dates); the address, content and
 * SMTP answers are removed, and a queued message will not be sent. Their .eml files (named by message id only) are
 * deleted by the `messaging.purge-erased` job, which knows the data dir. Returns how many messages were erased.
 */
export async function eraseContactMessages(tx: Db | Tx, workspaceId: string, contactId: string): Promise<number> {
  const result = await (tx as Db)
    .updateTable('messages')
    .set({
      to_address: null,
      subject: null,
      html: null,
      text: null,
      detail: null,
      smtp_response: null,
      last_error: null,
      erased_at: sql`coalesce(erased_at, now())`,
      status: sql`case when status = 'queued' then 'excluded' else status end`,
      reason: sql`case when status = 'queued' then 'withdrawn' else reason end`,
      next_attempt_at: null,
    })
    .where('workspace_id', '=', workspaceId)
    .where('recipient_kind', '=', 'contact')
    .where('recipient_id', '=', contactId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Deletes the .eml files of erased messages (the `messaging.purge-erased` job). Returns how many files were removed. */
export async function purgeErasedFiles(db: Db, config: Pick<Config, 'dataDir'>): Promise<number> {
  const rows = await db
    .selectFrom('messages')
    .select(['workspace_id', 'id', 'eml_file'])
    .where('erased_at', 'is not', null)
    .where('eml_file', 'is not', null)
    .limit(5000)
    .execute();
  for (const row of rows) {
    rmSync(join(config.dataDir, 'outbox', basename(row.eml_file as string)), { force: true });
    await db.updateTable('messages').set({ eml_file: null }).where('workspace_id', '=', row.workspace_id).where('id', '=', row.id).execute();
  }
  return rows.length;
}
