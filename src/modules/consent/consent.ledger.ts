// A contact's consent as members see it: the status per purpose, the ledger behind it, recording what the contact
// asked for, a data-subject export (JSON or CSV) and erasure.
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { normaliseEmail } from '../../lib/email.ts';
import { AppError, invalid, notFound, parseBody } from '../../lib/errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { guardFormula } from '../imports/imports.csv.ts';
import {
  type ConsentEraseResult,
  type ConsentMethod,
  type ConsentRecord,
  type ConsentRequest,
  type ContactConsent,
  consentEraseSchema,
  consentRequestSchema,
  type Suppression,
  type SuppressionCreate,
  suppressionCreateSchema,
} from './consent.schema.ts';
import { addressHash, eraseConsentRecords, recordConsent, subscriptionStatuses, suppressAddress } from './consent.ts';

async function findContactRow(db: Db | Tx, workspaceId: string, contactId: string) {
  const row = await db
    .selectFrom('contacts')
    .select(['id', 'name', 'email', 'account_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', contactId)
    .executeTakeFirst();
  if (!row) throw notFound('Contact');
  return row;
}

/** The ledger of a contact: records with its id, and records of its address (kept as a hash after an erasure). */
async function contactRecords(db: Db | Tx, workspaceId: string, contactId: string, email: string): Promise<ConsentRecord[]> {
  const hash = addressHash(email);
  const [rows, lists] = await Promise.all([
    db
      .selectFrom('consent_records')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where((eb) => eb.or([eb('contact_id', '=', contactId), eb('address_hash', '=', hash)]))
      .orderBy('seq', 'desc')
      .limit(1000)
      .execute(),
    db.selectFrom('mailing_lists').select(['id', 'name']).where('workspace_id', '=', workspaceId).execute(),
  ]);
  const names = new Map(lists.map((l) => [`list:${l.id}`, l.name]));
  return rows.map((r) => ({
    id: r.id,
    contactId: r.contact_id,
    purpose: r.purpose,
    purposeName: r.purpose === 'service' ? 'Service messages' : (names.get(r.purpose) ?? 'A deleted list'),
    action: r.action,
    method: r.method as ConsentMethod,
    wording: r.wording,
    wordingVersion: r.wording_version,
    sourceIp: r.source_ip,
    userAgent: r.user_agent,
    proof: r.proof,
    recordedBy: r.recorded_by,
    at: r.at.toISOString(),
  }));
}

export async function getContactConsent(db: Db | Tx, actor: Actor, contactId: string): Promise<ContactConsent> {
  const contact = await findContactRow(db, actor.workspaceId, contactId);
  const [subscriptions, records, suppression] = await Promise.all([
    subscriptionStatuses(db, actor.workspaceId, contactId),
    contactRecords(db, actor.workspaceId, contactId, contact.email),
    contact.email.trim() === ''
      ? undefined
      : db
          .selectFrom('suppressions')
          .select('reason')
          .where('workspace_id', '=', actor.workspaceId)
          .where('address_hash', '=', addressHash(contact.email))
          .executeTakeFirst(),
  ]);
  return {
    contact: { id: contact.id, name: contact.name, email: contact.email, suppressed: suppression?.reason ?? null },
    subscriptions,
    records,
  };
}

const recordedByOf = (actor: Actor) => ({ name: actor.name, memberId: actor.type === 'member' ? actor.id : null });

/** A member records a grant or withdrawal the contact asked for (method 'admin', the note as proof); audited. */
export async function recordConsentRequest(
  db: Db,
  clock: Clock,
  actor: Actor,
  contactId: string,
  input: ConsentRequest,
): Promise<{ recorded: boolean; reason: 'unchanged' | 'withdrawn_earlier' | null; consent: ContactConsent }> {
  const body = parseBody(consentRequestSchema, input);
  return inTransaction(db, async (tx) => {
    await findContactRow(tx, actor.workspaceId, contactId);
    let purpose = 'service';
    let wording: { wording: string; wordingVersion: number } | undefined;
    if (body.listId) {
      const list = await tx
        .selectFrom('mailing_lists')
        .select(['id', 'wording', 'wording_version', 'archived_at'])
        .where('workspace_id', '=', actor.workspaceId)
        .where('id', '=', body.listId)
        .executeTakeFirst();
      if (!list) throw invalid('body.listId', 'is not a list of this workspace');
      if (list.archived_at && body.action === 'granted') throw invalid('body.listId', 'the list is archived');
      purpose = `list:${list.id}`;
      wording = { wording: list.wording, wordingVersion: list.wording_version };
    }
    const outcome = await recordConsent(tx, clock, actor.workspaceId, {
      contactId,
      purpose,
      action: body.action,
      method: 'admin',
      ...(body.action === 'granted' && wording),
      proof: body.note,
      recordedBy: recordedByOf(actor),
    });
    if (outcome.recorded) {
      await recordAudit(tx, clock, actor, {
        action: body.action === 'granted' ? 'consent.granted' : 'consent.withdrawn',
        entityType: 'contact',
        entityId: contactId,
        after: { purpose, recordId: outcome.id, note: body.note },
      });
    }
    return {
      recorded: outcome.recorded,
      reason: outcome.recorded ? null : outcome.reason,
      consent: await getContactConsent(tx, actor, contactId),
    };
  });
}

export interface ConsentExport {
  filename: string;
  contentType: string;
  body: string;
}

const CSV_COLUMNS = [
  'at',
  'purpose',
  'purpose_name',
  'action',
  'method',
  'wording',
  'wording_version',
  'source_ip',
  'user_agent',
  'proof',
  'recorded_by',
  'record_id',
] as const;

/** A data-subject export of the contact's consent (what the ledger proves, GDPR Art. 7(1) and 15); audited. */
export async function exportContactConsent(db: Db, clock: Clock, actor: Actor, contactId: string, format: 'json' | 'csv'): Promise<ConsentExport> {
  const consent = await getContactConsent(db, actor, contactId);
  await recordAudit(db, clock, actor, { action: 'consent.exported', entityType: 'contact', entityId: contactId, after: { format } });
  const filename = `consent-${contactId}.${format}`;
  if (format === 'json') {
    const body = { exportedAt: clock.now().toISOString(), ...consent };
    return { filename, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body, null, 2) };
  }
  const rows = consent.records.map((r) => [
    r.at,
    r.purpose,
    r.purposeName,
    r.action,
    r.method,
    r.wording ?? '',
    r.wordingVersion ?? '',
    r.sourceIp ?? '',
    r.userAgent ?? '',
    r.proof ?? '',
    r.recordedBy,
    r.id,
  ]);
  const body = stringify(rows, { header: true, columns: [...CSV_COLUMNS], bom: true, cast: { string: guardFormula } });
  return { filename, contentType: 'text/csv; charset=utf-8', body };
}

