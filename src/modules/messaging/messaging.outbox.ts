import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { type ExclusionReason, type GateDecision, gate, type Purpose, purposeKey } from '../consent/consent.gate.ts';

export const messageSourceTypes = ['campaign', 'stream_step', 'moment', 'confirmation', 'digest', 'test', 'magic_link', 'case', 'survey'] as const;
export type MessageSourceType = (typeof messageSourceTypes)[number];

export interface OutgoingMessage {
  /** A contact id, or a member id for purpose member. */
  recipientId: string;
  purpose: Purpose;
  source: { type: MessageSourceType; id: string; label?: string };
  /** Unique per workspace: exactly one message per (source, recipient), e.g. `campaign:<id>:<contactId>`. */
  dedupeKey: string;
  /** Rendered content; `missing` (variables the template needs that the recipient lacks) excludes it as 'missing_data'. */
  content: { subject: string; html: string; text: string } | { missing: string[] };
}

export interface EnqueueResult {
  queued: number;
  excluded: Partial<Record<ExclusionReason, number>>;
  /** Messages whose dedupe key was already in the outbox (nothing written for them). */
  duplicates: number;
  /** The ids of the rows written (queued and excluded), in input order. */
  ids: string[];
}

const BATCH = 1000;

/**
 * THE ONE ENTRY to send anything. Every message passes consent's gate (the batch's purposes, a few queries per 5,000
 * recipients); allowed ones become queued outbox rows with the gate's basis, refused ones excluded rows with the
 * reason, so every sender can say who was excluded and why. A dedupe key already present is ignored, so a retried or
 * concurrent enqueue writes nothing twice. The dispatch job (`messaging.dispatch`, every minute and polling within it)
 * checks the gate again right before SMTP and composes the footer, unsubscribe headers and tracking from the sender
 * settings. Call it in the transaction of the change that causes the send.
 */
export async function enqueueMessages(tx: Db | Tx, clock: Clock, workspaceId: string, messages: OutgoingMessage[]): Promise<EnqueueResult> {
  const result: EnqueueResult = { queued: 0, excluded: {}, duplicates: 0, ids: [] };
  if (messages.length === 0) return result;
  const now = clock.now();
  // Within one call, the first message of a dedupe key wins (as a second call would find it present).
  const seen = new Set<string>();
  const unique: OutgoingMessage[] = [];
  for (const m of messages) {
    if (seen.has(m.dedupeKey)) result.duplicates++;
    else {
      seen.add(m.dedupeKey);
      unique.push(m);
    }
  }
  for (let start = 0; start < unique.length; start += BATCH) {
    const batch = unique.slice(start, start + BATCH);
    const existing = new Set(
      (
        await tx
          .selectFrom('messages')
          .select('dedupe_key')
          .where('workspace_id', '=', workspaceId)
          .where(
            'dedupe_key',
            'in',
            batch.map((m) => m.dedupeKey),
          )
          .execute()
      ).map((r) => r.dedupe_key),
    );
    const fresh = batch.filter((m) => {
      if (!existing.has(m.dedupeKey)) return true;
      result.duplicates++;
      return false;
    });
    const decisions = await decide(tx, workspaceId, fresh);
    const accounts = await contactAccounts(
      tx,
      workspaceId,
      fresh.filter((m) => m.purpose.kind !== 'member').map((m) => m.recipientId),
    );
    const rows = fresh.map((m, i) => toRow(workspaceId, m, decisions[i] as GateDecision, accounts.get(m.recipientId) ?? null, now));
    if (rows.length === 0) continue;
    const inserted = await tx
      .insertInto('messages')
      .values(rows)
      .onConflict((oc) => oc.columns(['workspace_id', 'dedupe_key']).doNothing())
      .returning(['id', 'status', 'reason'])
      .execute();
    // A concurrent enqueue of the same key committed first: ours is a duplicate.
    result.duplicates += rows.length - inserted.length;
    const written = new Set(inserted.map((r) => r.id));
    for (const row of rows) {
      if (!written.has(row.id)) continue;
      result.ids.push(row.id);
      if (row.status === 'queued') result.queued++;
      else {
        const reason = row.reason as ExclusionReason;
        result.excluded[reason] = (result.excluded[reason] ?? 0) + 1;
      }
    }
  }
  return result;
}

/** The gate's decision for each message, one gate call per purpose; missing data excludes without asking. */
async function decide(tx: Db | Tx, workspaceId: string, messages: OutgoingMessage[]): Promise<GateDecision[]> {
  const decisions: GateDecision[] = new Array(messages.length);
  const byPurpose = new Map<string, { purpose: Purpose; indexes: number[] }>();
  messages.forEach((m, i) => {
    if ('missing' in m.content) {
      decisions[i] = {
        allowed: false,
        recipientId: m.recipientId,
        reason: 'missing_data',
        detail: `the template needs ${m.content.missing.join(', ')}, which this recipient lacks`,
      };
      return;
    }
    const key = purposeKey(m.purpose);
    const group = byPurpose.get(key) ?? { purpose: m.purpose, indexes: [] };
    group.indexes.push(i);
    byPurpose.set(key, group);
  });
  for (const { purpose, indexes } of byPurpose.values()) {
    const answers = await gate(
      tx,
      workspaceId,
      purpose,
      indexes.map((i) => (messages[i] as OutgoingMessage).recipientId),
    );
    const byRecipient = new Map(answers.map((a) => [a.recipientId, a]));
    for (const i of indexes) {
      const recipientId = (messages[i] as OutgoingMessage).recipientId;
      decisions[i] = byRecipient.get(recipientId) ?? { allowed: false, recipientId, reason: 'no_email', detail: 'unknown recipient' };
    }
  }
  return decisions;
}

/** Each contact's account (interaction events are recorded on the contact's account timeline). */
export async function contactAccounts(db: Db | Tx, workspaceId: string, contactIds: string[]): Promise<Map<string, string | null>> {
  if (contactIds.length === 0) return new Map();
  const rows = await sql<{ id: string; account_id: string | null }>`
    select id, account_id from contacts where workspace_id = ${workspaceId}::uuid and id = any(${contactIds}::uuid[])`.execute(tx(db));
  return new Map(rows.rows.map((r) => [r.id, r.account_id]));
}

const tx = (db: Db | Tx) => db as Db;

function toRow(workspaceId: string, m: OutgoingMessage, decision: GateDecision, accountId: string | null, now: Date) {
  const content = 'missing' in m.content ? null : m.content;
  const base = {
    workspace_id: workspaceId,
    id: newId(),
    dedupe_key: m.dedupeKey,
    source_type: m.source.type,
    source_id: m.source.id,
    source_label: m.source.label ?? null,
    recipient_kind: m.purpose.kind === 'member' ? ('member' as const) : ('contact' as const),
    recipient_id: m.recipientId,
    account_id: accountId,
    purpose: purposeKey(m.purpose),
    list_id: m.purpose.kind === 'list' ? m.purpose.listId : null,
    subject: content?.subject ?? null,
    html: content?.html ?? null,
    text: content?.text ?? null,
    created_at: now,
  };
  if (decision.allowed) {
    return { ...base, to_address: decision.address, basis: decision.basis, status: 'queued' as const, reason: null, detail: null, next_attempt_at: now };
  }
  return {
    ...base,
    to_address: null,
    basis: null,
    status: 'excluded' as const,
    reason: decision.reason,
    detail: decision.detail,
    next_attempt_at: null,
    excluded_at: now,
  };
}
