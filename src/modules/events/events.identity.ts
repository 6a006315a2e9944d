import { sql } from 'kysely';
import type { Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, isUniqueViolation } from '../../lib/errors.ts';
import { createAccount, findAccountIdByExternalId } from '../accounts/accounts.ts';
import { findContactByEmail, getContact, updateContact, upsertContactByEmail } from '../contacts/contacts.ts';
import { attachUserEvents } from './events.queries.ts';
import type { EventRow, SegmentMessage } from './events.schema.ts';

interface Identity {
  contactId: string | null;
  accountId: string | null;
}

async function findIdentity(tx: Tx, workspaceId: string, kind: 'user' | 'anonymous', externalId: string): Promise<Identity | undefined> {
  const row = await tx
    .selectFrom('event_identities')
    .select(['contact_id', 'account_id'])
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', kind)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return row && { contactId: row.contact_id, accountId: row.account_id };
}

async function saveIdentity(tx: Tx, clock: Clock, workspaceId: string, kind: 'user' | 'anonymous', externalId: string, userId: string, who: Identity) {
  await tx
    .insertInto('event_identities')
    .values({
      workspace_id: workspaceId,
      kind,
      external_id: externalId,
      user_id: userId,
      contact_id: who.contactId,
      account_id: who.accountId,
      updated_at: clock.now(),
    })
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'kind', 'external_id']).doUpdateSet((eb) => ({
        user_id: userId,
        contact_id: sql`coalesce(${who.contactId}::uuid, ${eb.ref('event_identities.contact_id')})`,
        account_id: sql`coalesce(${who.accountId}::uuid, ${eb.ref('event_identities.account_id')})`,
        updated_at: clock.now(),
      })),
    )
    .execute();
}

/** Records who this user is everywhere it is known (its anonymousIds and aliases too) and attaches their earlier events. */
async function learn(tx: Tx, clock: Clock, workspaceId: string, userId: string, who: Identity): Promise<void> {
  await tx
    .updateTable('event_identities')
    .set((eb) => ({
      contact_id: sql`coalesce(${who.contactId}::uuid, ${eb.ref('contact_id')})`,
      account_id: sql`coalesce(${who.accountId}::uuid, ${eb.ref('account_id')})`,
      updated_at: clock.now(),
    }))
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .execute();
  const current = await findIdentity(tx, workspaceId, 'user', userId);
  const known = current ?? (await findIdentity(tx, workspaceId, 'anonymous', userId));
  await attachUserEvents(tx, workspaceId, userId, known?.contactId ?? who.contactId, known?.accountId ?? who.accountId);
}

const text = (value: unknown, max: number): string | undefined => (typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : undefined);

/** identify: the contact with traits.email (created or updated), or the contact already known for this userId. */
async function identify(tx: Tx, clock: Clock, actor: Actor, m: SegmentMessage, row: EventRow): Promise<void> {
  const userId = (m.userId ?? m.anonymousId) as string;
  const traits = m.traits ?? {};
  const known = await findIdentity(tx, actor.workspaceId, m.userId ? 'user' : 'anonymous', userId);
  let contactId = known?.contactId ?? null;
  let accountId = known?.accountId ?? null;
  const email = text(traits.email, 320);
  const name = text(traits.name, 200) ?? ([text(traits.firstName, 100), text(traits.lastName, 100)].filter(Boolean).join(' ') || undefined);
  const title = text(traits.title, 200);
  if (email) {
    const existing = await findContactByEmail(tx, actor, email);
    const changed = !existing || (name && name !== existing.name) || (title && title !== existing.title);
    const contact = changed ? (await upsertContactByEmail(tx, clock, actor, { email, ...(name && { name }), ...(title && { title }) })).contact : existing;
    if (contact) {
      contactId = contact.id;
      if (contact.accountId) accountId = contact.accountId;
      else if (accountId) await updateContact(tx, clock, actor, contact.id, { accountId });
    }
  } else if (contactId && (name || title)) {
    // No email: the contact already known for this userId is the one the traits describe.
    const contact = await getContact(tx, actor, contactId);
    if ((name && name !== contact.name) || (title && title !== contact.title)) {
      await updateContact(tx, clock, actor, contactId, { ...(name && { name }), ...(title && { title }) });
    }
  }
  if (m.userId) await saveIdentity(tx, clock, actor.workspaceId, 'user', m.userId, m.userId, { contactId, accountId });
  if (m.anonymousId) await saveIdentity(tx, clock, actor.workspaceId, 'anonymous', m.anonymousId, userId, { contactId, accountId });
  row.contact_id = contactId;
  row.account_id = accountId;
  await learn(tx, clock, actor.workspaceId, userId, { contactId, accountId });
}