/** Another module's eraser of the contact's messages (messaging's outbox), called in the erasure's transaction. */
export type MessageEraser = (tx: Db | Tx, workspaceId: string, contactId: string) => Promise<number>;

/**
 * Erases a contact's consent data on their request (admin): the ledger keeps one hashed withdrawal per purpose and
 * the address stays suppressed by its hash; the outbox's messages to them lose their personal data. The contact's
 * address must be typed again (body.confirm). Audited without the address.
 */
export async function eraseContactConsent(
  db: Db,
  clock: Clock,
  actor: Actor,
  contactId: string,
  input: { confirm: string },
  eraseMessages?: MessageEraser,
): Promise<ConsentEraseResult> {
  const body = parseBody(consentEraseSchema, input);
  return inTransaction(db, async (tx) => {
    const contact = await findContactRow(tx, actor.workspaceId, contactId);
    if (contact.email.trim() === '') throw new AppError('conflict', 'The contact has no email address: there is no consent data to erase');
    if (normaliseEmail(body.confirm) !== normaliseEmail(contact.email)) throw invalid('body.confirm', "must be the contact's email address, typed again");
    const result = await eraseConsentRecords(tx, clock, actor.workspaceId, contact, recordedByOf(actor));
    const messagesErased = eraseMessages ? await eraseMessages(tx, actor.workspaceId, contactId) : null;
    await recordAudit(tx, clock, actor, {
      action: 'consent.erased',
      entityType: 'contact',
      entityId: contactId,
      after: { ...result, messagesErased, addressHash: addressHash(contact.email) },
    });
    return { ...result, messagesErased };
  });
}

/** An admin suppresses an address by hand (a person who asked never to be mailed, a role address); audited. */
export async function addManualSuppression(db: Db, clock: Clock, actor: Actor, input: SuppressionCreate): Promise<Suppression> {
  const body = parseBody(suppressionCreateSchema, input);
  return inTransaction(db, async (tx) => {
    const added = await suppressAddress(tx, clock, actor.workspaceId, { address: body.address, reason: 'manual', detail: body.detail, createdBy: actor.name });
    if (!added) throw new AppError('conflict', 'This address is already suppressed', [{ path: 'body.address', message: 'is already suppressed' }]);
    const row = await tx
      .selectFrom('suppressions')
      .selectAll()
      .where('workspace_id', '=', actor.workspaceId)
      .where('address_hash', '=', addressHash(body.address))
      .executeTakeFirstOrThrow();
    const suppression: Suppression = {
      addressHash: row.address_hash,
      address: row.address,
      reason: row.reason,
      detail: row.detail,
      createdAt: row.created_at.toISOString(),
      createdBy: row.created_by,
    };
    await recordAudit(tx, clock, actor, { action: 'suppression.added', entityType: 'suppression', entityId: null, after: suppression });
    return suppression;
  });
}
