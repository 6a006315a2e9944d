import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { listAccounts, updateAccount, upsertAccountByExternalId } from '../accounts/accounts.ts';
import { recordAudit } from '../audit/audit.ts';
import { listLists, recordConsent } from '../consent/consent.ts';
import { listContacts, upsertContactByEmail } from '../contacts/contacts.ts';
import { listContracts, updateContract, upsertContractByExternalId } from '../contracts/contracts.ts';
import { type CustomField, listCustomFields } from '../customfields/customfields.ts';
import { listMembers } from '../members/members.ts';
import { type ContractIndex, type ContractRecord, columnForPath, readContracts } from './imports.contracts.ts';
import { type CsvTable, readCsv } from './imports.csv.ts';
import { type HeaderMap, mapHeaders } from './imports.mapping.ts';
import {
  type AccountIndex,
  type AccountRecord,
  type ContactIndex,
  type ContactRecord,
  type MemberLookup,
  RowReader,
  readAccount,
  readContact,
} from './imports.rows.ts';
import type { ImportMode, ImportReport, ImportType, ImportWarning, RowError } from './imports.schema.ts';

export interface ImportOptions {
  /** all_or_nothing (default): any bad row means nothing is written. partial: the good rows are written. */
  mode?: ImportMode | undefined;
  /** Validate and write inside a transaction that is then rolled back: the report says what would happen. */
  dryRun?: boolean | undefined;
  /** The file's encoding when it is not UTF-8 (windows-1252, latin1, ...). */
  encoding?: string | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
  /**
   * Contacts only: how the contacts in the file agreed to the lists in its consent_lists column (where, when, what
   * they were shown). Required with that column; recorded in the consent ledger as each grant's proof.
   */
  consentProof?: string | undefined;
}

const PAGE = 5000;

interface Plan<R extends { row: number }> {
  records: R[];
  errors: RowError[];
  warnings: ImportWarning[];
  /** Records that could not be imported (rows, or contracts for contract files). */
  failed: number;
  write(tx: Tx, record: R): Promise<boolean>;
  /** Filled by write (cleared before each attempt). */
  skipped?: RowError[];
}

/**
 * Imports a CSV file: maps its headers, validates every row, then upserts in one transaction (accounts and contracts
 * by external id, contacts by email). Problems with the file itself (encoding, missing columns) throw; row problems
 * are reported with their row and column.
 */
export async function importCsv(db: Db, clock: Clock, actor: Actor, type: ImportType, bytes: Uint8Array, options: ImportOptions = {}): Promise<ImportReport> {
  const table = await readCsv(bytes, options.encoding);
  const fields = type === 'contracts' ? [] : await listCustomFields(db, actor.workspaceId, type === 'accounts' ? 'account' : 'contact');
  const map = mapHeaders(type, table.headers, fields);
  if (map.missing.length > 0) {
    throw new AppError(
      'validation_failed',
      map.missing.map((m) => m.message).join('; '),
      map.missing.map((m) => ({ path: `header.${m.field}`, message: m.message })),
    );
  }
  const warnings: ImportWarning[] = map.unknown.map((column) => ({
    column,
    message: 'not imported: no attribute or custom field has this name (define a custom field with this key, or name it custom.<key>)',
  }));
  if (type === 'accounts') return run(db, clock, actor, type, options, warnings, await planAccounts(db, clock, actor, map, table, fields));
  if (type === 'contacts') {
    const proof = checkConsentProof(map, options.consentProof, warnings);
    return run(db, clock, actor, type, options, warnings, await planContacts(db, clock, actor, map, table, fields, proof));
  }
  return run(db, clock, actor, type, options, warnings, await planContracts(db, clock, actor, map, table));
}