/** group: the account whose external id is groupId (created when new), now this user's account; links the user's contact. */
async function group(tx: Tx, clock: Clock, actor: Actor, m: SegmentMessage, row: EventRow): Promise<void> {
  const userId = (m.userId ?? m.anonymousId) as string;
  const groupId = m.groupId as string;
  const traits = m.traits ?? {};
  let accountId = await findAccountIdByExternalId(tx, actor.workspaceId, groupId);
  if (!accountId) {
    const account = await createAccount(tx, clock, actor, { externalId: groupId, name: text(traits.name, 200) ?? groupId });
    accountId = account.id;
  }
  const known = await findIdentity(tx, actor.workspaceId, m.userId ? 'user' : 'anonymous', userId);
  const contactId = known?.contactId ?? null;
  if (contactId) {
    const contact = await getContact(tx, actor, contactId);
    if (contact.accountId !== accountId) await updateContact(tx, clock, actor, contactId, { accountId });
  }
  if (m.userId) await saveIdentity(tx, clock, actor.workspaceId, 'user', m.userId, m.userId, { contactId, accountId });
  if (m.anonymousId) await saveIdentity(tx, clock, actor.workspaceId, 'anonymous', m.anonymousId, userId, { contactId, accountId });
  // Latest group wins: the user's identities move to this account (coalesce in learn keeps other fields).
  await tx
    .updateTable('event_identities')
    .set({ account_id: accountId, updated_at: clock.now() })
    .where('workspace_id', '=', actor.workspaceId)
    .where('user_id', '=', userId)
    .execute();
  row.contact_id = contactId;
  row.account_id = accountId;
  await learn(tx, clock, actor.workspaceId, userId, { contactId, accountId });
}

/** alias: previousId (an anonymous or old user id) is the same person as userId. */
async function alias(tx: Tx, clock: Clock, actor: Actor, m: SegmentMessage, row: EventRow): Promise<void> {
  const userId = m.userId as string;
  const previousId = m.previousId as string;
  const known = (await findIdentity(tx, actor.workspaceId, 'user', userId)) ?? { contactId: null, accountId: null };
  await saveIdentity(tx, clock, actor.workspaceId, 'user', previousId, userId, known);
  await saveIdentity(tx, clock, actor.workspaceId, 'anonymous', previousId, userId, known);
  await saveIdentity(tx, clock, actor.workspaceId, 'user', userId, userId, known);
  row.contact_id = known.contactId;
  row.account_id = known.accountId;
  await learn(tx, clock, actor.workspaceId, userId, known);
}

const handlers = { identify, group, alias } as const;

export function changesIdentity(type: string): type is keyof typeof handlers {
  return type in handlers;
}

/**
 * Locks, in one sorted order, every identity the batch's identify/group/alias calls name (user, anonymous and previous
 * ids, group ids, emails), for the rest of the transaction. Two batches naming the same new people in different orders
 * would otherwise each create some of them and wait on the other's uncommitted rows: a deadlock PostgreSQL breaks only
 * after a second, which the retries then ran into again until the clients gave up (test/concurrency.test.ts, two
 * servers). Batches naming different people do not wait on each other.
 */
export async function lockIdentities(tx: Tx, workspaceId: string, messages: SegmentMessage[]): Promise<void> {
  const keys = new Set<string>();
  for (const m of messages) {
    if (!changesIdentity(m.type)) continue;
    for (const id of [m.userId, m.anonymousId, m.previousId]) if (id) keys.add(`id:${id}`);
    if (m.groupId) keys.add(`group:${m.groupId}`);
    const email = m.traits?.email;
    if (typeof email === 'string') keys.add(`email:${email.trim().toLowerCase()}`);
  }
  if (keys.size === 0) return;
  await sql`select pg_advisory_xact_lock(h) from (
      select distinct hashtextextended(${workspaceId} || ':' || k, 0) as h from unnest(${[...keys]}::text[]) as k
    ) as ids order by h`.execute(tx);
}

/**
 * Applies one identify, group or alias call inside the batch's transaction, in a savepoint: a call the CRM
 * refuses (e.g. a required custom field) is dropped with its reason and the rest of the batch goes on.
 * Returns the reason when dropped.
 */
export async function applyIdentity(tx: Tx, clock: Clock, actor: Actor, m: SegmentMessage, row: EventRow): Promise<string | undefined> {
  if (!changesIdentity(m.type)) return undefined;
  // Savepoints are sequential within the batch's transaction, so one name serves them all.
  const name = sql.raw('event_identity');
  for (let attempt = 0; ; attempt++) {
    await sql`savepoint ${name}`.execute(tx);
    try {
      await handlers[m.type](tx, clock, actor, m, row);
      await sql`release savepoint ${name}`.execute(tx);
      return undefined;
    } catch (error) {
      await sql`rollback to savepoint ${name}`.execute(tx);
      // A concurrent batch created the same account or contact first: the retry finds it.
      if ((isUniqueViolation(error) || (error instanceof AppError && error.code === 'conflict')) && attempt < 2) continue;
      if (error instanceof AppError) return `${m.type}: ${error.message}`;
      throw error;
    }
  }
}
