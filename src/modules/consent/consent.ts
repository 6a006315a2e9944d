import { type ExpressionBuilder, type Selectable, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { sha256 } from '../../lib/crypto.ts';
import { normaliseEmail } from '../../lib/email.ts';
import { AppError, invalid, isUniqueViolation, notFound, parseBody } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import { recordInteractionEvent } from '../events/events.ts';
import {
  type ConsentMethod,
  type MailingList,
  type MailingListCreate,
  type MailingListUpdate,
  mailingListCreateSchema,
  mailingListUpdateSchema,
  type Subscription,
  type SubscriptionStatus,
  type Suppression,
} from './consent.schema.ts';
import type { ConsentAction, MailingListsTable, SuppressionReason, SuppressionsTable } from './consent.table.ts';

/** The key consent and suppressions use for an address (SHA-256 of the normalised address, as the gate computes it in SQL). */
export const addressHash = (address: string): string => sha256(normaliseEmail(address));

// ---------------------------------------------------------------- lists

type ListRow = Selectable<MailingListsTable>;

function toList(row: ListRow, counts?: MailingList['counts']): MailingList {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    optIn: row.opt_in,
    public: row.public,
    wording: row.wording,
    wordingVersion: row.wording_version,
    archivedAt: row.archived_at?.toISOString() ?? null,
    counts: counts ?? { unconfirmed: 0, confirmed: 0, unsubscribed: 0 },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Contacts per derived status on each list (the latest record per address and list). */
async function listCounts(db: Db | Tx, workspaceId: string): Promise<Map<string, MailingList['counts']>> {
  const rows = await sql<{ purpose: string; action: ConsentAction; n: number }>`
    select purpose, action, count(*)::int as n from (
      select distinct on (address_hash, purpose) purpose, action from consent_records
      where workspace_id = ${workspaceId}::uuid and purpose like 'list:%'
      order by address_hash, purpose, seq desc
    ) latest group by purpose, action`.execute(db);
  const counts = new Map<string, MailingList['counts']>();
  for (const r of rows.rows) {
    const id = r.purpose.slice('list:'.length);
    const c = counts.get(id) ?? { unconfirmed: 0, confirmed: 0, unsubscribed: 0 };
    c[statusOf(r.action) as keyof MailingList['counts']] += r.n;
    counts.set(id, c);
  }
  return counts;
}

export async function listLists(db: Db | Tx, actor: Actor, options: { includeArchived?: boolean } = {}): Promise<MailingList[]> {
  let q = db.selectFrom('mailing_lists').selectAll().where('workspace_id', '=', actor.workspaceId);
  if (!options.includeArchived) q = q.where('archived_at', 'is', null);
  const rows = await q.orderBy('name').execute();
  const counts = await listCounts(db, actor.workspaceId);
  return rows.map((r) => toList(r, counts.get(r.id)));
}

export async function findListRow(db: Db | Tx, workspaceId: string, idOrKey: string): Promise<ListRow | undefined> {
  const byId = /^[0-9a-f-]{36}$/i.test(idOrKey);
  return db
    .selectFrom('mailing_lists')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where(byId ? 'id' : 'key', '=', idOrKey)
    .executeTakeFirst();
}

/** A list by id or key; throws not_found. */
export async function getList(db: Db | Tx, actor: Actor, idOrKey: string): Promise<MailingList> {
  const row = await findListRow(db, actor.workspaceId, idOrKey);
  if (!row) throw notFound('List');
  return toList(row, (await listCounts(db, actor.workspaceId)).get(row.id));
}

export async function createList(db: Db, clock: Clock, actor: Actor, input: MailingListCreate): Promise<MailingList> {
  const body = parseBody(mailingListCreateSchema, input);
  const now = clock.now();
  return inTransaction(db, async (tx) => {
    try {
      const row = await tx
        .insertInto('mailing_lists')
        .values({
          workspace_id: actor.workspaceId,
          id: newId(),
          key: body.key,
          name: body.name,
          description: body.description,
          opt_in: body.optIn,
          public: body.public,
          wording: body.wording,
          created_at: now,
          updated_at: now,
          archived_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const list = toList(row);
      await recordAudit(tx, clock, actor, { action: 'list.created', entityType: 'list', entityId: row.id, after: list });
      return list;
    } catch (error) {
      if (isUniqueViolation(error, 'mailing_lists_key'))
        throw new AppError('conflict', `A list with the key ${body.key} exists`, [{ path: 'body.key', message: 'already used by another list' }]);
      throw error;
    }
  });
}

/** Changes a list; new wording gets a new version (the ledger records which version each contact was shown). */
export async function updateList(db: Db, clock: Clock, actor: Actor, id: string, input: MailingListUpdate): Promise<MailingList> {
  const body = parseBody(mailingListUpdateSchema, input);
  return inTransaction(db, async (tx) => {
    const before = await findListRow(tx, actor.workspaceId, id);
    if (!before) throw notFound('List');
    const wordingChanged = body.wording !== undefined && body.wording !== before.wording;
    const row = await tx
      .updateTable('mailing_lists')
      .set({
        ...(body.name !== undefined && { name: body.name }),
        ...(body.description !== undefined && { description: body.description }),
        ...(body.optIn !== undefined && { opt_in: body.optIn }),
        ...(body.public !== undefined && { public: body.public }),
        ...(wordingChanged && { wording: body.wording, wording_version: before.wording_version + 1 }),
        ...(body.archived !== undefined && { archived_at: body.archived ? (before.archived_at ?? clock.now()) : null }),
        updated_at: clock.now(),
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const counts = (await listCounts(tx, actor.workspaceId)).get(row.id);
    await recordAudit(tx, clock, actor, {
      action: 'list.updated',
      entityType: 'list',
      entityId: row.id,
      before: toList(before, counts),
      after: toList(row, counts),
    });
    return toList(row, counts);
  });
}

// ---------------------------------------------------------------- the ledger

export interface ConsentInput {
  contactId: string;
  /** `list:<id>` or `service`. */
  purpose: string;
  action: ConsentAction;
  method: ConsentMethod;
  wording?: string | null | undefined;
  wordingVersion?: number | null | undefined;
  sourceIp?: string | null | undefined;
  userAgent?: string | null | undefined;
  proof?: string | null | undefined;
  /** The member, or 'contact' / 'system' (with no member id). */
  recordedBy: { name: string; memberId?: string | null | undefined };
}

export type ConsentOutcome = { recorded: true; id: string } | { recorded: false; reason: 'unchanged' | 'withdrawn_earlier' };

const statusOf = (action: ConsentAction | undefined): SubscriptionStatus =>
  action === 'granted' ? 'confirmed' : action === 'requested' ? 'unconfirmed' : action === 'withdrawn' ? 'unsubscribed' : 'none';

/**
 * Appends one record to a contact's ledger: the only writer of consent_records (records are never changed; erasure
 * removes a contact's and keeps a hashed withdrawal). Nothing is appended when it would not change the status
 * (an idempotent one-click unsubscribe stays one record). An import cannot grant what the address withdrew: only the
 * contact's own action (form, confirmation, preference centre, portal) or an admin on their request can.
 */
export async function recordConsent(tx: Db | Tx, clock: Clock, workspaceId: string, input: ConsentInput): Promise<ConsentOutcome> {
  const contact = await tx
    .selectFrom('contacts')
    .select(['id', 'email', 'account_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', input.contactId)
    .executeTakeFirst();
  if (!contact) throw notFound('Contact');
  if (contact.email.trim() === '') throw invalid('contactId', 'the contact has no email address to record consent for');
  const hash = addressHash(contact.email);
  const latest = await tx
    .selectFrom('consent_records')
    .select(['action', 'method'])
    .where('workspace_id', '=', workspaceId)
    .where('address_hash', '=', hash)
    .where('purpose', '=', input.purpose)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (latest?.action === input.action && input.action !== 'granted') return { recorded: false, reason: 'unchanged' };
  if (latest?.action === 'withdrawn' && input.action === 'granted' && input.method === 'import') return { recorded: false, reason: 'withdrawn_earlier' };
  // Importing the same file again records nothing new.
  if (latest?.action === 'granted' && input.action === 'granted' && input.method === 'import') return { recorded: false, reason: 'unchanged' };
  const id = newId();
  await tx
    .insertInto('consent_records')
    .values({
      workspace_id: workspaceId,
      id,
      contact_id: contact.id,
      address_hash: hash,
      purpose: input.purpose,
      action: input.action,
      method: input.method,
      wording: input.wording ?? null,
      wording_version: input.wordingVersion ?? null,
      source_ip: input.sourceIp ?? null,
      user_agent: input.userAgent ?? null,
      proof: input.proof ?? null,
      recorded_by: input.recordedBy.name,
      recorded_by_member_id: input.recordedBy.memberId ?? null,
      at: clock.now(),
    })
    .execute();
  await recordConsentEvent(tx, clock, workspaceId, { ...input, id, accountId: contact.account_id, wasGranted: latest?.action === 'granted' });
  return { recorded: true, id };
}

/** Withdrawals from an email's own links and feedback are messaging's events (Email Unsubscribed, Complained, Bounced). */
const emailMethods: ReadonlySet<ConsentMethod> = new Set(['one_click', 'unsubscribe_page', 'complaint', 'hard_bounce']);

/**
 * A list subscription starting or ending is an event on the contact's account (Contact Subscribed, Contact
 * Unsubscribed), keyed by the record so it is stored once. A contact without an account has no timeline: the ledger
 * alone holds it.
 */
async function recordConsentEvent(
  tx: Db | Tx,
  clock: Clock,
  workspaceId: string,
  record: ConsentInput & { id: string; accountId: string | null; wasGranted: boolean },
): Promise<void> {
  if (!record.accountId || !record.purpose.startsWith('list:')) return;
  const subscribed = record.action === 'granted' && !record.wasGranted;
  const unsubscribed = record.action === 'withdrawn' && !emailMethods.has(record.method);
  if (!subscribed && !unsubscribed) return;
  const list = await tx
    .selectFrom('mailing_lists')
    .select(['key', 'name'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', record.purpose.slice('list:'.length))
    .executeTakeFirst();
  const how = record.method.replaceAll('_', ' ');
  await recordInteractionEvent(tx as Db, clock, workspaceId, {
    accountId: record.accountId,
    contactId: record.contactId,
    name: subscribed ? 'Contact Subscribed' : 'Contact Unsubscribed',
    channel: 'other',
    digital: false,
    properties: {
      list: list?.key ?? null,
      listName: list?.name ?? null,
      method: record.method,
      recordedBy: record.recordedBy.name,
      summary: `${subscribed ? 'Subscribed to' : 'Unsubscribed from'} ${list?.name ?? 'a list'} (${how})`,
    },
    key: `consent:${record.id}`,
    source: 'consent',
  });
}

/**
 * Erasure (a data-subject request): the contact's records and pending confirmations are deleted and one withdrawal
 * per purpose the address had is kept with only the address hash (contact null, method 'erasure'), so a later import
 * or form cannot silently subscribe the address again; the address is suppressed keeping only its hash (an earlier
 * bounce or complaint suppression loses its clear-text address too). The one other writer of the ledger.
 */
export async function eraseConsentRecords(
  tx: Tx,
  clock: Clock,
  workspaceId: string,
  contact: { id: string; email: string },
  recordedBy: { name: string; memberId: string | null },
): Promise<{ recordsRemoved: number; withdrawalsKept: number }> {
  const hash = addressHash(contact.email);
  const mine = (eb: ExpressionBuilder<DB, 'consent_records'>) => eb.or([eb('contact_id', '=', contact.id), eb('address_hash', '=', hash)]);
  const purposes = await tx.selectFrom('consent_records').select('purpose').distinct().where('workspace_id', '=', workspaceId).where(mine).execute();
  const removed = await tx.deleteFrom('consent_records').where('workspace_id', '=', workspaceId).where(mine).executeTakeFirst();
  await tx
    .deleteFrom('consent_confirmations')
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('contact_id', '=', contact.id), eb('address_hash', '=', hash)]))
    .execute();
  const now = clock.now();
  if (purposes.length > 0) {
    await tx
      .insertInto('consent_records')
      .values(
        purposes.map((p) => ({
          workspace_id: workspaceId,
          id: newId(),
          contact_id: null,
          address_hash: hash,
          purpose: p.purpose,
          action: 'withdrawn' as const,
          method: 'erasure',
          wording: null,
          wording_version: null,
          source_ip: null,
          user_agent: null,
          proof: null,
          recorded_by: recordedBy.name,
          recorded_by_member_id: recordedBy.memberId,
          at: now,
        })),
      )
      .execute();
  }
  await tx
    .insertInto('suppressions')
    .values({
      workspace_id: workspaceId,
      address_hash: hash,
      address: null,
      reason: 'erasure',
      detail: 'erased on request',
      created_at: now,
      created_by: recordedBy.name,
    })
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'address_hash'])
        .doUpdateSet({ address: null, reason: 'erasure', detail: 'erased on request', created_at: now, created_by: recordedBy.name }),
    )
    .execute();
  return { recordsRemoved: Number(removed.numDeletedRows), withdrawalsKept: purposes.length };
}

/** A contact's status per purpose (every list of the workspace, and service), derived from the ledger. */
export async function subscriptionStatuses(db: Db | Tx, workspaceId: string, contactId: string): Promise<Subscription[]> {
  const contact = await db.selectFrom('contacts').select('email').where('workspace_id', '=', workspaceId).where('id', '=', contactId).executeTakeFirst();
  if (!contact) throw notFound('Contact');
  const hash = addressHash(contact.email);
  const latest = await sql<{ purpose: string; action: ConsentAction; at: Date }>`
    select distinct on (purpose) purpose, action, at from consent_records
    where workspace_id = ${workspaceId}::uuid and address_hash = ${hash}
    order by purpose, seq desc`.execute(db);
  const byPurpose = new Map(latest.rows.map((r) => [r.purpose, r]));
  const lists = await db
    .selectFrom('mailing_lists')
    .select(['id', 'name'])
    .where('workspace_id', '=', workspaceId)
    .where('archived_at', 'is', null)
    .orderBy('name')
    .execute();
  const entry = (purpose: string, purposeName: string, listId: string | null): Subscription => {
    const r = byPurpose.get(purpose);
    return { purpose, purposeName, listId, status: statusOf(r?.action), since: r?.at.toISOString() ?? null };
  };
  return [...lists.map((l) => entry(`list:${l.id}`, l.name, l.id)), entry('service', 'Service messages', null)];
}

// ---------------------------------------------------------------- suppressions

function toSuppression(row: Selectable<SuppressionsTable>): Suppression {
  return {
    addressHash: row.address_hash,
    address: row.address,
    reason: row.reason,
    detail: row.detail,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
  };
}

/** Suppresses an address for every message (a hard bounce, a complaint, an erasure or an admin's decision); idempotent. */
export async function suppressAddress(
  tx: Db | Tx,
  clock: Clock,
  workspaceId: string,
  input: { address: string; reason: SuppressionReason; detail?: string; createdBy: string },
): Promise<boolean> {
  const result = await tx
    .insertInto('suppressions')
    .values({
      workspace_id: workspaceId,
      address_hash: addressHash(input.address),
      // An erasure keeps only the hash.
      address: input.reason === 'erasure' ? null : normaliseEmail(input.address),
      reason: input.reason,
      detail: input.detail ?? '',
      created_at: clock.now(),
      created_by: input.createdBy,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'address_hash']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function isSuppressed(db: Db | Tx, workspaceId: string, address: string): Promise<boolean> {
  const row = await db
    .selectFrom('suppressions')
    .select('reason')
    .where('workspace_id', '=', workspaceId)
    .where('address_hash', '=', addressHash(address))
    .executeTakeFirst();
  return row !== undefined;
}

export async function listSuppressions(db: Db | Tx, actor: Actor, options: { limit?: number; q?: string } = {}): Promise<Suppression[]> {
  let q = db.selectFrom('suppressions').selectAll().where('workspace_id', '=', actor.workspaceId);
  if (options.q) q = q.where('address', 'like', `%${options.q.toLowerCase().replace(/[%_\\]/g, '\\$&')}%`);
  const rows = await q
    .orderBy('created_at', 'desc')
    .limit(options.limit ?? 200)
    .execute();
  return rows.map(toSuppression);
}

/** Lifts a suppression an admin knows to be wrong (a bounce after a full mailbox); an erasure is never lifted. */
export async function removeSuppression(db: Db, clock: Clock, actor: Actor, addressHashValue: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const row = await tx
      .selectFrom('suppressions')
      .selectAll()
      .where('workspace_id', '=', actor.workspaceId)
      .where('address_hash', '=', addressHashValue)
      .executeTakeFirst();
    if (!row) throw notFound('Suppression');
    if (row.reason === 'erasure') throw new AppError('conflict', 'An erased address stays suppressed: the contact asked for their data to be removed');
    await tx.deleteFrom('suppressions').where('workspace_id', '=', actor.workspaceId).where('address_hash', '=', addressHashValue).execute();
    await recordAudit(tx, clock, actor, { action: 'suppression.removed', entityType: 'suppression', entityId: null, before: toSuppression(row) });
  });
}
