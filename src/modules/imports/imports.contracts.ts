// Contract files have one row per line item; rows sharing a contract key form one contract.
import { isUuid } from '../../lib/ids.ts';
import { billingKinds, contractPatchSchema, contractStatuses } from '../contracts/contracts.schema.ts';
import type { ContractInput, LineItemInput } from '../contracts/contracts.ts';
import type { CsvRow } from './imports.csv.ts';
import type { HeaderMap } from './imports.mapping.ts';
import { type AccountIndex, RowReader, readAccountRef } from './imports.rows.ts';
import type { RowError } from './imports.schema.ts';

export interface ContractRecord {
  /** The first row of the contract: errors found while writing are reported there. */
  row: number;
  rows: number[];
  momentumId?: string | undefined;
  input: ContractInput & { accountId: string; name: string; startDate: string; endDate: string; externalId: string | null };
}

export interface ContractIndex {
  byId: Set<string>;
  byExternalId: Map<string, string>;
}

/** Contract-level columns: every row of a contract must agree (or leave the cell empty). */
const contractColumns = [
  'momentum_id',
  'account_external_id',
  'account_name',
  'momentum_account_id',
  'name',
  'status',
  'start_date',
  'end_date',
  'renewal_date',
  'auto_renew',
  'currency',
  'services',
  'support_entitlement',
];
const lineColumns = ['offering', 'quantity', 'unit_price', 'billing', 'renewable'];

interface Group {
  key: string;
  rows: CsvRow[];
}

