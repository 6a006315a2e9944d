// Header mapping: which CSV column feeds which attribute. Momentum's own export headers come first in every alias
// list, then the column names of Salesforce (report and Data Loader) and HubSpot exports.
import type { CustomField } from '../customfields/customfields.ts';
import { unguardFormula } from './imports.csv.ts';
import type { ImportType } from './imports.schema.ts';

export interface FieldSpec {
  /** Momentum's own header (what the export writes). */
  field: string;
  aliases: readonly string[];
}

const spec = (field: string, ...aliases: string[]): FieldSpec => ({ field, aliases: [field, ...aliases] });

const accountFields = [
  spec('momentum_id'),
  spec('external_id', 'Account ID', 'Record ID', 'Company ID', 'Id', 'External ID'),
  spec('name', 'Account Name', 'Company name', 'Company', 'Organization'),
  spec('domain', 'Company Domain Name', 'Website', 'Website URL', 'Domain Name'),
  spec('industry', 'Industry'),
  spec('region', 'Billing Country', 'Country/Region', 'Country', 'Billing State/Province', 'State/Region'),
  spec('employee_band', 'Employees', 'Number of Employees', 'Employee Count', 'Company Size'),
  spec('offerings', 'Products'),
  spec('tags', 'Type', 'Account Type', 'Company Type'),
  spec('buying_culture'),
  spec('touch_model'),
  spec('target_digital_type'),
  spec('phase', 'Lifecycle Phase'),
  spec('csm', 'team.csm', 'Account Owner', 'Company owner', 'Owner', 'Customer Success Manager'),
];

const contactFields = [
  spec('external_id', 'Contact ID', 'Record ID', 'Id', 'External ID'),
  spec('email', 'Email Address', 'E-mail', 'Work Email'),
  spec('name', 'Full Name', 'Contact Name'),
  spec('first_name', 'First Name', 'Given Name'),
  spec('last_name', 'Last Name', 'Surname', 'Family Name'),
  spec('title', 'Job Title'),
  spec('phone', 'Phone Number', 'Mobile Phone', 'Mobile Phone Number', 'Business Phone'),
  spec('persona'),
  spec('left_at', 'Left Company', 'Left Date', 'Departure Date'),
  spec('account_external_id', 'Account ID', 'Associated Company ID', 'Associated Company ID (Primary)', 'Company ID'),
  spec('account_name', 'Account Name', 'Company Name', 'Associated Company', 'Associated Company (Primary)', 'Company'),
  spec('momentum_account_id'),
  // List keys (semicolon-separated) the contact agreed to: accepted only with the file's stated proof of consent.
  spec('consent_lists', 'Consent Lists', 'Subscribed Lists'),
];

const contractFields = [
  spec('momentum_id'),
  spec('contract_external_id', 'Contract ID', 'Contract Number', 'external_id'),
  spec('account_external_id', 'Account ID'),
  spec('account_name', 'Account Name'),
  spec('momentum_account_id'),
  spec('name', 'Contract Name'),
  spec('status', 'Contract Status'),
  spec('start_date', 'Contract Start Date'),
  spec('end_date', 'Contract End Date'),
  spec('renewal_date', 'Renewal Date'),
  spec('auto_renew', 'Auto Renew', 'Auto Renewal'),
  spec('currency', 'Contract Currency', 'Currency ISO Code'),
  spec('services'),
  spec('support_entitlement', 'Support Level', 'Support Plan'),
  spec('offering', 'Product', 'Product Name'),
  spec('quantity'),
  spec('unit_price', 'Unit Price', 'Sales Price'),
  spec('billing', 'Billing Type'),
  spec('renewable'),
];

/** Columns Momentum's export writes that are derived (ARR, timestamps): accepted on import and not written. */
const derived: Record<ImportType, readonly string[]> = {
  accounts: ['arr', 'next_renewal_date', 'created_at', 'updated_at'],
  contacts: ['momentum_id', 'created_at', 'updated_at'],
  contracts: ['arr', 'created_at', 'updated_at'],
};

export const fieldsByType: Record<ImportType, readonly FieldSpec[]> = { accounts: accountFields, contacts: contactFields, contracts: contractFields };

