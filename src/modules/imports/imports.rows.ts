// Row validation: turns CSV cells into the operations' inputs, collecting every problem as a row-level error.
import { emailSchema } from '../../lib/email.ts';
import { AppError } from '../../lib/errors.ts';
import { isUuid } from '../../lib/ids.ts';
import { buyingCultures, digitalTypes, employeeBands, touchModels } from '../accounts/accounts.schema.ts';
import type { AccountInput } from '../accounts/accounts.ts';
import { personas } from '../contacts/contacts.schema.ts';
import type { ContactInput } from '../contacts/contacts.ts';
import { type CustomField, checkCustomValues } from '../customfields/customfields.ts';
import { type CsvRow, unguardFormula } from './imports.csv.ts';
import { cell, columnOf, type HeaderMap } from './imports.mapping.ts';
import type { RowError } from './imports.schema.ts';

/** Existing accounts, loaded once per import: contacts and contracts reference them, account rows update them. */
export interface AccountIndex {
  byId: Map<string, { externalId: string | null; name: string; custom: Record<string, unknown> }>;
  byExternalId: Map<string, string>;
  /** Lower-cased name to ids (a name may be shared). */
  byName: Map<string, string[]>;
}

/** Reads one row's cells as typed values; each problem becomes an error naming the row and column. */
export class RowReader {
  readonly errors: RowError[] = [];
  readonly map: HeaderMap;
  readonly row: CsvRow;

  constructor(map: HeaderMap, row: CsvRow) {
    this.map = map;
    this.row = row;
  }

  fail(field: string, message: string): undefined {
    this.errors.push({ row: this.row.row, column: columnOf(this.map, this.row.cells, field), message });
    return undefined;
  }

  raw(field: string): string | undefined {
    return cell(this.map, this.row.cells, field);
  }

  /** undefined: no such column (unchanged); null: the cell is empty (cleared). */
  text(field: string, max: number): string | null | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    if (value === '') return null;
    if (value.length > max) return this.fail(field, `must be at most ${max} characters`);
    return value;
  }

  required(field: string, max: number): string | undefined {
    const value = this.text(field, max);
    if (value === null) return this.fail(field, 'is required');
    return value ?? undefined;
  }

  /** A semicolon-separated list ("Analytics; Workflow"). */
  list(field: string, maxItems = 100, maxItem = 100): string[] | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    const items = [
      ...new Set(
        value
          .split(';')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    if (items.length > maxItems) return this.fail(field, `must list at most ${maxItems} values`);
    const long = items.find((i) => i.length > maxItem);
    if (long) return this.fail(field, `each value must be at most ${maxItem} characters`);
    return items;
  }

  /** One of a fixed set of keys; "Value Created" and "value-created" read as value_created. */
  choice<T extends string>(field: string, allowed: readonly T[]): T | null | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    if (value === '') return null;
    const key = value.toLowerCase().replace(/[\s-]+/g, '_');
    if ((allowed as readonly string[]).includes(key)) return key as T;
    return this.fail(field, `must be one of: ${allowed.join(', ')}`);
  }

  number(field: string, min: number, max: number): number | null | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    if (value === '') return null;
    const n = parseNumber(value);
    if (n === undefined) return this.fail(field, 'must be a number like 1200.50');
    if (n < min || n > max) return this.fail(field, `must be between ${min} and ${max}`);
    return n;
  }

  boolean(field: string): boolean | null | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    if (value === '') return null;
    if (/^(true|yes|y|1)$/i.test(value)) return true;
    if (/^(false|no|n|0)$/i.test(value)) return false;
    return this.fail(field, 'must be true or false');
  }

  date(field: string): string | null | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    if (value === '') return null;
    const ok = /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
    return ok ? value : this.fail(field, 'must be a date as YYYY-MM-DD');
  }

  /** Custom attributes from custom.<key> columns, checked against the workspace's definitions. */
  custom(fields: CustomField[], existing: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    if (this.map.custom.size === 0 && (existing || !fields.some((f) => f.required))) return undefined;
    const values: Record<string, unknown> = {};
    for (const [key, index] of this.map.custom) values[key] = unguardFormula(this.row.cells[index]?.trim() ?? '');
    try {
      checkCustomValues(fields, values, existing, 'custom');
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      for (const d of error.details) {
        const key = d.path.slice('custom.'.length);
        const index = this.map.custom.get(key);
        this.errors.push({ row: this.row.row, column: index === undefined ? d.path : (this.map.headers[index] ?? d.path), message: d.message });
      }
    }
    return this.map.custom.size > 0 ? values : undefined;
  }
}

