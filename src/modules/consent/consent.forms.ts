// Getting permission: the hosted subscribe page and embeddable form of a list, double opt-in confirmations (a signed,
// expiring, single-use link mailed through the outbox) and the preference centre. Operations only: the pages
// (consent.pages.ts) render what these return.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import { systemActor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { emailSchema } from '../../lib/email.ts';
import type { ErrorDetail } from '../../lib/errors.ts';
import { isUuid, newId } from '../../lib/ids.ts';
import { createContact, findContactByEmail } from '../contacts/contacts.ts';
import { enqueueMessages } from '../messaging/messaging.outbox.ts';
import { verifyPreferencesToken } from '../messaging/messaging.tokens.ts';
import { getWorkspace } from '../workspaces/workspaces.ts';
import type { SubscriptionStatus } from './consent.schema.ts';
import type { ConsentAction } from './consent.table.ts';
import { addressHash, recordConsent } from './consent.ts';

type LinkConfig = Pick<Config, 'publicUrl' | 'secret'>;

/** A confirmation link works for 7 days; an expired one offers to send a new one. */
export const CONFIRMATION_VALIDITY_DAYS = 7;
/** At most one confirmation mail per address every 10 minutes, and 5 a day (a form cannot be used to mail-bomb someone). */
export const CONFIRMATION_MIN_INTERVAL_MS = 10 * 60_000;
export const CONFIRMATIONS_PER_DAY = 5;
/** Subscribe and resend posts per client address per minute. */
export const FORM_POSTS_PER_MINUTE = 20;
/** The form's hidden field only robots fill in. */
export const HONEYPOT_FIELD = 'website';

export interface PublicList {
  id: string;
  workspaceId: string;
  workspaceName: string;
  key: string;
  name: string;
  description: string;
  optIn: 'single' | 'double';
  wording: string;
  wordingVersion: number;
}

/** A public, unarchived list by workspace and key: what its subscribe page shows (undefined: no such page). */
export async function findPublicList(db: Db | Tx, workspaceId: string, key: string): Promise<PublicList | undefined> {
  if (!isUuid(workspaceId) || key.length > 60) return undefined;
  const row = await db
    .selectFrom('mailing_lists')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('key', '=', key)
    .where('public', '=', true)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const workspace = await getWorkspace(db as Db, workspaceId);
  return {
    id: row.id,
    workspaceId,
    workspaceName: workspace.name,
    key: row.key,
    name: row.name,
    description: row.description,
    optIn: row.opt_in,
    wording: row.wording,
    wordingVersion: row.wording_version,
  };
}

export const subscribeUrl = (config: Pick<Config, 'publicUrl'>, workspaceId: string, key: string) => `${config.publicUrl}/subscribe/${workspaceId}/${key}`;

export interface SubscribeInput {
  name?: unknown;
  email?: unknown;
  /** The honeypot. */
  website?: unknown;
  /** The wording version the form showed (embedded forms carry it; the hosted page shows the current one). */
  v?: unknown;
  sourceIp: string | null;
  userAgent: string | null;
}

export type SubscribeResult =
  | { kind: 'invalid'; errors: ErrorDetail[]; values: { name: string; email: string } }
  /** Single opt-in: subscribed now. */
  | { kind: 'subscribed' }
  /** Double opt-in: check your inbox (also said when the address is already confirmed, or a robot filled the honeypot: nothing reveals which). */
  | { kind: 'check_inbox' };

const text = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '');

function readSubscribe(input: SubscribeInput): { name: string; email: string } | { errors: ErrorDetail[]; values: { name: string; email: string } } {
  const name = text(input.name).trim();
  const rawEmail = text(input.email).trim();
  const errors: ErrorDetail[] = [];
  const email = emailSchema.safeParse(rawEmail);
  if (rawEmail === '') errors.push({ path: 'email', message: 'Enter your email address' });
  else if (!email.success) errors.push({ path: 'email', message: 'Enter an email address like name@example.com' });
  if (name.length > 200) errors.push({ path: 'name', message: 'Your name can be at most 200 characters' });
  // A name is text: markup in it is somebody probing the form, refused rather than stored.
  else if (/[<>]/.test(name)) errors.push({ path: 'name', message: 'Your name cannot contain < or >' });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  else if (/[\u0000-\u001f\u007f]/.test(name)) errors.push({ path: 'name', message: 'Your name cannot contain control characters' });
  if (errors.length > 0 || !email.success) return { errors, values: { name, email: rawEmail } };
  return { name, email: email.data };
}