/** A consent_lists column needs the file's stated proof of consent (GDPR Art. 7(1): the controller must be able to demonstrate it). */
function checkConsentProof(map: HeaderMap, consentProof: string | undefined, warnings: ImportWarning[]): string | undefined {
  const proof = consentProof?.trim() ?? '';
  if (!map.fields.has('consent_lists')) {
    if (proof) warnings.push({ column: null, message: 'the proof of consent was not used: the file has no consent_lists column' });
    return undefined;
  }
  if (proof.length < 10) {
    const message =
      proof === ''
        ? 'the file has a consent_lists column: state how these contacts agreed (where, when, what they were shown) as the proof of consent (--consent-proof "..." or consentProof=...)'
        : 'the proof of consent must say how these contacts agreed in at least 10 characters';
    throw new AppError('validation_failed', message, [{ path: 'consentProof', message }]);
  }
  if (proof.length > 1000)
    throw new AppError('validation_failed', 'the proof of consent must be at most 1000 characters', [
      { path: 'consentProof', message: 'at most 1000 characters' },
    ]);
  return proof;
}

/** Every account of the workspace by id, external id and name (imports resolve references with it; exports name accounts). */
export async function loadAccountIndex(db: Db, clock: Clock, actor: Actor): Promise<AccountIndex> {
  const index: AccountIndex = { byId: new Map(), byExternalId: new Map(), byName: new Map() };
  let cursor: string | undefined;
  do {
    const page = await listAccounts(db, clock, actor, { filter: { conditions: [] }, sort: 'created_at', limit: PAGE, cursor });
    for (const a of page.items) {
      index.byId.set(a.id, { externalId: a.externalId, name: a.name, custom: a.custom });
      if (a.externalId) index.byExternalId.set(a.externalId, a.id);
      const key = a.name.toLowerCase();
      index.byName.set(key, [...(index.byName.get(key) ?? []), a.id]);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return index;
}

async function loadContactIndex(db: Db, actor: Actor): Promise<ContactIndex> {
  const index: ContactIndex = { byEmail: new Map(), byExternalId: new Map() };
  let cursor: string | undefined;
  do {
    const page = await listContacts(db, actor, { limit: PAGE, cursor });
    for (const c of page.items) {
      index.byEmail.set(c.email, { id: c.id, externalId: c.externalId, custom: c.custom, leftAt: c.leftAt });
      if (c.externalId) index.byExternalId.set(c.externalId, c.id);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return index;
}

async function loadContractIndex(db: Db, actor: Actor): Promise<ContractIndex> {
  const index: ContractIndex = { byId: new Set(), byExternalId: new Map() };
  let cursor: string | undefined;
  do {
    const page = await listContracts(db, actor, { limit: PAGE, cursor });
    for (const c of page.items) {
      index.byId.add(c.id);
      if (c.externalId) index.byExternalId.set(c.externalId, c.id);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return index;
}

/** Marks a row whose key an earlier row already used. */
function duplicateCheck() {
  const seen = new Map<string, number>();
  return (r: RowReader, field: string, key: string | null | undefined, what: string) => {
    if (!key) return;
    const first = seen.get(key);
    if (first !== undefined) r.fail(field, `duplicate ${what}: row ${first} has the same one`);
    else seen.set(key, r.row.row);
  };
}

const distinctRows = (errors: RowError[]) => new Set(errors.map((e) => e.row)).size;

async function planAccounts(db: Db, clock: Clock, actor: Actor, map: HeaderMap, table: CsvTable, fields: CustomField[]): Promise<Plan<AccountRecord>> {
  const [accounts, members] = await Promise.all([loadAccountIndex(db, clock, actor), listMembers(db, actor)]);
  const lookup: MemberLookup = { byEmail: new Map(), byName: new Map() };
  for (const m of members.filter((m) => !m.disabled)) {
    lookup.byEmail.set(m.email.toLowerCase(), m.id);
    lookup.byName.set(m.name.toLowerCase(), [...(lookup.byName.get(m.name.toLowerCase()) ?? []), m.id]);
  }
  const unknownOwners = new Map<string, number[]>();
  const records: AccountRecord[] = [];
  const errors: RowError[] = [];
  const externalIds = duplicateCheck();
  const momentumIds = duplicateCheck();
  for (const row of table.rows) {
    const r = new RowReader(map, row);
    const record = readAccount(r, fields, accounts, lookup, (value, n) => unknownOwners.set(value, [...(unknownOwners.get(value) ?? []), n]));
    externalIds(r, 'external_id', r.raw('external_id'), 'external id');
    momentumIds(r, 'momentum_id', r.raw('momentum_id'), 'momentum_id');
    if (record && r.errors.length === 0) records.push(record);
    errors.push(...r.errors);
  }
  const ownerColumn = map.headers[map.fields.get('csm')?.[0] ?? -1] ?? 'csm';
  const warnings = [...unknownOwners].map(([value, rows]) => ({
    column: ownerColumn,
    message: `"${value}" (row${rows.length > 1 ? 's' : ''} ${rows.slice(0, 5).join(', ')}${rows.length > 5 ? ', ...' : ''}) is not a member of this workspace: the CSM was left as it was`,
  }));
  return {
    records,
    errors,
    warnings,
    failed: distinctRows(errors),
    write: async (tx, { momentumId, input }) => {
      if (momentumId) {
        await updateAccount(tx, clock, actor, momentumId, input, fields);
        return false;
      }
      return (await upsertAccountByExternalId(tx, clock, actor, { ...input, externalId: input.externalId ?? '' }, fields)).created;
    },
  };
}

async function planContacts(
  db: Db,
  clock: Clock,
  actor: Actor,
  map: HeaderMap,
  table: CsvTable,
  fields: CustomField[],
  consentProof: string | undefined,
): Promise<Plan<ContactRecord>> {
  const [accounts, contacts, mailingLists] = await Promise.all([loadAccountIndex(db, clock, actor), loadContactIndex(db, actor), listLists(db, actor)]);
  const lists = new Map(mailingLists.map((l) => [l.key, l.id]));
  const skipped: RowError[] = [];
  const records: ContactRecord[] = [];
  const errors: RowError[] = [];
  const emails = duplicateCheck();
  const externalIds = duplicateCheck();
  for (const row of table.rows) {
    const r = new RowReader(map, row);
    const record = readContact(r, fields, accounts, contacts, lists);
    emails(r, 'email', record?.input.email ?? r.raw('email')?.toLowerCase(), 'email');
    externalIds(r, 'external_id', r.raw('external_id'), 'external id');
    if (record && r.errors.length === 0) records.push(record);
    errors.push(...r.errors);
  }
  return {
    records,
    errors,
    warnings: [],
    failed: distinctRows(errors),
    skipped,
    write: async (tx, { row, input, consentLists }) => {
      const { contact, created } = await upsertContactByEmail(tx, clock, actor, input, fields);
      for (const listId of consentProof ? consentLists : []) {
        const outcome = await recordConsent(tx, clock, actor.workspaceId, {
          contactId: contact.id,
          purpose: `list:${listId}`,
          action: 'granted',
          method: 'import',
          proof: consentProof,
          recordedBy: { name: actor.name, memberId: actor.type === 'member' ? actor.id : null },
        });
        if (!outcome.recorded && outcome.reason === 'withdrawn_earlier') {
          const key = mailingLists.find((l) => l.id === listId)?.key;
          skipped.push({
            row,
            column: 'consent_lists',
            message: `${key}: not subscribed, the address withdrew from this list earlier (only the contact can subscribe again)`,
          });
        }
      }
      return created;
    },
  };
}

async function planContracts(db: Db, clock: Clock, actor: Actor, map: HeaderMap, table: CsvTable): Promise<Plan<ContractRecord>> {
  const [accounts, contracts] = await Promise.all([loadAccountIndex(db, clock, actor), loadContractIndex(db, actor)]);
  const { records, errors } = readContracts(map, table.rows, accounts, contracts);
  const keys = new Set(
    table.rows.map((row) => new RowReader(map, row).raw('contract_external_id') || new RowReader(map, row).raw('momentum_id') || `row:${row.row}`),
  );
  return {
    records,
    errors,
    warnings: [],
    failed: keys.size - records.length,
    write: async (tx, { momentumId, input }) => {
      if (momentumId) {
        await updateContract(tx, clock, actor, momentumId, input);
        return false;
      }
      return (await upsertContractByExternalId(tx, clock, actor, { ...input, externalId: input.externalId ?? '' })).created;
    },
  };
}

/** A write the validation did not foresee (a concurrent change): reported on the record's row. */
class RecordFailed extends Error {
  readonly record: { row: number };
  readonly errors: RowError[];
  constructor(record: { row: number }, errors: RowError[]) {
    super('record failed');
    this.record = record;
    this.errors = errors;
  }
}

/** Rolls back a dry run after every write succeeded. */
class DryRunDone extends Error {
  readonly counts: { created: number; updated: number };
  constructor(counts: { created: number; updated: number }) {
    super('dry run');
    this.counts = counts;
  }
}

function writeErrors(row: number, error: AppError): RowError[] {
  if (error.details.length === 0) return [{ row, column: '', message: error.message }];
  return error.details.map((d) => ({ row, column: columnForPath(d.path.split('.')), message: d.message }));
}

async function run<R extends { row: number }>(
  db: Db,
  clock: Clock,
  actor: Actor,
  type: ImportType,
  options: ImportOptions,
  fileWarnings: ImportWarning[],
  plan: Plan<R>,
): Promise<ImportReport> {
  const mode = options.mode ?? 'all_or_nothing';
  const dryRun = options.dryRun ?? false;
  const errors = [...plan.errors];
  const report = (created: number, updated: number, failed: number): ImportReport => ({
    type,
    created,
    updated,
    failed,
    dryRun,
    errors: errors.sort((a, b) => a.row - b.row),
    warnings: [...fileWarnings, ...plan.warnings],
    skipped: [...(plan.skipped ?? [])].sort((a, b) => a.row - b.row),
  });
  if (errors.length > 0 && mode === 'all_or_nothing') return report(0, 0, plan.failed);
  let pending = plan.records;
  let failed = plan.failed;
  // Validation catches nearly everything up front; a write that still fails rolls the transaction back, and in
  // partial mode the import runs again without that record (so a write failure costs a retry, not a savepoint per row).
  for (;;) {
    try {
      plan.skipped?.splice(0);
      const counts = await db.transaction().execute(async (tx) => {
        const counts = { created: 0, updated: 0 };
        let done = 0;
        for (const record of pending) {
          try {
            if (await plan.write(tx, record)) counts.created++;
            else counts.updated++;
          } catch (error) {
            if (error instanceof AppError) throw new RecordFailed(record, writeErrors(record.row, error));
            throw error;
          }
          done++;
          if (done % 100 === 0 || done === pending.length) options.onProgress?.(done, pending.length);
        }
        if (dryRun) throw new DryRunDone(counts);
        if (counts.created + counts.updated > 0) {
          await recordAudit(tx, clock, actor, {
            action: 'import.completed',
            entityType: 'import',
            entityId: null,
            after: { type, mode, created: counts.created, updated: counts.updated, failed },
          });
        }
        return counts;
      });
      return report(counts.created, counts.updated, failed);
    } catch (error) {
      if (error instanceof DryRunDone) return report(error.counts.created, error.counts.updated, failed);
      if (!(error instanceof RecordFailed)) throw error;
      errors.push(...error.errors);
      failed++;
      if (mode === 'all_or_nothing') return report(0, 0, failed);
      pending = pending.filter((r) => r !== error.record);
    }
  }
}
