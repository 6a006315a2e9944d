import { createHash, createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { isUuid } from '../../lib/ids.ts';

// Signed tokens in the links of sent mail: unsubscribe, preferences, open pixel, click redirect. Binary and compact
// (version, kind, expiry, the ids as 16 bytes each, a 96-bit HMAC-SHA256 tag under a key derived from the secret),
// then base64url: a token stays under 100 characters. Nothing is stored: the tag proves Momentum made the link.

const VERSION = 1;
const KINDS = { unsubscribe: 1, preferences: 2, open: 3, click: 4 } as const;
type Kind = keyof typeof KINDS;
// 96 bits: forging one needs ~2^95 tries against a server that answers each one; the URL stays under Fastify's 100-character parameter limit.
const TAG_BYTES = 12;

/** Unsubscribe and preference links stay valid for 400 days (RFC 8058 and the mailbox providers ask for at least 60). */
export const LINK_VALIDITY_DAYS = 400;
/** Open and click links last as long as a message is worth tracking. */
export const TRACKING_VALIDITY_DAYS = 400;

// Derived once per secret (a message signs several links; deriving per link cost a tenth of the dispatcher's CPU).
const keys = new Map<string, KeyObject>();
function keyFor(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(createHmac('sha256', secret).update('momentum:messaging-links:v1').digest());
    keys.set(secret, key);
  }
  return key;
}

function uuidBytes(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

function bytesUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function sign(secret: string, kind: Kind, expiresAt: Date, ids: string[], extra?: Buffer): string {
  const head = Buffer.alloc(6);
  head.writeUInt8(VERSION, 0);
  head.writeUInt8(KINDS[kind], 1);
  head.writeUInt32BE(Math.floor(expiresAt.getTime() / 1000), 2);
  const body = Buffer.concat([head, ...ids.map(uuidBytes), ...(extra ? [extra] : [])]);
  const tag = createHmac('sha256', keyFor(secret)).update(body).digest().subarray(0, TAG_BYTES);
  return Buffer.concat([body, tag]).toString('base64url');
}

/** The ids of a valid token of this kind, or undefined (malformed, tampered, expired, another kind). */
function verify(secret: string, kind: Kind, token: string, idCount: number, now: Date, extraBytes = 0): { ids: string[]; extra: Buffer } | undefined {
  if (typeof token !== 'string' || token.length > 400 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  const bodyLength = 6 + idCount * 16 + extraBytes;
  if (raw.length !== bodyLength + TAG_BYTES) return undefined;
  const body = raw.subarray(0, bodyLength);
  const expected = createHmac('sha256', keyFor(secret)).update(body).digest().subarray(0, TAG_BYTES);
  if (!timingSafeEqual(expected, raw.subarray(bodyLength))) return undefined;
  if (body.readUInt8(0) !== VERSION || body.readUInt8(1) !== KINDS[kind]) return undefined;
  if (body.readUInt32BE(2) * 1000 < now.getTime()) return undefined;
  const ids = Array.from({ length: idCount }, (_, i) => bytesUuid(body.subarray(6 + i * 16, 6 + (i + 1) * 16)));
  return { ids, extra: body.subarray(6 + idCount * 16) };
}

const daysFrom = (now: Date, days: number) => new Date(now.getTime() + days * 86_400_000);

function checkIds(ids: string[]): void {
  for (const id of ids) if (!isUuid(id)) throw new Error(`not a uuid: ${id}`);
}

export interface UnsubscribeTokenData {
  workspaceId: string;
  contactId: string;
  listId: string;
}

/** A token bound to a workspace, a contact and a list. */
export function signUnsubscribeToken(secret: string, data: UnsubscribeTokenData, now: Date): string {
  const ids = [data.workspaceId, data.contactId, data.listId];
  checkIds(ids);
  return sign(secret, 'unsubscribe', daysFrom(now, LINK_VALIDITY_DAYS), ids);
}

export function verifyUnsubscribeToken(secret: string, token: string, now: Date): UnsubscribeTokenData | undefined {
  const found = verify(secret, 'unsubscribe', token, 3, now);
  if (!found) return undefined;
  const [workspaceId, contactId, listId] = found.ids as [string, string, string];
  return { workspaceId, contactId, listId };
}

export interface PreferencesTokenData {
  workspaceId: string;
  contactId: string;
}

/** The preference centre's token (the page is the consent module's, at /preferences/:token). */
export function signPreferencesToken(secret: string, data: PreferencesTokenData, now: Date): string {
  checkIds([data.workspaceId, data.contactId]);
  return sign(secret, 'preferences', daysFrom(now, LINK_VALIDITY_DAYS), [data.workspaceId, data.contactId]);
}

/** The workspace and contact of a valid preference-centre token, or undefined (malformed, tampered, expired). */
export function verifyPreferencesToken(secret: string, token: string, now: Date): PreferencesTokenData | undefined {
  const found = verify(secret, 'preferences', token, 2, now);
  if (!found) return undefined;
  const [workspaceId, contactId] = found.ids as [string, string];
  return { workspaceId, contactId };
}

export interface MessageTokenData {
  workspaceId: string;
  messageId: string;
}

export function signOpenToken(secret: string, data: MessageTokenData, now: Date): string {
  checkIds([data.workspaceId, data.messageId]);
  return sign(secret, 'open', daysFrom(now, TRACKING_VALIDITY_DAYS), [data.workspaceId, data.messageId]);
}

export function verifyOpenToken(secret: string, token: string, now: Date): MessageTokenData | undefined {
  const found = verify(secret, 'open', token, 2, now);
  if (!found) return undefined;
  const [workspaceId, messageId] = found.ids as [string, string];
  return { workspaceId, messageId };
}

const URL_HASH_BYTES = 12;
const urlHash = (url: string) => createHash('sha256').update(url).digest().subarray(0, URL_HASH_BYTES);

/**
 * A click token binds the message and the exact target URL (its hash): the redirect goes only to a URL that was in the
 * message as sent; any other `url` fails verification.
 */
export function signClickToken(secret: string, data: MessageTokenData & { url: string }, now: Date): string {
  checkIds([data.workspaceId, data.messageId]);
  return sign(secret, 'click', daysFrom(now, TRACKING_VALIDITY_DAYS), [data.workspaceId, data.messageId], urlHash(data.url));
}

export function verifyClickToken(secret: string, token: string, url: string, now: Date): MessageTokenData | undefined {
  const found = verify(secret, 'click', token, 2, now, URL_HASH_BYTES);
  if (!found || !timingSafeEqual(found.extra, urlHash(url))) return undefined;
  const [workspaceId, messageId] = found.ids as [string, string];
  return { workspaceId, messageId };
}
