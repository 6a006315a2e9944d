import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Clock } from '../../lib/clock.ts';
import { findListRow, recordConsent, subscriptionStatuses } from '../consent/consent.ts';
import { recordMessageEvents } from './messaging.events.ts';
import { senderIdentity } from './messaging.settings.ts';
import type { MessageTokenData, UnsubscribeTokenData } from './messaging.tokens.ts';

// What recipients do with a message: unsubscribe (one click or the confirm page), open (the pixel), click (the
// signed redirect). Each is recorded on the message row (for stats) and, once, as an event on the contact's timeline.

/** pat@example.com -> p***@example.com: the page confirms whose subscription it is without showing the whole address. */
export function maskAddress(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  return domain ? `${local.slice(0, 1)}***@${domain}` : '***';
}

async function contactAddress(db: Db, workspaceId: string, contactId: string): Promise<string | null> {
  const row = await sql<{ email: string }>`select email from contacts where workspace_id = ${workspaceId}::uuid and id = ${contactId}::uuid`.execute(db);
  return row.rows[0]?.email || null;
}

export interface UnsubscribeTarget {
  listName: string;
  senderName: string;
  maskedAddress: string;
  unsubscribed: boolean;
}

/** What the unsubscribe page shows (nothing changes). */
export async function unsubscribeTarget(db: Db, config: Pick<Config, 'publicUrl'>, data: UnsubscribeTokenData): Promise<UnsubscribeTarget> {
  const [list, address, identity] = await Promise.all([
    findListRow(db, data.workspaceId, data.listId),
    contactAddress(db, data.workspaceId, data.contactId),
    senderIdentity(db, config, data.workspaceId),
  ]);
  const purpose = `list:${data.listId}`;
  const status = address ? (await subscriptionStatuses(db, data.workspaceId, data.contactId)).find((s) => s.purpose === purpose)?.status : 'none';
  return {
    listName: list?.name ?? 'this list',
    senderName: identity.marketingFrom.name,
    maskedAddress: address ? maskAddress(address) : 'this address',
    unsubscribed: status !== 'confirmed' && status !== 'unconfirmed',
  };
}

/**
 * Withdraws the contact's consent to the list at once (a one-click POST, the page's button, or a mail to the mailto:
 * of List-Unsubscribe read from the bounce mailbox), records Email Unsubscribed on the message that carried the link,
 * and is idempotent: posting again appends nothing. A contact erased since has nothing left to withdraw (the erasure
 * kept the withdrawal as a hash).
 */
