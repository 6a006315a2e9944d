import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** Segment's call types (HTTP Tracking API); Momentum's own interactions are stored as type 'interaction'. */
export const segmentTypes = ['track', 'identify', 'group', 'page', 'screen', 'alias'] as const;
export type SegmentType = (typeof segmentTypes)[number];

/** Segment's limits: 32 KB per event, 500 KB per request, 2,500 events per batch. */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_REQUEST_BYTES = 500 * 1024;
export const MAX_BATCH_EVENTS = 2500;
/** Deeper JSON than this is refused per event: PostgreSQL's jsonb parser recurses and nobody reports 33-level properties on purpose. */
export const MAX_DEPTH = 32;
const FUTURE_MS = 24 * 60 * 60 * 1000;

const plainObject = z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), { message: 'must be a JSON object' });
const identifier = z.union([z.string().min(1).max(256), z.number().finite()]).transform((v) => String(v));
const time = z
  .string()
  .max(64)
  .transform((v, ctx) => {
    const d = new Date(v);
    const year = d.getUTCFullYear();
    if (Number.isNaN(d.getTime()) || year < 1900 || year > 9999) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time between the years 1900 and 9999' });
      return z.NEVER;
    }
    return d;
  });

/** One Segment message (the spec's common fields plus each type's own); unknown fields are accepted and ignored. */
export const segmentMessageSchema = z.looseObject({
  type: z.enum(segmentTypes),
  messageId: z.string().min(1).max(200).optional(),
  userId: identifier.nullish(),
  anonymousId: identifier.nullish(),
  groupId: identifier.nullish(),
  previousId: identifier.nullish(),
  event: z.string().min(1).max(200).optional(),
  name: z.string().max(200).nullish(),
  properties: plainObject.nullish(),
  traits: plainObject.nullish(),
  context: plainObject.nullish(),
  integrations: plainObject.nullish(),
  timestamp: time.nullish(),
  originalTimestamp: time.nullish(),
  sentAt: time.nullish(),
});
export type SegmentMessage = z.infer<typeof segmentMessageSchema>;

/** The /v1/batch body as analytics-node sends it: {batch, writeKey, sentAt}; context and integrations apply to every message. */
export const batchBodySchema = z
  .looseObject({
    batch: z.array(z.unknown()).max(MAX_BATCH_EVENTS, `a batch holds at most ${MAX_BATCH_EVENTS} events: send the rest in another request`),
    writeKey: z.string().max(200).optional(),
    sentAt: z.string().max(64).optional(),
    context: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'SegmentBatch' });

/** A single call's body (/v1/track etc.): one message whose type comes from the path. */
export const singleBodySchema = z.record(z.string(), z.unknown()).meta({ id: 'SegmentMessage' });

/** What the insert sends to PostgreSQL for one event (json_to_recordset column names). */
export interface EventRow {
  id: string;
  message_id: string;
  type: string;
  name: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  group_id: string | null;
  contact_id: string | null;
  account_id: string | null;
  properties: Record<string, unknown>;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown>;
  timestamp: string;
  original_timestamp: string | null;
  sent_at: string | null;
  future: boolean;
  channel: string;
  digital: boolean;
}

export interface Normalised {
  row: EventRow;
  /** The row as JSON, already checked for size and sanitised for PostgreSQL. */
  json: string;
  message: SegmentMessage;
}

export type Normalise = { ok: true; value: Normalised } | { ok: false; messageId: string | null; reason: string };