/** "1,200", "$ 1 200.50", "1200" read as numbers; anything else is not one. */
export function parseNumber(value: string): number | undefined {
  const cleaned = value.replace(/^[$€£¥]\s*|\s*[$€£¥]$/g, '').replace(/[,\s\u00a0]/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return undefined;
  return Number(cleaned);
}

/** Head counts (Salesforce "Employees", HubSpot "Number of Employees") become Momentum's employee bands. */
export function employeeBand(value: string): string {
  if ((employeeBands as readonly string[]).includes(value)) return value;
  const n = parseNumber(value);
  if (n === undefined || !Number.isInteger(n) || n < 0) return value;
  if (n <= 10) return '1-10';
  if (n <= 50) return '11-50';
  if (n <= 200) return '51-200';
  if (n <= 1000) return '201-1000';
  if (n <= 5000) return '1001-5000';
  return '5001+';
}

/** A Salesforce "Website" (https://www.acme.com/) becomes the domain acme.com; other text is kept as typed. */
function domainOf(value: string): string {
  if (!/^https?:\/\//i.test(value)) return value;
  try {
    return new URL(value).hostname.replace(/^www\./, '');
  } catch {
    return value;
  }
}

const phaseKey = /^[a-z][a-z0-9_]{0,49}$/;

export interface AccountRecord {
  row: number;
  /** Set when the row names a Momentum id: that account is updated (its external id may change). */
  momentumId?: string | undefined;
  input: AccountInput & { externalId: string | null; name: string };
}

export interface MemberLookup {
  byEmail: Map<string, string>;
  byName: Map<string, string[]>;
}

/** Validates one account row; returns undefined (with errors on the reader) when it cannot be imported. */
export function readAccount(
  r: RowReader,
  fields: CustomField[],
  accounts: AccountIndex,
  members: MemberLookup,
  unknownOwner: (value: string, row: number) => void,
): AccountRecord | undefined {
  const momentumId = r.text('momentum_id', 36) ?? undefined;
  if (momentumId && !(isUuid(momentumId) && accounts.byId.has(momentumId))) r.fail('momentum_id', 'is not the id of an account in this workspace');
  const externalId = r.text('external_id', 200) ?? null;
  if (!externalId && !momentumId) r.fail(r.map.fields.has('external_id') ? 'external_id' : 'momentum_id', 'is required: the key to create or update by');
  if (externalId && momentumId) {
    const owner = accounts.byExternalId.get(externalId);
    if (owner && owner !== momentumId) r.fail('external_id', 'is already used by another account');
  }
  const name = r.required('name', 200);
  const domain = r.text('domain', 253);
  const band = r.text('employee_band', 50);
  const phase = r.raw('phase');
  let phaseValue: string | undefined;
  if (phase) {
    phaseValue = phase.toLowerCase().replace(/[\s-]+/g, '_');
    if (!phaseKey.test(phaseValue)) r.fail('phase', 'must be a phase key like onboarding, ongoing or renewal');
  }
  const input: AccountRecord['input'] = {
    externalId,
    name: name ?? '',
    domain: domain ? domainOf(domain) : domain,
    industry: r.text('industry', 100),
    region: r.text('region', 100),
    employeeBand: band ? employeeBand(band) : band,
    offerings: r.list('offerings'),
    tags: r.list('tags'),
    buyingCulture: r.choice('buying_culture', buyingCultures),
    touchModel: r.choice('touch_model', touchModels),
    targetDigitalType: r.choice('target_digital_type', digitalTypes),
    phase: phaseValue,
  };
  const existing = momentumId ? accounts.byId.get(momentumId) : accounts.byId.get(accounts.byExternalId.get(externalId ?? '') ?? '');
  input.custom = r.custom(fields, existing?.custom);
  const csm = r.raw('csm');
  if (csm === '') input.team = { csm: null };
  else if (csm !== undefined) {
    const byEmail = members.byEmail.get(csm.toLowerCase());
    const byName = members.byName.get(csm.toLowerCase());
    const id = byEmail ?? (byName?.length === 1 ? byName[0] : undefined);
    if (id) input.team = { csm: id };
    else unknownOwner(csm, r.row.row);
  }
  if (r.errors.length > 0) return undefined;
  return { row: r.row.row, momentumId, input };
}

export interface ContactRecord {
  row: number;
  input: ContactInput & { email: string };
  /** Lists the contact agreed to (consent_lists column), granted with the file's proof of consent. */
  consentLists: string[];
}

export interface ContactIndex {
  byEmail: Map<string, { id: string; externalId: string | null; custom: Record<string, unknown>; leftAt: string | null }>;
  byExternalId: Map<string, string>;
}

/** Resolves a row's account: Momentum id, else external id, else a unique name. null: the columns are there and empty. */
export function readAccountRef(r: RowReader, accounts: AccountIndex): string | null | undefined {
  const momentumId = r.raw('momentum_account_id');
  const externalId = r.raw('account_external_id');
  const name = r.raw('account_name');
  if (momentumId === undefined && externalId === undefined && name === undefined) return undefined;
  if (momentumId) {
    return isUuid(momentumId) && accounts.byId.has(momentumId) ? momentumId : r.fail('momentum_account_id', 'is not the id of an account in this workspace');
  }
  const byExternal = externalId ? accounts.byExternalId.get(externalId) : undefined;
  if (byExternal) return byExternal;
  const named = name ? (accounts.byName.get(name.toLowerCase()) ?? []) : [];
  if (named.length === 1) return named[0];
  if (externalId) return r.fail('account_external_id', `no account has the external id "${externalId}" (import the accounts first)`);
  if (named.length > 1) return r.fail('account_name', `${named.length} accounts are named "${name}": add an account_external_id column to choose one`);
  if (name) return r.fail('account_name', `no account is named "${name}" (import the accounts first)`);
  return null;
}

export function readContact(
  r: RowReader,
  fields: CustomField[],
  accounts: AccountIndex,
  contacts: ContactIndex,
  lists: Map<string, string> = new Map(),
): ContactRecord | undefined {
  const rawEmail = r.raw('email') ?? '';
  const parsed = emailSchema.safeParse(rawEmail);
  if (rawEmail === '') r.fail('email', 'is required: the key to create or update by');
  else if (!parsed.success) r.fail('email', 'must be an email address like name@example.com');
  const email = parsed.success ? parsed.data : '';
  const existing = contacts.byEmail.get(email);
  let name = r.text('name', 200);
  if (!name) {
    const first = r.raw('first_name') ?? '';
    const last = r.raw('last_name') ?? '';
    const joined = `${first} ${last}`.trim();
    if (joined.length > 200) r.fail(r.map.fields.has('first_name') ? 'first_name' : 'last_name', 'the full name must be at most 200 characters');
    name = joined || null;
  }
  const externalId = r.text('external_id', 200);
  if (externalId) {
    const owner = contacts.byExternalId.get(externalId);
    if (owner && owner !== existing?.id) r.fail('external_id', 'is already used by another contact');
  }
  const input: ContactRecord['input'] = {
    email,
    // A new contact without a name is named after its email; an existing one keeps its name.
    name: name ?? (existing ? undefined : email),
    externalId,
    title: r.text('title', 200),
    phone: r.text('phone', 50),
    persona: r.choice('persona', personas) ?? undefined,
    leftAt: leftAt(r.date('left_at'), existing?.leftAt),
    accountId: readAccountRef(r, accounts),
  };
  input.custom = r.custom(fields, existing?.custom);
  const consentLists = readConsentLists(r, lists);
  if (r.errors.length > 0) return undefined;
  return { row: r.row.row, input, consentLists };
}

/** The lists a row's consent_lists column names (keys of this workspace's unarchived lists), as list ids. */
function readConsentLists(r: RowReader, lists: Map<string, string>): string[] {
  const keys = r.list('consent_lists') ?? [];
  const ids: string[] = [];
  for (const key of keys) {
    const id = lists.get(key.toLowerCase());
    if (id) ids.push(id);
    else r.fail('consent_lists', `"${key}" is not the key of a list of this workspace (see Messaging > Lists)`);
  }
  return ids;
}

/** The day a contact left (a date column); the same day as stored keeps the stored time, so a re-import changes nothing. */
function leftAt(day: string | null | undefined, stored: string | null | undefined): string | null | undefined {
  if (day === undefined || day === null) return day;
  return stored?.slice(0, 10) === day ? undefined : `${day}T00:00:00.000Z`;
}
