import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';
import type { ExclusionReason } from './consent.schema.ts';

export type { ExclusionReason } from './consent.schema.ts';

/** What a message is for: the consent it needs. */
export type Purpose = { kind: 'list'; listId: string } | { kind: 'service' } | { kind: 'request' } | { kind: 'member'; topic: 'digest' | 'test' };

export type GateDecision =
  | { allowed: true; recipientId: string; address: string; basis: string }
  | { allowed: false; recipientId: string; reason: ExclusionReason; detail: string };

/** The ledger's purpose key: `list:<id>` or `service`. */
export function purposeKey(purpose: Purpose): string {
  switch (purpose.kind) {
    case 'list':
      return `list:${purpose.listId}`;
    case 'service':
      return 'service';
    case 'request':
      return 'request';
    case 'member':
      return `member:${purpose.topic}`;
  }
}

/** Marketing purposes carry an unsubscribe link and tracking; the others are transactional. */
export const isMarketing = (purpose: Purpose): purpose is { kind: 'list'; listId: string } => purpose.kind === 'list';

/** The hash consent and suppressions are keyed by: SHA-256 of the normalised address (the same expression in SQL). */
const addressHashSql = (column: string) => sql.raw(`encode(sha256(convert_to(lower(trim(${column})), 'UTF8')), 'hex')`);

interface ContactRow {
  id: string;
  email: string | null;
  left_at: Date | null;
  suppressed: string | null;
  latest_action: string | null;
  latest_id: string | null;
  latest_method: string | null;
  contract_id: string | null;
}

const BATCH = 5000;

/**
 * THE GATE: every outgoing message passes here, at enqueue and again right before it is handed to SMTP. It refuses a
 * recipient without an address, a suppressed address, an address whose latest consent record for the purpose is not a
 * grant (withdrawn, only requested, or none), a contact who left the company, and a member who opted out.
 * Consent follows the address: a grant recorded for an old address does not cover a new one, and a withdrawal kept
 * only as a hash (an erased contact) still refuses the address if it comes back. Set-based: a few queries per 5,000.
 */
export async function gate(db: Db | Tx, workspaceId: string, purpose: Purpose, recipientIds: string[]): Promise<GateDecision[]> {
  const decisions: GateDecision[] = [];
  for (let i = 0; i < recipientIds.length; i += BATCH) {
    const batch = recipientIds.slice(i, i + BATCH);
    decisions.push(
      ...(purpose.kind === 'member' ? await gateMembers(db, workspaceId, purpose.topic, batch) : await gateContacts(db, workspaceId, purpose, batch)),
    );
  }
  return decisions;
}

async function gateContacts(db: Db | Tx, workspaceId: string, purpose: Exclude<Purpose, { kind: 'member' }>, ids: string[]): Promise<GateDecision[]> {
  if (purpose.kind === 'list') {
    const list = await db
      .selectFrom('mailing_lists')
      .select(['archived_at'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', purpose.listId)
      .executeTakeFirst();
    if (!list || list.archived_at) {
      const detail = list ? 'the list is archived' : 'the list does not exist';
      return ids.map((recipientId) => ({ allowed: false, recipientId, reason: 'list_archived', detail }));
    }
  }
  const key = purposeKey(purpose);
  const rows = await sql<ContactRow>`
    select r.id::text as id, c.email, c.left_at, s.reason as suppressed,
      latest.action as latest_action, latest.id::text as latest_id, latest.method as latest_method,
      ${purpose.kind === 'service' ? sql`contract.id::text` : sql`null`} as contract_id
    from unnest(${ids}::uuid[]) as r(id)
    left join contacts c on c.workspace_id = ${workspaceId}::uuid and c.id = r.id
    left join suppressions s on s.workspace_id = ${workspaceId}::uuid and s.address_hash = ${addressHashSql('c.email')}
    left join lateral (
      select cr.action, cr.id, cr.method from consent_records cr
      where cr.workspace_id = ${workspaceId}::uuid and cr.address_hash = ${addressHashSql('c.email')} and cr.purpose = ${key}
      order by cr.seq desc limit 1
    ) latest on true
    ${
      purpose.kind === 'service'
        ? sql`left join lateral (
            select k.id from contracts k
            where k.workspace_id = ${workspaceId}::uuid and k.account_id = c.account_id and k.status = 'active'
            order by k.end_date desc limit 1
          ) contract on true`
        : sql``
    }`.execute(db);
  return rows.rows.map((row) => decideContact(row, purpose));
}

function decideContact(row: ContactRow, purpose: Exclude<Purpose, { kind: 'member' }>): GateDecision {
  const recipientId = row.id;
  const refuse = (reason: ExclusionReason, detail: string): GateDecision => ({ allowed: false, recipientId, reason, detail });
  if (row.email === null) return refuse('no_email', 'no such contact in this workspace');
  if (row.email.trim() === '') return refuse('no_email', 'the contact has no email address');
  if (row.suppressed) return refuse('suppressed', `the address is suppressed (${row.suppressed.replace('_', ' ')})`);
  const address = row.email;
  if (purpose.kind === 'request') return { allowed: true, recipientId, address, basis: 'request' };
  if (row.left_at) return refuse('left_company', 'the contact has left the company');
  if (row.latest_action === 'withdrawn') return refuse('withdrawn', `consent withdrawn (${row.latest_method?.replaceAll('_', ' ')})`);
  if (row.latest_action === 'granted' && row.latest_id) return { allowed: true, recipientId, address, basis: row.latest_id };
  if (purpose.kind === 'service') {
    if (row.contract_id) return { allowed: true, recipientId, address, basis: `contract:${row.contract_id}` };
    return refuse('no_consent', 'no active contract and no service consent on record');
  }
  if (row.latest_action === 'requested') return refuse('unconfirmed', 'subscribed but not confirmed (double opt-in)');
  return refuse('no_consent', 'no consent on record for this list');
}

async function gateMembers(db: Db | Tx, workspaceId: string, topic: 'digest' | 'test', ids: string[]): Promise<GateDecision[]> {
  const rows = await sql<{ id: string; email: string | null; disabled_at: Date | null; digest_email: boolean | null }>`
    select r.id::text as id, m.email, m.disabled_at, m.digest_email
    from unnest(${ids}::uuid[]) as r(id)
    left join members m on m.workspace_id = ${workspaceId}::uuid and m.id = r.id`.execute(db);
  return rows.rows.map((row): GateDecision => {
    const recipientId = row.id;
    if (row.email === null) return { allowed: false, recipientId, reason: 'member_inactive', detail: 'no such member in this workspace' };
    if (row.disabled_at) return { allowed: false, recipientId, reason: 'member_inactive', detail: 'the member is deactivated' };
    if (topic === 'digest' && row.digest_email === false) {
      return { allowed: false, recipientId, reason: 'member_opted_out', detail: 'the member turned the daily digest off' };
    }
    return { allowed: true, recipientId, address: row.email, basis: 'member' };
  });
}
