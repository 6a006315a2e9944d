import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction, retryingConflicts } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { invalid } from '../../lib/errors.ts';
import { applyIdentity, changesIdentity, lockIdentities } from './events.identity.ts';
import { attachRecentIdentities, insertAccountEventRows, insertEventRows } from './events.queries.ts';
import { type EventRow, type Normalised, normaliseMessage, sanitise, uuidv7 } from './events.schema.ts';
import type { EventWriter } from './events.writer.ts';

export interface IngestInput {
  messages: unknown[];
  /** Batch-level sentAt (analytics-node sends it only here). */
  sentAt?: string | undefined;
  /** Batch-level context, used by messages without their own. */
  context?: Record<string, unknown> | undefined;
}

export interface IngestError {
  index: number;
  messageId: string | null;
  reason: string;
}

export interface IngestResult {
  /** Valid messages: stored now, or already stored under the same messageId. */
  accepted: number;
  /** Messages stored by this request (accepted less duplicates). */
  stored: number;
  duplicates: number;
  dropped: number;
  /** Why each dropped message was dropped (the first 100). */
  errors: IngestError[];
}

const MAX_REPORTED_ERRORS = 100;

function parseSentAt(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Where a messageId is unique: the API key that sent it, or the Momentum module that recorded it. */
function sourceOf(actor: Actor): string {
  return actor.type === 'api_key' && actor.id ? `key:${actor.id}` : `${actor.type}:${actor.name}`;
}

/**
 * Ingests Segment messages: validates each (a bad one is dropped with its reason, the rest are kept), applies
 * identify/group/alias to contacts and accounts, and stores the events with their rollups in one transaction.
 * Resolves only after the commit; a messageId this source already sent is not stored again.
 */
export async function ingestEvents(db: Db, clock: Clock, actor: Actor, input: IngestInput, writer?: EventWriter): Promise<IngestResult> {
  const receivedAt = clock.now();
  const batch = { sentAt: parseSentAt(input.sentAt), context: input.context };
  const valid: { index: number; value: Normalised }[] = [];
  const errors: IngestError[] = [];
  input.messages.forEach((raw, index) => {
    const result = normaliseMessage(raw, receivedAt, batch);
    if (result.ok) valid.push({ index, value: result.value });
    else errors.push({ index, messageId: result.messageId, reason: result.reason });
  });
  let stored = 0;
  if (valid.length > 0) {
    const source = sourceOf(actor);
    // Without identify/group/alias the batch is one statement, atomic by itself: no BEGIN/COMMIT round trips.
    const plain = valid.every(({ value }) => !changesIdentity(value.row.type));
    stored = await retryingConflicts(() =>
      plain
        ? writer
          ? writer.write(
              actor.workspaceId,
              source,
              receivedAt,
              valid.map(({ value }) => value.json),
            )
          : insertEventRows(db, actor.workspaceId, source, receivedAt, `[${valid.map(({ value }) => value.json).join(',')}]`)
        : inTransaction(db, async (tx) => {
            await lockIdentities(
              tx,
              actor.workspaceId,
              valid.map(({ value }) => value.message),
            );
            const jsons: string[] = [];
            for (const { index, value } of valid) {
              if (changesIdentity(value.row.type)) {
                const reason = await applyIdentity(tx, clock, actor, value.message, value.row);
                if (reason) {
                  errors.push({ index, messageId: value.row.message_id, reason });
                  continue;
                }
                jsons.push(JSON.stringify(value.row));
              } else jsons.push(value.json);
            }
            if (jsons.length === 0) return 0;
            return insertEventRows(tx, actor.workspaceId, source, receivedAt, `[${jsons.join(',')}]`);
          }),
    );
  }
  const dropped = errors.length;
  const accepted = input.messages.length - dropped;
  errors.sort((a, b) => a.index - b.index);
  return { accepted, stored, duplicates: accepted - stored, dropped, errors: errors.slice(0, MAX_REPORTED_ERRORS) };
}

/** Ingests one call (/v1/track etc.): an invalid message is the caller's error (400), not a silent drop. */
export async function ingestEvent(db: Db, clock: Clock, actor: Actor, message: Record<string, unknown>, writer?: EventWriter): Promise<IngestResult> {
  const result = await ingestEvents(db, clock, actor, { messages: [message] }, writer);
  const error = result.errors[0];
  if (error) throw invalid('body', error.reason);
  return result;
}

export const interactionChannels = ['email', 'meeting', 'call', 'in_app', 'webinar', 'portal', 'case', 'survey', 'product', 'other'] as const;
export type InteractionChannel = (typeof interactionChannels)[number];

export interface InteractionInput {
  accountId: string;
  contactId?: string | null | undefined;
  /** What happened, as a metric would name it: 'Email Opened', 'Case Opened', 'Moment Completed'. */
  name: string;
  channel: InteractionChannel;
  digital: boolean;
  occurredAt?: Date | undefined;
  properties?: Record<string, unknown> | undefined;
  /** Makes recording idempotent: the same key (e.g. the timeline entry id) is stored once. */
  key: string;
  /** The recording module, e.g. 'timeline' or 'messaging'. */
  source: string;
}

/**
 * Records an interaction (email sent/opened, case opened, survey answered, moment completed) as an event of type
 * 'interaction', so metrics and the engine see one stream. Call it in the same transaction as the change it records;
 * returns false when this key was already recorded.
 */
export async function recordInteractionEvent(db: Db, clock: Clock, workspaceId: string, input: InteractionInput): Promise<boolean> {
  return (await recordInteractionEvents(db, clock, workspaceId, [input])) === 1;
}

/** Records many interactions in one statement (the engine's phase changes); returns how many were new. */
export async function recordInteractionEvents(db: Db, clock: Clock, workspaceId: string, inputs: InteractionInput[]): Promise<number> {
  if (inputs.length === 0) return 0;
  const now = clock.now();
  const rows = inputs.map((input) => {
    const at = input.occurredAt ?? now;
    return sanitise({
      id: uuidv7(now.getTime()),
      message_id: input.key,
      type: 'interaction',
      name: input.name.slice(0, 200),
      user_id: null,
      anonymous_id: null,
      group_id: null,
      contact_id: input.contactId ?? null,
      account_id: input.accountId,
      properties: input.properties ?? {},
      traits: null,
      context: {},
      timestamp: at.toISOString(),
      original_timestamp: at.toISOString(),
      sent_at: null,
      future: at.getTime() > now.getTime() + 24 * 60 * 60 * 1000,
      channel: input.channel,
      digital: input.digital,
    }) as EventRow;
  });
  // One source per recording module: interaction keys are unique per module.
  const sources = new Set(inputs.map((i) => i.source));
  let stored = 0;
  for (const source of sources) {
    const batch = rows.filter((_, i) => inputs[i]?.source === source);
    stored += await insertEventRows(db, workspaceId, `module:${source}`, now, JSON.stringify(batch));
  }
  return stored;
}

/** A change Momentum knows of (see events.catalog.ts): recorded on the account with who caused it. */
export interface MomentumEventInput {
  accountId: string;
  contactId?: string | null | undefined;
  name: string;
  properties: Record<string, unknown> & { summary: string };
  /** Idempotency key within the recording module: the same change is stored once. */
  key: string;
}

/**
 * Records changes Momentum itself knows of (a sponsor replaced, a contract renewed, a CSM changed) as events, in the
 * caller's transaction, so the engine, metrics and the timeline see them. They are not touchpoints: channel 'other',
 * not digital. Returns how many were new.
 */
export async function recordMomentumEvents(db: Db, clock: Clock, actor: Actor, source: string, events: MomentumEventInput[]): Promise<number> {
  return recordInteractionEvents(
    db,
    clock,
    actor.workspaceId,
    events.map((e) => ({
      accountId: e.accountId,
      contactId: e.contactId,
      name: e.name,
      channel: 'other' as const,
      digital: false,
      properties: { ...e.properties, actor: actor.name },
      key: e.key,
      source,
    })),
  );
}

/**
 * Records one event on every account a select returns (columns `account_id`, `properties` jsonb merged over the
 * common ones) in one statement, however many accounts: a release published to every account owning an offering.
 * Keyed `keyPrefix:account_id`, so publishing again stores nothing twice. Returns how many were new.
 */
export async function recordMomentumEventOnAccounts(
  db: Db,
  clock: Clock,
  actor: Actor,
  source: string,
  accounts: RawBuilder<unknown>,
  event: { name: string; keyPrefix: string; properties: Record<string, unknown> & { summary: string } },
): Promise<number> {
  const now = clock.now();
  return insertAccountEventRows(db, actor.workspaceId, `module:${source}`, now, accounts, {
    name: event.name,
    keyPrefix: event.keyPrefix,
    properties: sanitise({ ...event.properties, actor: actor.name }) as Record<string, unknown>,
    channel: 'other',
    digital: false,
    idPrefix: uuidv7(now.getTime()).slice(0, 15),
  });
}

export interface StoredEvent {
  id: string;
  messageId: string;
  type: string;
  name: string | null;
  userId: string | null;
  anonymousId: string | null;
  groupId: string | null;
  accountId: string | null;
  contactId: string | null;
  properties: Record<string, unknown>;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown>;
  timestamp: string;
  originalTimestamp: string | null;
  sentAt: string | null;
  receivedAt: string;
  future: boolean;
  channel: string;
  digital: boolean;
}

export interface ListEventsQuery {
  accountId?: string | undefined;
  name?: string | undefined;
  userId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
  cursor?: string | undefined;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/;

/** Lists events newest first (by corrected time), filtered by account, name, user and time range; pages with a cursor. */
export async function listEvents(db: Db, actor: Actor, query: ListEventsQuery): Promise<{ items: StoredEvent[]; nextCursor: string | null }> {
  let q = db.selectFrom('events').selectAll().where('workspace_id', '=', actor.workspaceId);
  if (query.accountId) q = q.where('account_id', '=', query.accountId);
  if (query.name) q = q.where('name', '=', query.name);
  if (query.userId) q = q.where('user_id', '=', query.userId);
  if (query.from) q = q.where('timestamp', '>=', query.from);
  if (query.to) q = q.where('timestamp', '<', query.to);
  if (query.cursor) {
    const [at, id] = decodeCursor(query.cursor, ISO_TIME);
    q = q.where(sql<boolean>`(timestamp, id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await q
    .orderBy('timestamp', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const items = rows.slice(0, query.limit).map(
    (r): StoredEvent => ({
      id: r.id,
      messageId: r.message_id,
      type: r.type,
      name: r.name,
      userId: r.user_id,
      anonymousId: r.anonymous_id,
      groupId: r.group_id,
      accountId: r.account_id,
      contactId: r.contact_id,
      properties: r.properties,
      traits: r.traits,
      context: r.context,
      timestamp: r.timestamp.toISOString(),
      originalTimestamp: r.original_timestamp?.toISOString() ?? null,
      sentAt: r.sent_at?.toISOString() ?? null,
      receivedAt: r.received_at.toISOString(),
      future: r.future,
      channel: r.channel,
      digital: r.digital,
    }),
  );
  const last = items.at(-1);
  const nextCursor = rows.length > query.limit && last ? encodeCursor(last.timestamp, last.id) : null;
  return { items, nextCursor };
}

/** Whether an account has ever had an event of this name (e.g. whether a sponsor change is the account's first). */
export async function hasAccountEvent(db: Db, workspaceId: string, accountId: string, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('events')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('account_id', '=', accountId)
    .where('name', '=', name)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** An event Momentum recorded by itself (not a timeline interaction, which the timeline has already), for the timeline. */
export interface AccountMomentumEvent {
  id: string;
  contactId: string | null;
  name: string;
  timestamp: Date;
  /** Postgres' text form of the timestamp, for the timeline's cursor. */
  sortKey: string;
  channel: string;
  digital: boolean;
  properties: Record<string, unknown>;
}

/** An account's Momentum-recorded events, newest first, after a timeline cursor position (time text, id). */
export async function listAccountMomentumEvents(
  db: Db,
  workspaceId: string,
  accountId: string,
  query: { limit: number; after?: [string, string] | undefined; channel?: string | undefined },
): Promise<AccountMomentumEvent[]> {
  let q = db
    .selectFrom('events')
    .select(['id', 'contact_id', 'name', 'timestamp', 'channel', 'digital', 'properties', sql<string>`timestamp::text`.as('sort_key')])
    .where('workspace_id', '=', workspaceId)
    .where('account_id', '=', accountId)
    .where('source', 'like', 'module:%')
    .where('source', '<>', 'module:timeline');
  if (query.channel) q = q.where('channel', '=', query.channel);
  if (query.after) {
    const [at, id] = query.after;
    q = q.where(sql<boolean>`(timestamp < ${at}::timestamptz or (timestamp = ${at}::timestamptz and id > ${id}::uuid))`);
  }
  const rows = await q.orderBy('timestamp', 'desc').orderBy('id').limit(query.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    contactId: r.contact_id,
    name: r.name ?? '',
    timestamp: r.timestamp,
    sortKey: r.sort_key,
    channel: r.channel,
    digital: r.digital,
    properties: r.properties,
  }));
}

export const DEFAULT_RETENTION_DAYS = 400;
export const MIN_RETENTION_DAYS = 7;

/** How far back events.attach-late looks for identities learnt: ingest requests commit within seconds. */
export const LATE_ATTACH_WINDOW_MS = 10 * 60 * 1000;

/**
 * The events.attach-late job: attaches events that arrived unattached while the identify or group call naming
 * their user's account was committing (concurrent requests, e.g. a browser SDK sending calls in parallel), for
 * identities learnt in the last ten minutes. Costs what was learnt, not what is stored. Returns how many were attached.
 */
export async function attachLateEvents(db: Db, clock: Clock): Promise<number> {
  const since = new Date(clock.now().getTime() - LATE_ATTACH_WINDOW_MS);
  const workspaces = await db.selectFrom('event_identities').select('workspace_id').distinct().where('updated_at', '>', since).execute();
  let attached = 0;
  for (const { workspace_id } of workspaces) attached += await attachRecentIdentities(db, workspace_id, since);
  return attached;
}

/**
 * Deletes raw events received more than olderThanDays ago, in chunks so no single statement holds locks for long.
 * Rollups (and so metric history) are kept. Returns how many events were deleted.
 */
export async function purgeExpiredEvents(db: Db, clock: Clock, olderThanDays: number = DEFAULT_RETENTION_DAYS): Promise<number> {
  // Segment clients retry for up to 12 hours: a messageId must stay known (its event kept) for a week at least.
  if (!Number.isInteger(olderThanDays) || olderThanDays < MIN_RETENTION_DAYS) {
    throw invalid('olderThanDays', `must be a whole number of days, ${MIN_RETENTION_DAYS} or more (repeated messageIds are recognised for that long)`);
  }
  const cutoff = new Date(clock.now().getTime() - olderThanDays * 24 * 60 * 60 * 1000);
  let total = 0;
  for (;;) {
    const result = await sql`
      delete from events where (workspace_id, id) in (
        select workspace_id, id from events where received_at < ${cutoff}::timestamptz limit 10000)`.execute(db);
    const n = Number(result.numAffectedRows ?? 0);
    total += n;
    if (n < 10000) return total;
  }
}
