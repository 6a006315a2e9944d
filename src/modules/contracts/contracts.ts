import { type Selectable, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { AppError, invalid, isUniqueViolation, notFound, parseBody } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { findAccount, refreshAccountRevenue } from '../accounts/accounts.ts';
import { recordAudit } from '../audit/audit.ts';
import { recordContractChanges } from './contracts.events.ts';
import { type Billing, type ContractStatus, contractPatchSchema, contractRequired } from './contracts.schema.ts';
import type { ContractLineItemsTable, ContractsTable } from './contracts.table.ts';

export interface LineItem {
  offering: string;
  quantity: number;
  /** Per year for recurring items. */
  unitPrice: number;
  billing: Billing;
  renewable: boolean;
}

export interface Contract {
  id: string;
  accountId: string;
  externalId: string | null;
  name: string;
  status: ContractStatus;
  startDate: string;
  endDate: string;
  renewalDate: string | null;
  autoRenew: boolean;
  currency: string;
  services: string[];
  supportEntitlement: string | null;
  arr: number;
  lineItems: LineItem[];
  createdAt: string;
  updatedAt: string;
}

export interface LineItemInput {
  offering: string;
  quantity: number;
  unitPrice: number;
  /** Defaults to recurring. */
  billing?: Billing | undefined;
  /** Defaults to true for recurring items, false for one-off items. */
  renewable?: boolean | undefined;
}

/** Writable contract attributes (API and import use the same names); dates are YYYY-MM-DD. */
export interface ContractInput {
  accountId?: string | undefined;
  externalId?: string | null | undefined;
  name?: string | undefined;
  /** Defaults to active on create. */
  status?: ContractStatus | undefined;
  startDate?: string | undefined;
  endDate?: string | undefined;
  renewalDate?: string | null | undefined;
  autoRenew?: boolean | undefined;
  currency?: string | undefined;
  services?: string[] | undefined;
  supportEntitlement?: string | null | undefined;
  /** The bill of materials; replaces all line items when given. */
  lineItems?: LineItemInput[] | undefined;
}

export type NewContractInput = ContractInput & { accountId: string; name: string; startDate: string; endDate: string };

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Contract ARR: quantity x yearly unit price over recurring line items, in cents to avoid float drift. */
export function contractArr(lineItems: readonly Pick<LineItem, 'quantity' | 'unitPrice' | 'billing'>[]): number {
  const cents = lineItems.filter((l) => l.billing === 'recurring').reduce((sum, l) => sum + Math.round(l.quantity * l.unitPrice * 100), 0);
  return cents / 100;
}

function toContract(row: Selectable<ContractsTable>, lineItems: LineItem[]): Contract {
  return {
    id: row.id,
    accountId: row.account_id,
    externalId: row.external_id,
    name: row.name,
    status: row.status,
    startDate: row.start_date,
    endDate: row.end_date,
    renewalDate: row.renewal_date,
    autoRenew: row.auto_renew,
    currency: row.currency,
    services: row.services,
    supportEntitlement: row.support_entitlement,
    arr: Number(row.arr),
    lineItems,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const toLineItem = (r: Selectable<ContractLineItemsTable>): LineItem => ({
  offering: r.offering,
  quantity: Number(r.quantity),
  unitPrice: Number(r.unit_price),
  billing: r.billing,
  renewable: r.renewable,
});

/** Imports call operations directly, so input is validated here with the same rules as the API (paths name body fields). */
function parseInput(input: ContractInput) {
  const data = parseBody(contractPatchSchema, input);
  const lineItems = data.lineItems?.map(
    (l): LineItem => ({
      offering: l.offering,
      quantity: round2(l.quantity),
      unitPrice: round2(l.unitPrice),
      billing: l.billing,
      renewable: l.renewable ?? l.billing === 'recurring',
    }),
  );
  if (lineItems && contractArr(lineItems) >= 1e12) throw invalid('body.lineItems', 'the recurring total is too large');
  return { ...data, services: data.services && [...new Set(data.services)], lineItems };
}

function duplicateExternalId(error: unknown): never {
  if (isUniqueViolation(error, 'contracts_external_id_key')) {
    throw new AppError('conflict', 'Another contract already has this external id', [{ path: 'externalId', message: 'is already used by another contract' }]);
  }
  throw error;
}

async function checkAccount(db: Db, actor: Actor, accountId: string): Promise<void> {
  if (!(await findAccount(db, actor, accountId))) throw invalid('body.accountId', 'is not an account of this workspace');
}

function checkTerm(startDate: string, endDate: string): void {
  if (endDate < startDate) throw invalid('body.endDate', `must be on or after the start date (${startDate})`);
}

async function loadLineItems(db: Db, workspaceId: string, contractIds: string[]): Promise<Map<string, LineItem[]>> {
  const byContract = new Map<string, LineItem[]>(contractIds.map((id) => [id, []]));
  if (contractIds.length === 0) return byContract;
  const rows = await db
    .selectFrom('contract_line_items')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('contract_id', 'in', contractIds)
    .orderBy('contract_id')
    .orderBy('position')
    .execute();
  for (const r of rows) byContract.get(r.contract_id)?.push(toLineItem(r));
  return byContract;
}

async function saveLineItems(tx: Tx, workspaceId: string, contractId: string, lineItems: LineItem[]): Promise<void> {
  await tx.deleteFrom('contract_line_items').where('workspace_id', '=', workspaceId).where('contract_id', '=', contractId).execute();
  if (lineItems.length === 0) return;
  await tx
    .insertInto('contract_line_items')
    .values(
      lineItems.map((l, position) => ({
        workspace_id: workspaceId,
        contract_id: contractId,
        position,
        offering: l.offering,
        quantity: l.quantity,
        unit_price: l.unitPrice,
        billing: l.billing,
        renewable: l.renewable,
      })),
    )
    .execute();
}

export async function findContract(db: Db, actor: Actor, id: string): Promise<Contract | undefined> {
  const row = await db.selectFrom('contracts').selectAll().where('workspace_id', '=', actor.workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  return toContract(row, (await loadLineItems(db, actor.workspaceId, [id])).get(id) ?? []);
}

export async function getContract(db: Db, actor: Actor, id: string): Promise<Contract> {
  const contract = await findContract(db, actor, id);
  if (!contract) throw notFound('Contract');
  return contract;
}

export async function findContractIdByExternalId(db: Db, workspaceId: string, externalId: string): Promise<string | undefined> {
  const row = await db.selectFrom('contracts').select('id').where('workspace_id', '=', workspaceId).where('external_id', '=', externalId).executeTakeFirst();
  return row?.id;
}

export async function createContract(db: Db, clock: Clock, actor: Actor, input: NewContractInput): Promise<Contract> {
  const data = parseInput(input);
  const missing = contractRequired.filter((k) => data[k] === undefined);
  if (missing.length > 0) {
    const details = missing.map((k) => ({ path: `body.${k}`, message: 'is required' }));
    throw new AppError('validation_failed', details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
  }
  const { accountId, name, startDate, endDate } = data as typeof data & NewContractInput;
  checkTerm(startDate, endDate);
  return inTransaction(db, async (tx) => {
    await checkAccount(tx, actor, accountId);
    const lineItems = data.lineItems ?? [];
    const now = clock.now();
    const id = newId();
    const row = await tx
      .insertInto('contracts')
      .values({
        workspace_id: actor.workspaceId,
        id,
        account_id: accountId,
        external_id: data.externalId ?? null,
        name,
        status: data.status ?? 'active',
        start_date: startDate,
        end_date: endDate,
        renewal_date: data.renewalDate ?? null,
        auto_renew: data.autoRenew ?? false,
        currency: data.currency ?? 'USD',
        services: data.services ?? [],
        support_entitlement: data.supportEntitlement ?? null,
        arr: contractArr(lineItems),
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(duplicateExternalId);
    await saveLineItems(tx, actor.workspaceId, id, lineItems);
    const accountArr = await refreshAccountRevenue(tx, actor.workspaceId, accountId);
    const contract = toContract(row, lineItems);
    await recordContractChanges(tx, clock, actor, undefined, contract, accountArr);
    await recordAudit(tx, clock, actor, { action: 'contract.created', entityType: 'contract', entityId: id, after: contract });
    return contract;
  });
}

export async function updateContract(db: Db, clock: Clock, actor: Actor, id: string, input: ContractInput): Promise<Contract> {
  const data = parseInput(input);
  return inTransaction(db, async (tx) => {
    const before = await getContract(tx, actor, id);
    checkTerm(data.startDate ?? before.startDate, data.endDate ?? before.endDate);
    if (data.accountId !== undefined && data.accountId !== before.accountId) await checkAccount(tx, actor, data.accountId);
    const lineItems = data.lineItems ?? before.lineItems;
    const row = await tx
      .updateTable('contracts')
      .set({
        ...(data.accountId !== undefined && { account_id: data.accountId }),
        ...(data.externalId !== undefined && { external_id: data.externalId }),
        ...(data.name !== undefined && { name: data.name }),
        ...(data.status !== undefined && { status: data.status }),
        ...(data.startDate !== undefined && { start_date: data.startDate }),
        ...(data.endDate !== undefined && { end_date: data.endDate }),
        ...(data.renewalDate !== undefined && { renewal_date: data.renewalDate }),
        ...(data.autoRenew !== undefined && { auto_renew: data.autoRenew }),
        ...(data.currency !== undefined && { currency: data.currency }),
        ...(data.services !== undefined && { services: data.services }),
        ...(data.supportEntitlement !== undefined && { support_entitlement: data.supportEntitlement }),
        arr: contractArr(lineItems),
        updated_at: clock.now(),
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(duplicateExternalId);
    if (data.lineItems) await saveLineItems(tx, actor.workspaceId, id, data.lineItems);
    // Moving a contract to another account changes both accounts' revenue.
    if (row.account_id !== before.accountId) await refreshAccountRevenue(tx, actor.workspaceId, before.accountId);
    const accountArr = await refreshAccountRevenue(tx, actor.workspaceId, row.account_id);
    const after = toContract(row, lineItems);
    await recordContractChanges(tx, clock, actor, before, after, accountArr);
    await recordAudit(tx, clock, actor, { action: 'contract.updated', entityType: 'contract', entityId: id, before, after });
    return after;
  });
}

/** Creates or updates the contract with this external id (import); on update, line items are replaced only when given. */
export async function upsertContractByExternalId(
  db: Db,
  clock: Clock,
  actor: Actor,
  input: NewContractInput & { externalId: string },
): Promise<{ contract: Contract; created: boolean }> {
  return inTransaction(db, async (tx) => {
    const id = await findContractIdByExternalId(tx, actor.workspaceId, input.externalId.trim());
    if (!id) return { contract: await createContract(tx, clock, actor, input), created: true };
    const before = await getContract(tx, actor, id);
    // Re-running an import must not rewrite every contract nor fill the audit log.
    if (unchanged(before, parseInput(input))) return { contract: before, created: false };
    return { contract: await updateContract(tx, clock, actor, id, input), created: false };
  });
}

function unchanged(before: Contract, data: ReturnType<typeof parseInput>): boolean {
  const { lineItems, ...attributes } = data;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    const stored = before[key as keyof Contract];
    if (Array.isArray(value) ? JSON.stringify(value) !== JSON.stringify(stored) : value !== stored) return false;
  }
  return !lineItems || JSON.stringify(lineItems) === JSON.stringify(before.lineItems);
}

export async function deleteContract(db: Db, clock: Clock, actor: Actor, id: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const before = await getContract(tx, actor, id);
    await tx.deleteFrom('contracts').where('workspace_id', '=', actor.workspaceId).where('id', '=', id).execute();
    const accountArr = await refreshAccountRevenue(tx, actor.workspaceId, before.accountId);
    await recordContractChanges(tx, clock, actor, before, undefined, accountArr);
    await recordAudit(tx, clock, actor, { action: 'contract.deleted', entityType: 'contract', entityId: id, before });
  });
}

export interface ListContractsQuery {
  accountId?: string | undefined;
  status?: ContractStatus | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface ContractPage {
  items: Contract[];
  nextCursor: string | null;
  total: number;
}

/** Newest term first (start date, then id, descending): a stable keyset order for the cursor. */
export async function listContracts(db: Db, actor: Actor, query: ListContractsQuery): Promise<ContractPage> {
  let base = db.selectFrom('contracts').where('workspace_id', '=', actor.workspaceId);
  if (query.accountId) base = base.where('account_id', '=', query.accountId);
  if (query.status) base = base.where('status', '=', query.status);
  let page = base;
  if (query.cursor) {
    const [startDate, id] = decodeCursor(query.cursor, /^\d{4}-\d{2}-\d{2}$/);
    page = page.where(sql<boolean>`(start_date, id) < (${startDate}::date, ${id}::uuid)`);
  }
  const [rows, count] = await Promise.all([
    page
      .selectAll()
      .orderBy('start_date', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  const items = rows.slice(0, query.limit);
  const lineItems = await loadLineItems(
    db,
    actor.workspaceId,
    items.map((r) => r.id),
  );
  const last = items.at(-1);
  return {
    items: items.map((r) => toContract(r, lineItems.get(r.id) ?? [])),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.start_date, last.id) : null,
    total: count.n,
  };
}
