import { type Selectable, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { invalid, notFound, parseBody } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { findAccount } from '../accounts/accounts.ts';
import { recordAudit } from '../audit/audit.ts';
import { findContact } from '../contacts/contacts.ts';
import { type AccountMomentumEvent, listAccountMomentumEvents, recordInteractionEvent } from '../events/events.ts';
import { type Channel, channels, digitalChannels, interactionSchema } from './timeline.schema.ts';
import type { TimelineEntriesTable } from './timeline.table.ts';

export interface TimelineEntry {
  id: string;
  accountId: string;
  contactId: string | null;
  occurredAt: string;
  kind: string;
  channel: Channel;
  digital: boolean;
  actor: { type: string; name: string };
  summary: string;
  source: 'interaction' | 'momentum';
}

export interface InteractionInput {
  accountId: string;
  contactId?: string | null | undefined;
  /** Defaults to the clock's now. */
  occurredAt?: Date | string | undefined;
  kind: string;
  channel: Channel;
  /** Defaults by channel (see digitalChannels). */
  digital?: boolean | undefined;
  summary: string;
}

const toEntry = (r: Selectable<TimelineEntriesTable>): TimelineEntry => ({
  id: r.id,
  accountId: r.account_id,
  contactId: r.contact_id,
  occurredAt: r.occurred_at.toISOString(),
  kind: r.kind,
  channel: r.channel as Channel,
  digital: r.digital,
  actor: { type: r.actor_type, name: r.actor_name },
  summary: r.summary,
  source: 'interaction',
});

/** Other modules call this directly, so input is validated here with the same rules as the API. */
function parseInput(input: InteractionInput) {
  const { accountId: _accountId, occurredAt, ...rest } = input;
  return parseBody(interactionSchema, { ...rest, occurredAt: occurredAt instanceof Date ? occurredAt.toISOString() : occurredAt });
}

/**
 * Records an interaction on an account's timeline, as the actor. Joins the caller's transaction when
 * given one, so a module can record the interaction together with the change that caused it.
 */
export async function recordInteraction(db: Db, clock: Clock, actor: Actor, input: InteractionInput): Promise<TimelineEntry> {
  const data = parseInput(input);
  return inTransaction(db, async (tx) => {
    if (!(await findAccount(tx, actor, input.accountId))) throw notFound('Account');
    if (data.contactId) {
      const contact = await findContact(tx, actor, data.contactId);
      if (!contact) throw invalid('body.contactId', 'is not a contact of this workspace');
      if (contact.accountId && contact.accountId !== input.accountId) throw invalid('body.contactId', 'is a contact of another account');
    }
    const now = clock.now();
    const row = await tx
      .insertInto('timeline_entries')
      .values({
        workspace_id: actor.workspaceId,
        id: newId(),
        account_id: input.accountId,
        contact_id: data.contactId ?? null,
        occurred_at: data.occurredAt ? new Date(data.occurredAt) : now,
        kind: data.kind,
        channel: data.channel,
        digital: data.digital ?? digitalChannels.includes(data.channel),
        actor_type: actor.type,
        actor_name: actor.name,
        summary: data.summary,
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const entry = toEntry(row);
    // Interactions are events too: metrics and the engine read one stream.
    await recordInteractionEvent(tx, clock, actor.workspaceId, {
      accountId: entry.accountId,
      contactId: entry.contactId,
      name: entry.kind,
      channel: entry.channel,
      digital: entry.digital,
      occurredAt: new Date(entry.occurredAt),
      properties: { summary: entry.summary, actor: entry.actor.name },
      key: `timeline:${entry.id}`,
      source: 'timeline',
    });
    await recordAudit(tx, clock, actor, { action: 'timeline.recorded', entityType: 'timeline_entry', entityId: entry.id, after: entry });
    return entry;
  });
}

export interface TimelineQuery {
  limit: number;
  cursor?: string | undefined;
  channel?: Channel | undefined;
}

export interface TimelinePage {
  items: TimelineEntry[];
  nextCursor: string | null;
}

/**
 * An account's timeline, newest first (ties by id): its interactions merged with what Momentum recorded by itself
 * (phase changes, sponsor changes, contract changes, releases), so one list tells the account's story.
 */
export async function listTimeline(db: Db, actor: Actor, accountId: string, query: TimelineQuery): Promise<TimelinePage> {
  if (!(await findAccount(db, actor, accountId))) throw notFound('Account');
  const after = query.cursor ? (decodeCursor(query.cursor, TIMESTAMP) as [string, string]) : undefined;
  let q = db.selectFrom('timeline_entries').where('workspace_id', '=', actor.workspaceId).where('account_id', '=', accountId);
  if (query.channel) q = q.where('channel', '=', query.channel);
  if (after) {
    const [at, id] = after;
    q = q.where(sql<boolean>`(occurred_at < ${at}::timestamptz or (occurred_at = ${at}::timestamptz and id > ${id}::uuid))`);
  }
  const rows = await q
    .selectAll()
    .select(sql<string>`occurred_at::text`.as('sort_key'))
    .orderBy('occurred_at', 'desc')
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const recorded = await listAccountMomentumEvents(db, actor.workspaceId, accountId, { limit: query.limit + 1, after, channel: query.channel });
  const merged = [
    ...rows.map(({ sort_key, ...row }) => ({ sortKey: sort_key, entry: toEntry(row) })),
    ...recorded.map((e) => ({ sortKey: e.sortKey, entry: eventEntry(accountId, e) })),
  ].sort((a, b) => compare(b.sortKey, a.sortKey) || compare(a.entry.id, b.entry.id));
  const items = merged.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map((i) => i.entry),
    nextCursor: merged.length > query.limit && last ? encodeCursor(last.sortKey, last.entry.id) : null,
  };
}

// Postgres' text forms from one session share their offset, so they order as text (so do lower-case uuids).
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function eventEntry(accountId: string, e: AccountMomentumEvent): TimelineEntry {
  const actorName = typeof e.properties.actor === 'string' ? e.properties.actor : 'Momentum';
  return {
    id: e.id,
    accountId,
    contactId: e.contactId,
    occurredAt: e.timestamp.toISOString(),
    kind: e.name,
    channel: (channels as readonly string[]).includes(e.channel) ? (e.channel as Channel) : 'other',
    digital: e.digital,
    actor: { type: 'system', name: actorName },
    summary: typeof e.properties.summary === 'string' ? e.properties.summary : e.name,
    source: 'momentum',
  };
}

// Postgres' text form of a timestamptz, e.g. 2026-06-01 09:00:00.123456+00.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