/**
 * A subscribe form post: finds the contact by email or creates one without an account (an anonymous form never
 * changes an existing contact's data), then records 'granted' (single opt-in) or 'requested' and mails a confirmation
 * link (double opt-in), with the wording and version shown, the source IP and user agent.
 */
export async function subscribe(db: Db, clock: Clock, config: LinkConfig, list: PublicList, input: SubscribeInput): Promise<SubscribeResult> {
  if (text(input.website) !== '') return list.optIn === 'double' ? { kind: 'check_inbox' } : { kind: 'subscribed' };
  const read = readSubscribe(input);
  if ('errors' in read) return { kind: 'invalid', errors: read.errors, values: read.values };
  const shownVersion = Number.parseInt(text(input.v), 10);
  // An embedded form made before the wording changed: its version is recorded, not today's wording it did not show.
  const stale = Number.isInteger(shownVersion) && shownVersion > 0 && shownVersion !== list.wordingVersion;
  const wording = stale
    ? { wording: null, wordingVersion: shownVersion, proof: `embedded form showing wording version ${shownVersion} (current: ${list.wordingVersion})` }
    : { wording: list.wording, wordingVersion: list.wordingVersion, proof: null };
  return inTransaction(db, async (tx) => {
    const actor = systemActor(list.workspaceId, 'subscribe form');
    const contact =
      (await findContactByEmail(tx, actor, read.email)) ?? (await createContact(tx, clock, actor, { email: read.email, name: read.name || read.email }));
    const common = {
      contactId: contact.id,
      purpose: `list:${list.id}`,
      method: 'form' as const,
      ...wording,
      sourceIp: input.sourceIp,
      userAgent: input.userAgent,
    };
    const recordedBy = { name: 'contact' };
    if (list.optIn === 'single') {
      await recordConsent(tx, clock, list.workspaceId, { ...common, action: 'granted', recordedBy });
      return { kind: 'subscribed' };
    }
    if ((await latestAction(tx, list.workspaceId, contact.email, list.id)) === 'granted') return { kind: 'check_inbox' };
    await recordConsent(tx, clock, list.workspaceId, { ...common, action: 'requested', recordedBy });
    await sendConfirmation(tx, clock, config, list, { id: contact.id, email: contact.email });
    return { kind: 'check_inbox' };
  });
}

async function latestAction(db: Db | Tx, workspaceId: string, email: string, listId: string): Promise<ConsentAction | undefined> {
  const row = await db
    .selectFrom('consent_records')
    .select('action')
    .where('workspace_id', '=', workspaceId)
    .where('address_hash', '=', addressHash(email))
    .where('purpose', '=', `list:${listId}`)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.action;
}

// ---------------------------------------------------------------- confirmation links

/** What a confirmation link carries: the workspace, the confirmation (which names the contact), the list, the address's hash (first 8 hex) and the expiry. */
export interface ConfirmationToken {
  w: string;
  i: string;
  l: string;
  h: string;
  /** Unix seconds. */
  e: number;
}