/** A time-ordered UUID (version 7): new events append to the primary key instead of splitting random pages. */
export function uuidv7(ms: number): string {
  const random = randomUUID();
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${random.slice(15)}`;
}

/** Corrected time, as Segment computes it: receivedAt - (sentAt - originalTimestamp). */
export function correctedTime(receivedAt: Date, original: Date | null | undefined, sentAt: Date | null | undefined): Date {
  if (!original) return receivedAt;
  if (!sentAt) return original;
  return new Date(receivedAt.getTime() - (sentAt.getTime() - original.getTime()));
}

function depthExceeds(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) if (depthExceeds(child, limit - 1)) return true;
  return false;
}

// JSON.stringify escapes NUL and lone surrogates; PostgreSQL refuses both in text and jsonb.
const UNSTORABLE = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;

// Lone UTF-16 surrogates become U+FFFD.
const wellFormed = (s: string): string => s.toWellFormed();

/** Removes what PostgreSQL cannot store (NUL characters, lone UTF-16 surrogates) from every string and key. */
export function sanitise(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value.replaceAll('\0', ''));
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sanitise);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[sanitise(k) as string] = sanitise(v);
  return out;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'is invalid';
  const path = issue.path.join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

function missing(m: SegmentMessage): string | undefined {
  if (m.userId == null && m.anonymousId == null) return 'userId or anonymousId is required';
  if (m.type === 'track' && !m.event) return 'event is required for a track call';
  if (m.type === 'group' && m.groupId == null) return 'groupId is required for a group call';
  if (m.type === 'alias' && (m.previousId == null || m.userId == null)) return 'previousId and userId are required for an alias call';
  return undefined;
}

/** Validates one Segment message and turns it into an event row; a reason when it must be dropped. */
export function normaliseMessage(
  raw: unknown,
  receivedAt: Date,
  batch: { sentAt?: Date | undefined; context?: Record<string, unknown> | undefined },
): Normalise {
  const rawId =
    raw && typeof raw === 'object' && typeof (raw as { messageId?: unknown }).messageId === 'string' ? (raw as { messageId: string }).messageId : null;
  const parsed = segmentMessageSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, messageId: rawId, reason: firstIssue(parsed.error) };
  const m = parsed.data;
  const why = missing(m);
  if (why) return { ok: false, messageId: rawId, reason: why };
  const payload = m.type === 'identify' || m.type === 'group' ? m.traits : m.properties;
  for (const [field, value] of [
    ['properties', m.properties],
    ['traits', m.traits],
    ['context', m.context],
  ] as const) {
    if (depthExceeds(value, MAX_DEPTH)) return { ok: false, messageId: rawId, reason: `${field}: nested deeper than ${MAX_DEPTH} levels` };
  }
  const original = m.originalTimestamp ?? m.timestamp ?? null;
  const timestamp = correctedTime(receivedAt, original, m.sentAt ?? batch.sentAt);
  const row: EventRow = {
    id: uuidv7(receivedAt.getTime()),
    message_id: m.messageId ?? randomUUID(),
    type: m.type,
    name:
      m.type === 'track'
        ? (m.event ?? null)
        : m.type === 'page' || m.type === 'screen'
          ? (m.name ?? (typeof m.properties?.name === 'string' ? m.properties.name : null))
          : null,
    user_id: m.userId ?? null,
    anonymous_id: m.anonymousId ?? null,
    group_id: m.groupId ?? null,
    contact_id: null,
    account_id: null,
    properties: m.type === 'identify' || m.type === 'group' ? {} : m.type === 'alias' ? { previousId: m.previousId } : (payload ?? {}),
    traits: m.type === 'identify' || m.type === 'group' ? (payload ?? {}) : null,
    context: m.context ?? batch.context ?? {},
    timestamp: timestamp.toISOString(),
    original_timestamp: original?.toISOString() ?? null,
    sent_at: (m.sentAt ?? batch.sentAt)?.toISOString() ?? null,
    future: timestamp.getTime() > receivedAt.getTime() + FUTURE_MS,
    channel: 'product',
    digital: true,
  };
  if (typeof row.name === 'string' && row.name.length > 200) row.name = row.name.slice(0, 200);
  let json = JSON.stringify(row);
  if (UNSTORABLE.test(json)) {
    const clean = sanitise(row) as EventRow;
    Object.assign(row, clean);
    json = JSON.stringify(row);
  }
  if (Buffer.byteLength(json) > MAX_EVENT_BYTES + 512) {
    return { ok: false, messageId: row.message_id, reason: `event is larger than ${MAX_EVENT_BYTES / 1024} KB` };
  }
  return { ok: true, value: { row, json, message: m } };
}