export async function unsubscribe(
  db: Db,
  clock: Clock,
  data: UnsubscribeTokenData,
  request: {
    method: 'one_click' | 'unsubscribe_page';
    sourceIp: string | null;
    userAgent: string | null;
    /** How the request came when not by the link: 'mailto' (kept in the event), with the ledger's proof. */
    via?: 'mailto';
    proof?: string;
  },
): Promise<{ listName: string; maskedAddress: string }> {
  return inTransaction(db, async (tx) => {
    const list = await findListRow(tx, data.workspaceId, data.listId);
    const address = await contactAddress(tx as unknown as Db, data.workspaceId, data.contactId);
    if (address) {
      await recordConsent(tx, clock, data.workspaceId, {
        contactId: data.contactId,
        purpose: `list:${data.listId}`,
        action: 'withdrawn',
        method: request.method,
        wording: list ? `Unsubscribe from ${list.name}` : null,
        sourceIp: request.sourceIp,
        userAgent: request.userAgent?.slice(0, 500) ?? null,
        recordedBy: { name: 'contact' },
        proof: request.proof ?? null,
      });
    }
    // The link is the same in every message of the list to the contact: the latest one sent gets the unsubscribe.
    const now = clock.now();
    const latest = await tx
      .selectFrom('messages')
      .select('id')
      .where('workspace_id', '=', data.workspaceId)
      .where('recipient_id', '=', data.contactId)
      .where('list_id', '=', data.listId)
      .where('status', '=', 'sent')
      .orderBy('sent_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const row = latest
      ? await tx
          .updateTable('messages')
          .set({ unsubscribed_at: sql`coalesce(unsubscribed_at, ${now}::timestamptz)` })
          .where('workspace_id', '=', data.workspaceId)
          .where('id', '=', latest.id)
          .returningAll()
          .executeTakeFirst()
      : undefined;
    if (row) {
      await recordMessageEvents(tx, clock, data.workspaceId, [
        {
          row,
          name: 'Email Unsubscribed',
          key: `unsubscribe:${row.id}`,
          at: now,
          properties: { list: list?.name ?? null, method: request.method, ...(request.via ? { via: request.via } : {}) },
        },
      ]);
    }
    return { listName: list?.name ?? 'this list', maskedAddress: address ? maskAddress(address) : 'This address' };
  });
}

/**
 * Privacy proxies and pre-fetchers that load images without a person reading: Apple Mail Privacy Protection (a bare
 * "Mozilla/5.0"), Yahoo's and Outlook's prefetchers, security gateways. Gmail's image proxy fetches when the message is
 * opened, so it counts as a person.
 */
const MACHINE_AGENTS =
  /^Mozilla\/5\.0$|YahooMailProxy|Yahoo! Slurp|BingPreview|Outlook-iOS-Android|Barracuda|Mimecast|Proofpoint|ZScaler|Symantec|MessageLabs|python-requests|curl\/|Go-http-client/i;
/** An open this soon after sending is a pre-fetch (a person does not open a message within seconds of its delivery). */
const MACHINE_OPEN_WITHIN_MS = 5_000;

export function isMachineOpen(userAgent: string, sentAt: Date | null, now: Date): boolean {
  if (!userAgent.trim() || MACHINE_AGENTS.test(userAgent.trim())) return true;
  return sentAt !== null && now.getTime() - sentAt.getTime() < MACHINE_OPEN_WITHIN_MS;
}

/** The pixel was loaded: the first open is recorded (flagged machine or not); a later open by a person clears the flag. */
export async function recordOpen(db: Db, clock: Clock, data: MessageTokenData, userAgent: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const now = clock.now();
    const before = await tx
      .selectFrom('messages')
      .selectAll()
      .where('workspace_id', '=', data.workspaceId)
      .where('id', '=', data.messageId)
      .where('status', '=', 'sent')
      .forUpdate()
      .executeTakeFirst();
    if (!before) return;
    const machine = isMachineOpen(userAgent, before.sent_at, now);
    await tx
      .updateTable('messages')
      .set({
        open_count: sql`open_count + 1`,
        opened_at: before.opened_at ?? now,
        machine_open: before.opened_at ? (before.machine_open === true && !machine ? false : before.machine_open) : machine,
      })
      .where('workspace_id', '=', data.workspaceId)
      .where('id', '=', data.messageId)
      .execute();
    if (!before.opened_at) {
      await recordMessageEvents(tx, clock, data.workspaceId, [
        { row: before, name: 'Email Opened', key: `open:${before.id}`, at: now, properties: { machine } },
      ]);
    }
  });
}

/** A tracked link was followed: recorded once per message and URL. False when the message is unknown (nothing to redirect to). */
export async function recordClick(db: Db, clock: Clock, data: MessageTokenData, url: string, userAgent: string): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const row = await tx
      .updateTable('messages')
      .set({ click_count: sql`click_count + 1`, clicked_at: sql`coalesce(clicked_at, ${now}::timestamptz)` })
      .where('workspace_id', '=', data.workspaceId)
      .where('id', '=', data.messageId)
      .where('status', '=', 'sent')
      .returningAll()
      .executeTakeFirst();
    if (!row) return false;
    const urlKey = createHash('sha256').update(url).digest('hex').slice(0, 16);
    await recordMessageEvents(tx, clock, data.workspaceId, [
      { row, name: 'Email Clicked', key: `click:${row.id}:${urlKey}`, at: now, properties: { url, machine: isMachineOpen(userAgent, null, now) } },
    ]);
    return true;
  });
}