/** Any of these columns satisfies a requirement (the first is the one to name). */
const required: Record<ImportType, readonly (readonly string[])[]> = {
  accounts: [['name'], ['external_id', 'momentum_id']],
  contacts: [['email']],
  contracts: [['contract_external_id', 'momentum_id'], ['account_external_id', 'account_name', 'momentum_account_id'], ['name'], ['start_date'], ['end_date']],
};

/** Case, space, punctuation and accent insensitive: "Billing State/Province" = "billing_state_province" = "BillingStateProvince". */
export const normaliseHeader = (header: string): string =>
  header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

export interface HeaderMap {
  headers: string[];
  /** Field to the columns feeding it, best alias first: a row's value is the first non-empty one. */
  fields: Map<string, number[]>;
  /** Custom field key to its column. */
  custom: Map<string, number>;
  /** Headers that map to nothing (reported as warnings). */
  unknown: string[];
  /** Requirements no column satisfies: the field to name and a ready-made message. */
  missing: { field: string; message: string }[];
}

export function mapHeaders(type: ImportType, headers: string[], customFields: CustomField[]): HeaderMap {
  const specs = fieldsByType[type];
  const byAlias = new Map<string, { field: string; rank: number }>();
  for (const s of specs) {
    s.aliases.forEach((alias, rank) => {
      const key = normaliseHeader(alias);
      if (!byAlias.has(key)) byAlias.set(key, { field: s.field, rank });
    });
  }
  const customByName = new Map<string, string>();
  for (const f of customFields) {
    customByName.set(normaliseHeader(f.key), f.key);
    if (!customByName.has(normaliseHeader(f.label))) customByName.set(normaliseHeader(f.label), f.key);
  }
  const ranked = new Map<string, { index: number; rank: number }[]>();
  const custom = new Map<string, number>();
  const unknown: string[] = [];
  const ignored = new Set(derived[type].map(normaliseHeader));
  headers.forEach((header, index) => {
    const key = normaliseHeader(header);
    if (key === '') return;
    const hit = byAlias.get(key);
    if (hit) {
      const list = ranked.get(hit.field) ?? [];
      list.push({ index, rank: hit.rank });
      ranked.set(hit.field, list);
      return;
    }
    if (ignored.has(key)) return;
    if (type === 'contracts') {
      unknown.push(header);
      return;
    }
    const customKey = /^custom[._]/i.test(header.trim()) ? header.trim().slice(7) : undefined;
    // custom.<key> naming no field of this workspace is an unknown column (a warning), not an error on every row.
    const field = customKey !== undefined ? customFields.find((f) => f.key === customKey)?.key : customByName.get(key);
    if (field !== undefined) {
      if (!custom.has(field)) custom.set(field, index);
      return;
    }
    unknown.push(header);
  });
  const fields = new Map<string, number[]>();
  for (const [field, list] of ranked)
    fields.set(
      field,
      list.sort((a, b) => a.rank - b.rank || a.index - b.index).map((c) => c.index),
    );
  const missing = required[type]
    .filter((anyOf) => !anyOf.some((f) => fields.has(f)))
    .map((anyOf) => {
      const accepted = anyOf.flatMap((f) => specs.find((s) => s.field === f)?.aliases ?? [f]);
      const field = anyOf[0] ?? '';
      const distinct = accepted.filter((h, i) => accepted.findIndex((other) => normaliseHeader(other) === normaliseHeader(h)) === i);
      return { field, message: `missing required column: ${field} (accepted headers: ${distinct.join(', ')})` };
    });
  return { headers, fields, custom, unknown, missing };
}

/** The cell for a field: undefined when no column maps to it (leave the attribute as it is), else the first non-empty value, trimmed (and unguarded: see guardFormula). */
export function cell(map: HeaderMap, cells: string[], field: string): string | undefined {
  const columns = map.fields.get(field);
  if (!columns) return undefined;
  for (const index of columns) {
    const value = cells[index]?.trim();
    if (value) return unguardFormula(value);
  }
  return '';
}

/** The header a row error should name: the column the value came from, else the field's first mapped column. */
export function columnOf(map: HeaderMap, cells: string[], field: string): string {
  const columns = map.fields.get(field);
  if (!columns) return field;
  const index = columns.find((i) => cells[i]?.trim()) ?? columns[0];
  return index === undefined ? field : (map.headers[index] ?? field);
}
