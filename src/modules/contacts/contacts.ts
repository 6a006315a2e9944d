import { type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { decodeCursor, encodeCursor, escapeLike } from '../../lib/cursor.ts';
import { emailSchema } from '../../lib/email.ts';
import { AppError, invalid, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { findAccount } from '../accounts/accounts.ts';
import { recordAudit } from '../audit/audit.ts';
import { type CustomField, checkCustomValues, listCustomFields } from '../customfields/customfields.ts';
import { recordKeyPeopleChanges, watchKeyPeople } from './contacts.events.ts';
import type { Persona } from './contacts.schema.ts';
import type { ContactsTable } from './contacts.table.ts';

export interface Contact {
  id: string;
  accountId: string | null;
  externalId: string | null;
  name: string;
  email: string;
  title: string | null;
  phone: string | null;
  persona: Persona;
  /** When the person left the account's company (a sponsor who left no longer counts); null while there. */
  leftAt: string | null;
  custom: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** Writable contact attributes (API, import and ingestion use the same names). */
export interface ContactInput {
  accountId?: string | null | undefined;
  externalId?: string | null | undefined;
  name?: string | undefined;
  email?: string | undefined;
  title?: string | null | undefined;
  phone?: string | null | undefined;
  persona?: Persona | undefined;
  /** ISO time; null marks the person as back (or never gone). */
  leftAt?: string | null | undefined;
  custom?: Record<string, unknown> | undefined;
}

function toContact(row: Selectable<ContactsTable>): Contact {
  return {
    id: row.id,
    accountId: row.account_id,
    externalId: row.external_id,
    name: row.name,
    email: row.email,
    title: row.title,
    phone: row.phone,
    persona: row.persona as Persona,
    leftAt: row.left_at?.toISOString() ?? null,
    custom: row.custom ?? {},
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Importers and ingestion call operations directly, so emails are validated here as well as in the route schema. */
function checkEmail(email: string): string {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) throw invalid('body.email', 'must be an email address like name@example.com');
  return parsed.data;
}

function checkLeftAt(value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw invalid('body.leftAt', 'must be an ISO 8601 time like 2026-05-01T00:00:00Z, or null');
  return at;
}

async function checkAccount(db: Db, actor: Actor, accountId: string | null | undefined): Promise<void> {
  if (!accountId) return;
  if (!(await findAccount(db, actor, accountId))) throw invalid('body.accountId', 'is not an account of this workspace');
}

function columns(input: ContactInput): Updateable<ContactsTable> {
  const c: Updateable<ContactsTable> = {};
  if (input.accountId !== undefined) c.account_id = input.accountId;
  if (input.externalId !== undefined) c.external_id = input.externalId;
  if (input.name !== undefined) c.name = input.name;
  if (input.email !== undefined) c.email = checkEmail(input.email);
  if (input.title !== undefined) c.title = input.title;
  if (input.phone !== undefined) c.phone = input.phone;
  if (input.persona !== undefined) c.persona = input.persona;
  if (input.leftAt !== undefined) c.left_at = input.leftAt === null ? null : checkLeftAt(input.leftAt);
  return c;
}

function duplicate(error: unknown): never {
  if (isUniqueViolation(error, 'contacts_email_key')) {
    throw new AppError('conflict', 'Another contact already has this email', [{ path: 'email', message: 'is already used by another contact' }]);
  }
  if (isUniqueViolation(error, 'contacts_external_id_key')) {
    throw new AppError('conflict', 'Another contact already has this external id', [{ path: 'externalId', message: 'is already used by another contact' }]);
  }
  throw error;
}

export async function findContact(db: Db, actor: Actor, id: string): Promise<Contact | undefined> {
  const row = await db.selectFrom('contacts').selectAll().where('workspace_id', '=', actor.workspaceId).where('id', '=', id).executeTakeFirst();
  return row ? toContact(row) : undefined;
}

export async function getContact(db: Db, actor: Actor, id: string): Promise<Contact> {
  const contact = await findContact(db, actor, id);
  if (!contact) throw notFound('Contact');
  return contact;
}

/** Finds by email however it was typed (stored emails are normalised); an invalid email finds nothing. */
export async function findContactByEmail(db: Db, actor: Actor, email: string): Promise<Contact | undefined> {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) return undefined;
  const row = await db.selectFrom('contacts').selectAll().where('workspace_id', '=', actor.workspaceId).where('email', '=', parsed.data).executeTakeFirst();
  return row ? toContact(row) : undefined;
}

async function insertContact(
  tx: Tx,
  clock: Clock,
  actor: Actor,
  input: ContactInput & { email: string; name: string },
  defs: CustomField[],
  ignoreDuplicateEmail: boolean,
): Promise<Contact | undefined> {
  await checkAccount(tx, actor, input.accountId);
  const custom = checkCustomValues(defs, input.custom ?? {}, undefined, 'body.custom');
  const watch = await watchKeyPeople(tx, actor, undefined, input);
  const now = clock.now();
  let insert = tx.insertInto('contacts').values({
    ...columns(input),
    workspace_id: actor.workspaceId,
    id: newId(),
    name: input.name,
    email: checkEmail(input.email),
    custom: JSON.stringify(custom) as never,
    created_at: now,
    updated_at: now,
  });
  // Concurrent ingestion of the same new person: the loser sees no row and updates instead of failing.
  if (ignoreDuplicateEmail) insert = insert.onConflict((oc) => oc.columns(['workspace_id', 'email']).doNothing());
  const row = await insert.returningAll().executeTakeFirst().catch(duplicate);
  if (!row) return undefined;
  const contact = toContact(row);
  await recordKeyPeopleChanges(tx, clock, actor, watch, contact);
  await recordAudit(tx, clock, actor, { action: 'contact.created', entityType: 'contact', entityId: contact.id, after: contact });
  return contact;
}

/** `fields` lets bulk callers (import) load custom field definitions once. */
export async function createContact(
  db: Db,
  clock: Clock,
  actor: Actor,
  input: ContactInput & { email: string; name: string },
  fields?: CustomField[],
): Promise<Contact> {
  return inTransaction(db, async (tx) => {
    const defs = fields ?? (await listCustomFields(tx, actor.workspaceId, 'contact'));
    return (await insertContact(tx, clock, actor, input, defs, false)) as Contact;
  });
}

export async function updateContact(db: Db, clock: Clock, actor: Actor, id: string, input: ContactInput, fields?: CustomField[]): Promise<Contact> {
  return inTransaction(db, async (tx) => {
    const before = await getContact(tx, actor, id);
    if (input.accountId !== before.accountId) await checkAccount(tx, actor, input.accountId);
    const defs = fields ?? (await listCustomFields(tx, actor.workspaceId, 'contact'));
    const custom = input.custom ? checkCustomValues(defs, input.custom, before.custom, 'body.custom') : undefined;
    const watch = await watchKeyPeople(tx, actor, before, input);
    const row = await tx
      .updateTable('contacts')
      .set({ ...columns(input), ...(custom && { custom: JSON.stringify(custom) as never }), updated_at: clock.now() })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(duplicate);
    const after = toContact(row);
    await recordKeyPeopleChanges(tx, clock, actor, watch, after);
    await recordAudit(tx, clock, actor, { action: 'contact.updated', entityType: 'contact', entityId: id, before, after });
    return after;
  });
}

/**
 * Creates or updates the contact with this email (import, ingestion). A new contact without a name
 * is named after its email; on update only the given attributes change.
 */
export async function upsertContactByEmail(
  db: Db,
  clock: Clock,
  actor: Actor,
  input: ContactInput & { email: string },
  fields?: CustomField[],
): Promise<{ contact: Contact; created: boolean }> {
  return inTransaction(db, async (tx) => {
    const email = checkEmail(input.email);
    const defs = fields ?? (await listCustomFields(tx, actor.workspaceId, 'contact'));
    const existing = await findContactByEmail(tx, actor, email);
    if (!existing) {
      const contact = await insertContact(tx, clock, actor, { ...input, email, name: input.name ?? email }, defs, true);
      if (contact) return { contact, created: true };
    }
    const current = existing ?? (await findContactByEmail(tx, actor, email));
    if (!current) throw notFound('Contact');
    // Ingestion and import re-send the same traits again and again: no write, no audit entry when nothing changes.
    if (unchanged(current, { ...input, email }, defs)) return { contact: current, created: false };
    return { contact: await updateContact(tx, clock, actor, current.id, { ...input, email }, defs), created: false };
  });
}

function unchanged(before: Contact, input: ContactInput, defs: CustomField[]): boolean {
  const stored: Record<string, unknown> = {
    account_id: before.accountId,
    external_id: before.externalId,
    name: before.name,
    email: before.email,
    title: before.title,
    phone: before.phone,
    persona: before.persona,
    left_at: before.leftAt,
  };
  const changed = Object.entries(columns(input)).some(([column, value]) =>
    value instanceof Date ? stored[column] !== value.toISOString() : stored[column] !== value,
  );
  if (changed) return false;
  if (!input.custom) return true;
  const merged = checkCustomValues(defs, input.custom, before.custom, 'body.custom');
  const keys = Object.keys(merged);
  return keys.length === Object.keys(before.custom).length && keys.every((k) => merged[k] === before.custom[k]);
}

export async function deleteContact(db: Db, clock: Clock, actor: Actor, id: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const before = await getContact(tx, actor, id);
    const watch = await watchKeyPeople(tx, actor, before, {});
    await tx.deleteFrom('contacts').where('workspace_id', '=', actor.workspaceId).where('id', '=', id).execute();
    await recordKeyPeopleChanges(tx, clock, actor, watch, undefined);
    await recordAudit(tx, clock, actor, { action: 'contact.deleted', entityType: 'contact', entityId: id, before });
  });
}

export interface ListContactsQuery {
  accountId?: string | undefined;
  /** Name or email contains (case-insensitive). */
  q?: string | undefined;
  persona?: Persona | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface ContactPage {
  items: Contact[];
  nextCursor: string | null;
  total: number;
}

/** Contacts by name (case-insensitive), then id: a stable keyset order for the cursor. */
export async function listContacts(db: Db, actor: Actor, query: ListContactsQuery): Promise<ContactPage> {
  let base = db.selectFrom('contacts').where('workspace_id', '=', actor.workspaceId);
  if (query.accountId) base = base.where('account_id', '=', query.accountId);
  if (query.persona) base = base.where('persona', '=', query.persona);
  if (query.q) {
    const like = `%${escapeLike(query.q)}%`;
    base = base.where((eb) => eb.or([eb('name', 'ilike', like), eb('email', 'ilike', like)]));
  }
  let page = base;
  if (query.cursor) {
    const [key, id] = decodeCursor(query.cursor);
    page = page.where(sql<boolean>`(lower(name), id) > (${key}, ${id}::uuid)`);
  }
  const [rows, count] = await Promise.all([
    page
      .selectAll()
      .select(sql<string>`lower(name)`.as('sort_key'))
      .orderBy(sql`lower(name)`)
      .orderBy('id')
      .limit(query.limit + 1)
      .execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map(({ sort_key: _key, ...row }) => toContact(row)),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.sort_key, last.id) : null,
    total: count.n,
  };
}