// Binary and compact (a URL path segment stays under Fastify's 100-character parameter limit): version, expiry, three
// ids of 16 bytes, 4 bytes of the address hash, then a 96-bit HMAC-SHA256 tag under a key derived from the secret.
const TOKEN_VERSION = 1;
const TOKEN_BODY = 1 + 4 + 48 + 4;
const TOKEN_TAG = 12;
const tokenKey = (secret: string) => createHmac('sha256', secret).update('momentum:consent-confirmation:v1').digest();
const tokenTag = (secret: string, body: Buffer) => createHmac('sha256', tokenKey(secret)).update(body).digest().subarray(0, TOKEN_TAG);
const uuidBytes = (id: string) => Buffer.from(id.replace(/-/g, ''), 'hex');
const bytesUuid = (b: Buffer) => {
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

export function signConfirmationToken(secret: string, data: ConfirmationToken): string {
  const head = Buffer.alloc(5);
  head.writeUInt8(TOKEN_VERSION, 0);
  head.writeUInt32BE(data.e, 1);
  const body = Buffer.concat([head, uuidBytes(data.w), uuidBytes(data.i), uuidBytes(data.l), Buffer.from(data.h.slice(0, 8), 'hex')]);
  return Buffer.concat([body, tokenTag(secret, body)]).toString('base64url');
}

/** The token's data when Momentum signed it (expired or not), else undefined: malformed or tampered. */
export function verifyConfirmationToken(secret: string, token: string): ConfirmationToken | undefined {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  // Only the canonical spelling: an extra or changed trailing character is a different token.
  if (raw.length !== TOKEN_BODY + TOKEN_TAG || raw.toString('base64url') !== token) return undefined;
  const body = raw.subarray(0, TOKEN_BODY);
  if (!timingSafeEqual(tokenTag(secret, body), raw.subarray(TOKEN_BODY)) || body.readUInt8(0) !== TOKEN_VERSION) return undefined;
  return {
    e: body.readUInt32BE(1),
    w: bytesUuid(body.subarray(5, 21)),
    i: bytesUuid(body.subarray(21, 37)),
    l: bytesUuid(body.subarray(37, 53)),
    h: body.subarray(53, 57).toString('hex'),
  };
}

export const confirmUrl = (config: Pick<Config, 'publicUrl'>, token: string) => `${config.publicUrl}/confirm/${token}`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Mails a confirmation link (purpose request: allowed unless the address is suppressed), unless this address got one
 * in the last 10 minutes or 5 today (listmonk #3229): the earlier link still works. Returns whether one was queued.
 */
export async function sendConfirmation(tx: Tx, clock: Clock, config: LinkConfig, list: PublicList, contact: { id: string; email: string }): Promise<boolean> {
  const now = clock.now();
  const hash = addressHash(contact.email);
  const recent = await tx
    .selectFrom('consent_confirmations')
    .select('created_at')
    .where('workspace_id', '=', list.workspaceId)
    .where('address_hash', '=', hash)
    .where('created_at', '>', new Date(now.getTime() - 86_400_000))
    .orderBy('created_at', 'desc')
    .execute();
  const last = recent[0]?.created_at;
  if (recent.length >= CONFIRMATIONS_PER_DAY || (last && now.getTime() - last.getTime() < CONFIRMATION_MIN_INTERVAL_MS)) return false;
  const id = newId();
  const expiresAt = new Date(now.getTime() + CONFIRMATION_VALIDITY_DAYS * 86_400_000);
  await tx
    .insertInto('consent_confirmations')
    .values({
      workspace_id: list.workspaceId,
      id,
      list_id: list.id,
      contact_id: contact.id,
      address_hash: hash,
      created_at: now,
      expires_at: expiresAt,
      confirmed_at: null,
    })
    .execute();
  const token = signConfirmationToken(config.secret, { w: list.workspaceId, i: id, l: list.id, h: hash, e: Math.floor(expiresAt.getTime() / 1000) });
  const url = confirmUrl(config, token);
  const subject = `Confirm your subscription to ${list.name}`;
  const lines = [
    `You (or someone using your address) asked to receive "${list.name}" from ${list.workspaceName}.`,
    `To confirm, open this link within ${CONFIRMATION_VALIDITY_DAYS} days and press the button:`,
  ];
  const ignore = 'If you did not ask for this, ignore this email: you will not be subscribed.';
  const html =
    `<div style="font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;color:#1f2933;max-width:560px">` +
    lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('') +
    `<p><a href="${escapeHtml(url)}" style="display:inline-block;background:#1c7ed6;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none">Confirm my subscription</a></p>` +
    `<p style="font-size:13px;color:#52606d">${escapeHtml(ignore)}</p></div>`;
  const body = `${lines.join('\n')}\n\n${url}\n\n${ignore}\n`;
  await enqueueMessages(tx, clock, list.workspaceId, [
    {
      recipientId: contact.id,
      purpose: { kind: 'request' },
      source: { type: 'confirmation', id, label: list.name },
      dedupeKey: `confirmation:${id}`,
      content: { subject, html, text: body },
    },
  ]);
  return true;
}

export type ConfirmationState =
  | { kind: 'invalid' }
  | { kind: 'expired'; token: ConfirmationToken }
  | { kind: 'gone' }
  | { kind: 'already_confirmed'; listName: string }
  | { kind: 'pending'; listName: string; workspaceName: string; email: string; contactId: string };

/** What a confirmation link stands for now; changes nothing (link scanners follow GETs). */
export async function confirmationState(db: Db | Tx, clock: Clock, secret: string, token: string): Promise<ConfirmationState> {
  const data = verifyConfirmationToken(secret, token);
  if (!data) return { kind: 'invalid' };
  if (data.e * 1000 < clock.now().getTime()) return { kind: 'expired', token: data };
  const row = await db
    .selectFrom('consent_confirmations as cc')
    .innerJoin('contacts as c', (j) => j.onRef('c.workspace_id', '=', 'cc.workspace_id').onRef('c.id', '=', 'cc.contact_id'))
    .innerJoin('mailing_lists as l', (j) => j.onRef('l.workspace_id', '=', 'cc.workspace_id').onRef('l.id', '=', 'cc.list_id'))
    .select(['cc.confirmed_at', 'cc.address_hash', 'cc.contact_id', 'c.email', 'l.name as list_name', 'l.archived_at'])
    .where('cc.workspace_id', '=', data.w)
    .where('cc.id', '=', data.i)
    .where('cc.list_id', '=', data.l)
    .executeTakeFirst();
  // Erased, the list archived, or the contact's address changed since: the link no longer stands for anyone.
  if (!row || row.archived_at || addressHash(row.email) !== row.address_hash || !row.address_hash.startsWith(data.h)) return { kind: 'gone' };
  if (row.confirmed_at) return { kind: 'already_confirmed', listName: row.list_name };
  const workspace = await getWorkspace(db as Db, data.w);
  return { kind: 'pending', listName: row.list_name, workspaceName: workspace.name, email: row.email, contactId: row.contact_id };
}

/**
 * The confirm button: marks the link used (once, even under concurrent posts) and records 'granted' by double opt-in
 * with the wording of the request, the link's id as proof, and the clicking browser's IP and user agent.
 */
export async function confirmSubscription(
  db: Db,
  clock: Clock,
  secret: string,
  token: string,
  source: { sourceIp: string | null; userAgent: string | null },
): Promise<ConfirmationState> {
  return inTransaction(db, async (tx) => {
    const state = await confirmationState(tx, clock, secret, token);
    if (state.kind !== 'pending') return state;
    const data = verifyConfirmationToken(secret, token) as ConfirmationToken;
    const used = await tx
      .updateTable('consent_confirmations')
      .set({ confirmed_at: clock.now() })
      .where('workspace_id', '=', data.w)
      .where('id', '=', data.i)
      .where('confirmed_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) === 0) return { kind: 'already_confirmed', listName: state.listName };
    const purpose = `list:${data.l}`;
    if ((await latestAction(tx, data.w, state.email, data.l)) === 'granted') return { kind: 'already_confirmed', listName: state.listName };
    const request = await tx
      .selectFrom('consent_records')
      .select(['wording', 'wording_version'])
      .where('workspace_id', '=', data.w)
      .where('address_hash', '=', addressHash(state.email))
      .where('purpose', '=', purpose)
      .where('action', '=', 'requested')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    await recordConsent(tx, clock, data.w, {
      contactId: state.contactId,
      purpose,
      action: 'granted',
      method: 'double_opt_in',
      wording: request?.wording ?? null,
      wordingVersion: request?.wording_version ?? null,
      proof: data.i,
      ...source,
      recordedBy: { name: 'contact' },
    });
    return state;
  });
}

/** An expired link's resend button: a new link to the same contact and list (throttled like the form). */
export async function resendConfirmation(db: Db, clock: Clock, config: LinkConfig, token: string): Promise<'sent' | 'invalid' | 'gone'> {
  const data = verifyConfirmationToken(config.secret, token);
  if (!data) return 'invalid';
  return inTransaction(db, async (tx) => {
    const confirmation = await tx
      .selectFrom('consent_confirmations')
      .select('contact_id')
      .where('workspace_id', '=', data.w)
      .where('id', '=', data.i)
      .where('list_id', '=', data.l)
      .executeTakeFirst();
    const contact = confirmation
      ? await tx.selectFrom('contacts').select(['id', 'email']).where('workspace_id', '=', data.w).where('id', '=', confirmation.contact_id).executeTakeFirst()
      : undefined;
    const list = await findListById(tx, data.w, data.l);
    if (!list || !contact || !addressHash(contact.email).startsWith(data.h)) return 'gone';
    if ((await latestAction(tx, data.w, contact.email, data.l)) !== 'granted') await sendConfirmation(tx, clock, config, list, contact);
    return 'sent';
  });
}

/** The unarchived list a confirmation is for (it may no longer be offered publicly: resending still concerns it). */
async function findListById(db: Db | Tx, workspaceId: string, listId: string): Promise<PublicList | undefined> {
  const list = await db
    .selectFrom('mailing_lists')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', listId)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  if (!list) return undefined;
  const workspace = await getWorkspace(db as Db, workspaceId);
  return {
    id: list.id,
    workspaceId,
    workspaceName: workspace.name,
    key: list.key,
    name: list.name,
    description: list.description,
    optIn: list.opt_in,
    wording: list.wording,
    wordingVersion: list.wording_version,
  };
}

// ---------------------------------------------------------------- the preference centre

export interface PreferenceCentre {
  workspaceName: string;
  email: string;
  lists: { id: string; name: string; description: string; status: SubscriptionStatus }[];
}

/** The contact of a preference-centre link (signed by messaging: messaging.tokens.ts), or undefined. */
async function preferenceContact(db: Db | Tx, clock: Clock, secret: string, token: string) {
  const data = verifyPreferencesToken(secret, token, clock.now());
  if (!data) return undefined;
  const contact = await db
    .selectFrom('contacts')
    .select(['id', 'email'])
    .where('workspace_id', '=', data.workspaceId)
    .where('id', '=', data.contactId)
    .executeTakeFirst();
  if (!contact || contact.email.trim() === '') return undefined;
  return { workspaceId: data.workspaceId, ...contact };
}

/** The public lists with the contact's status, plus any other list they are on (so they can leave it). */
export async function preferenceCentre(db: Db | Tx, clock: Clock, secret: string, token: string): Promise<PreferenceCentre | undefined> {
  const contact = await preferenceContact(db, clock, secret, token);
  if (!contact) return undefined;
  const statuses = await listStatuses(db, contact.workspaceId, contact.email);
  const lists = await db
    .selectFrom('mailing_lists')
    .select(['id', 'name', 'description', 'public'])
    .where('workspace_id', '=', contact.workspaceId)
    .where('archived_at', 'is', null)
    .orderBy('name')
    .execute();
  const workspace = await getWorkspace(db as Db, contact.workspaceId);
  return {
    workspaceName: workspace.name,
    email: contact.email,
    lists: lists
      .map((l) => ({ id: l.id, name: l.name, description: l.description, public: l.public, status: statuses.get(l.id) ?? ('none' as const) }))
      .filter((l) => l.public || l.status === 'confirmed' || l.status === 'unconfirmed')
      .map(({ public: _public, ...l }) => l),
  };
}

async function listStatuses(db: Db | Tx, workspaceId: string, email: string): Promise<Map<string, SubscriptionStatus>> {
  const rows = await db
    .selectFrom('consent_records')
    .select(['purpose', 'action', 'seq'])
    .where('workspace_id', '=', workspaceId)
    .where('address_hash', '=', addressHash(email))
    .where('purpose', 'like', 'list:%')
    .orderBy('seq', 'asc')
    .execute();
  const latest = new Map<string, SubscriptionStatus>();
  for (const r of rows) latest.set(r.purpose.slice(5), r.action === 'granted' ? 'confirmed' : r.action === 'requested' ? 'unconfirmed' : 'unsubscribed');
  return latest;
}

/**
 * Saves the preference centre: checked lists are granted (the signed link proves the mailbox is theirs, so a double
 * opt-in list needs no second email), unchecked ones the contact was on are withdrawn; `leaveAll` withdraws every
 * list. Method 'preference_centre', with the IP and user agent.
 */
export async function savePreferences(
  db: Db,
  clock: Clock,
  secret: string,
  token: string,
  input: { listIds: string[]; leaveAll: boolean; sourceIp: string | null; userAgent: string | null },
): Promise<PreferenceCentre | undefined> {
  return inTransaction(db, async (tx) => {
    const contact = await preferenceContact(tx, clock, secret, token);
    if (!contact) return undefined;
    const centre = await preferenceCentre(tx, clock, secret, token);
    if (!centre) return undefined;
    const wanted = new Set(input.leaveAll ? [] : input.listIds);
    const wordings = new Map(
      (await tx.selectFrom('mailing_lists').select(['id', 'wording', 'wording_version']).where('workspace_id', '=', contact.workspaceId).execute()).map((l) => [
        l.id,
        l,
      ]),
    );
    const common = {
      contactId: contact.id,
      method: 'preference_centre' as const,
      sourceIp: input.sourceIp,
      userAgent: input.userAgent,
      recordedBy: { name: 'contact' },
    };
    for (const list of centre.lists) {
      const on = list.status === 'confirmed' || list.status === 'unconfirmed';
      if (wanted.has(list.id) && list.status !== 'confirmed') {
        const w = wordings.get(list.id);
        await recordConsent(tx, clock, contact.workspaceId, {
          ...common,
          purpose: `list:${list.id}`,
          action: 'granted',
          wording: w?.wording,
          wordingVersion: w?.wording_version,
        });
      } else if (!wanted.has(list.id) && on) {
        await recordConsent(tx, clock, contact.workspaceId, { ...common, purpose: `list:${list.id}`, action: 'withdrawn' });
      }
    }
    return preferenceCentre(tx, clock, secret, token);
  });
}