/** Groups rows by contract key in file order; a row without a key is an error of its own. */
function groupRows(map: HeaderMap, rows: CsvRow[], errors: RowError[]): Group[] {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const r = new RowReader(map, row);
    const externalId = r.raw('contract_external_id');
    const momentumId = r.raw('momentum_id');
    const key = externalId ? `x:${externalId}` : momentumId ? `m:${momentumId}` : undefined;
    if (!key) {
      r.fail(map.fields.has('contract_external_id') ? 'contract_external_id' : 'momentum_id', 'is required: the key to create or update by');
      errors.push(...r.errors);
      continue;
    }
    const group = groups.get(key) ?? { key, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function readLineItem(r: RowReader): LineItemInput | undefined {
  if (lineColumns.every((c) => !r.raw(c))) return undefined;
  const offering = r.required('offering', 200);
  const quantity = r.number('quantity', 0.01, 1_000_000_000);
  const unitPrice = r.number('unit_price', 0, 100_000_000_000);
  if (quantity === null) r.fail('quantity', 'is required for a line item');
  if (unitPrice === null) r.fail('unit_price', 'is required for a line item');
  const billing = r.raw('billing');
  let billingValue: LineItemInput['billing'];
  if (billing) {
    const key = billing.toLowerCase().replace(/[\s-]+/g, '_');
    billingValue = key === 'one_time' || key === 'oneoff' ? 'one_off' : (key as LineItemInput['billing']);
    if (!(billingKinds as readonly string[]).includes(billingValue ?? '')) r.fail('billing', `must be one of: ${billingKinds.join(', ')}`);
  }
  return {
    offering: offering ?? '',
    quantity: quantity ?? 0,
    unitPrice: unitPrice ?? 0,
    billing: billingValue,
    renewable: r.boolean('renewable') ?? undefined,
  };
}

function readGroup(map: HeaderMap, group: Group, accounts: AccountIndex, contracts: ContractIndex, errors: RowError[]): ContractRecord | undefined {
  const [firstRow] = group.rows;
  if (!firstRow) return undefined;
  const errorsBefore = errors.length;
  const r = new RowReader(map, firstRow);
  // Later rows may repeat the contract's cells or leave them empty, but not contradict them.
  for (const row of group.rows.slice(1)) {
    const later = new RowReader(map, row);
    for (const column of contractColumns) {
      const value = later.raw(column);
      if (value && value !== r.raw(column)) later.fail(column, `differs from row ${firstRow.row} of the same contract`);
    }
    errors.push(...later.errors);
  }
  const externalId = r.text('contract_external_id', 200) ?? null;
  const momentumId = r.raw('momentum_id') || undefined;
  if (momentumId && !(isUuid(momentumId) && contracts.byId.has(momentumId))) r.fail('momentum_id', 'is not the id of a contract in this workspace');
  if (externalId && momentumId) {
    const owner = contracts.byExternalId.get(externalId);
    if (owner && owner !== momentumId) r.fail('contract_external_id', 'is already used by another contract');
  }
  const accountId = readAccountRef(r, accounts);
  if (accountId === null) r.fail('account_external_id', 'is required: the account this contract belongs to');
  const name = r.required('name', 200);
  const status = r.choice('status', contractStatuses) ?? undefined;
  const startDate = r.date('start_date');
  const endDate = r.date('end_date');
  if (startDate === null) r.fail('start_date', 'is required');
  if (endDate === null) r.fail('end_date', 'is required');
  if (startDate && endDate && endDate < startDate) r.fail('end_date', `must be on or after the start date (${startDate})`);
  const currency = r.raw('currency');
  if (currency && !/^[A-Za-z]{3}$/.test(currency)) r.fail('currency', 'must be a three-letter currency code like USD');
  const input: ContractRecord['input'] = {
    externalId,
    accountId: accountId ?? '',
    name: name ?? '',
    status,
    startDate: startDate ?? '',
    endDate: endDate ?? '',
    renewalDate: r.date('renewal_date'),
    autoRenew: r.boolean('auto_renew') ?? undefined,
    currency: currency ? currency.toUpperCase() : undefined,
    services: r.list('services', 100, 200),
    supportEntitlement: r.text('support_entitlement', 200),
  };
  if (lineColumns.some((c) => map.fields.has(c))) {
    const items: LineItemInput[] = [];
    for (const row of group.rows) {
      const lr = row === firstRow ? r : new RowReader(map, row);
      const item = readLineItem(lr);
      if (item) items.push(item);
      if (lr !== r) errors.push(...lr.errors);
    }
    if (items.length > 500) r.fail('offering', 'a contract can have at most 500 line items');
    input.lineItems = items;
  }
  if (r.errors.length === 0 && errors.length === errorsBefore) {
    // The operation validates the same way; checking here reports it with the row and column.
    const parsed = contractPatchSchema.safeParse({ ...input, accountId: input.accountId });
    if (!parsed.success) for (const issue of parsed.error.issues) r.fail(columnForPath(issue.path), issue.message);
  }
  errors.push(...r.errors);
  if (errors.length > errorsBefore) return undefined;
  return { row: firstRow.row, rows: group.rows.map((g) => g.row), momentumId, input };
}

const columnByProperty: Record<string, string> = {
  accountId: 'account_external_id',
  externalId: 'contract_external_id',
  startDate: 'start_date',
  endDate: 'end_date',
  renewalDate: 'renewal_date',
  autoRenew: 'auto_renew',
  supportEntitlement: 'support_entitlement',
  unitPrice: 'unit_price',
};

/** `body.lineItems.2.unitPrice` or `endDate` to the import's column name. */
export function columnForPath(path: readonly PropertyKey[]): string {
  const parts = path.map(String).filter((p) => p !== 'body' && !/^\d+$/.test(p) && p !== 'lineItems');
  const last = parts.at(-1) ?? 'name';
  return columnByProperty[last] ?? last.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

/** Validates a contracts file: one record per contract, errors for every bad row. */
export function readContracts(
  map: HeaderMap,
  rows: CsvRow[],
  accounts: AccountIndex,
  contracts: ContractIndex,
): { records: ContractRecord[]; errors: RowError[] } {
  const errors: RowError[] = [];
  const records: ContractRecord[] = [];
  for (const group of groupRows(map, rows, errors)) {
    const record = readGroup(map, group, accounts, contracts, errors);
    if (record) records.push(record);
  }
  return { records, errors };
}
