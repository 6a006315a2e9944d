// CSV export with Momentum's own headers: what the import reads back unchanged.
import type { Db } from '../../db/client.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import type { AccountFilter, AccountSort } from '../accounts/accounts.schema.ts';
import { type AccountListItem, type ListAccountsQuery, listAccounts } from '../accounts/accounts.ts';
import { type Contact, listContacts } from '../contacts/contacts.ts';
import { type Contract, listContracts } from '../contracts/contracts.ts';
import { listCustomFields } from '../customfields/customfields.ts';
import { listMembers } from '../members/members.ts';
import { loadAccountIndex } from './imports.ts';

const PAGE = 1000;

export type CsvRecord = Record<string, string>;

export interface CsvExport {
  columns: string[];
  rows: AsyncIterable<CsvRecord>;
}

const list = (values: readonly string[]) => values.join('; ');
const opt = (value: string | number | boolean | null | undefined) => (value === null || value === undefined ? '' : String(value));

function customCells(keys: string[], custom: Record<string, unknown>): CsvRecord {
  const cells: CsvRecord = {};
  for (const key of keys) cells[`custom.${key}`] = opt(custom[key] as string | number | boolean | null | undefined);
  return cells;
}

export interface AccountExportQuery {
  filter: AccountFilter;
  sort: AccountSort;
  teamMemberId?: string | undefined;
}

/** Accounts matching a filter, paged through the list operation. The first page is read before returning, so a bad filter throws here. */
export async function exportAccounts(db: Db, clock: Clock, actor: Actor, query: AccountExportQuery): Promise<CsvExport> {
  const keys = (await listCustomFields(db, actor.workspaceId, 'account')).map((f) => f.key);
  const emails = new Map((await listMembers(db, actor)).map((m) => [m.id, m.email]));
  const pageQuery = (cursor?: string): ListAccountsQuery => ({ ...query, limit: PAGE, cursor });
  const first = await listAccounts(db, clock, actor, pageQuery());
  const toRecord = (a: AccountListItem): CsvRecord => ({
    momentum_id: a.id,
    external_id: opt(a.externalId),
    name: a.name,
    domain: opt(a.domain),
    industry: opt(a.industry),
    region: opt(a.region),
    employee_band: opt(a.employeeBand),
    offerings: list(a.offerings),
    tags: list(a.tags),
    buying_culture: opt(a.buyingCulture),
    touch_model: opt(a.touchModel),
    target_digital_type: opt(a.targetDigitalType),
    phase: a.phase,
    csm: a.csm ? (emails.get(a.csm.id) ?? a.csm.name) : '',
    arr: String(a.arr),
    next_renewal_date: opt(a.nextRenewalDate),
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    ...customCells(keys, a.custom),
  });
  async function* rows() {
    let page = first;
    for (;;) {
      for (const a of page.items) yield toRecord(a);
      if (!page.nextCursor) return;
      page = await listAccounts(db, clock, actor, pageQuery(page.nextCursor));
    }
  }
  const columns = [
    'momentum_id',
    'external_id',
    'name',
    'domain',
    'industry',
    'region',
    'employee_band',
    'offerings',
    'tags',
    'buying_culture',
    'touch_model',
    'target_digital_type',
    'phase',
    'csm',
    'arr',
    'next_renewal_date',
    'created_at',
    'updated_at',
    ...keys.map((k) => `custom.${k}`),
  ];
  return { columns, rows: rows() };
}

/** Every contact, with its account by external id, name and Momentum id (so the file re-imports whatever the account has). */
export async function exportContacts(db: Db, clock: Clock, actor: Actor): Promise<CsvExport> {
  const keys = (await listCustomFields(db, actor.workspaceId, 'contact')).map((f) => f.key);
  const accounts = await loadAccountIndex(db, clock, actor);
  const toRecord = (c: Contact): CsvRecord => {
    const account = c.accountId ? accounts.byId.get(c.accountId) : undefined;
    return {
      external_id: opt(c.externalId),
      name: c.name,
      email: c.email,
      title: opt(c.title),
      phone: opt(c.phone),
      persona: c.persona,
      left_at: opt(c.leftAt?.slice(0, 10)),
      account_external_id: opt(account?.externalId),
      account_name: opt(account?.name),
      momentum_account_id: opt(c.accountId),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      ...customCells(keys, c.custom),
    };
  };
  async function* rows() {
    let cursor: string | undefined;
    do {
      const page = await listContacts(db, actor, { limit: PAGE, cursor });
      for (const c of page.items) yield toRecord(c);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  const columns = [
    'external_id',
    'name',
    'email',
    'title',
    'phone',
    'persona',
    'left_at',
    'account_external_id',
    'account_name',
    'momentum_account_id',
    'created_at',
    'updated_at',
    ...keys.map((k) => `custom.${k}`),
  ];
  return { columns, rows: rows() };
}

const contractColumns = [
  'momentum_id',
  'contract_external_id',
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
  'arr',
  'offering',
  'quantity',
  'unit_price',
  'billing',
  'renewable',
];

/** One row per line item (a contract without line items is one row with empty item cells). */
export async function exportContracts(db: Db, clock: Clock, actor: Actor): Promise<CsvExport> {
  const accounts = await loadAccountIndex(db, clock, actor);
  const toRecords = (c: Contract): CsvRecord[] => {
    const account = accounts.byId.get(c.accountId);
    const base: CsvRecord = {
      momentum_id: c.id,
      contract_external_id: opt(c.externalId),
      account_external_id: opt(account?.externalId),
      account_name: opt(account?.name),
      momentum_account_id: c.accountId,
      name: c.name,
      status: c.status,
      start_date: c.startDate,
      end_date: c.endDate,
      renewal_date: opt(c.renewalDate),
      auto_renew: String(c.autoRenew),
      currency: c.currency,
      services: list(c.services),
      support_entitlement: opt(c.supportEntitlement),
      arr: String(c.arr),
    };
    if (c.lineItems.length === 0) return [{ ...base, offering: '', quantity: '', unit_price: '', billing: '', renewable: '' }];
    return c.lineItems.map((l) => ({
      ...base,
      offering: l.offering,
      quantity: String(l.quantity),
      unit_price: String(l.unitPrice),
      billing: l.billing,
      renewable: String(l.renewable),
    }));
  };
  async function* rows() {
    let cursor: string | undefined;
    do {
      const page = await listContracts(db, actor, { limit: PAGE, cursor });
      for (const c of page.items) yield* toRecords(c);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return { columns: contractColumns, rows: rows() };
}
