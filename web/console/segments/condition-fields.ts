// What the segment condition builder offers: the filterable account fields (from the shared schema),
// custom.<key> fields, and the operators each kind of field accepts (as the API's filter compiler does).
import {
  type AccountFilter,
  allConditions,
  arrayFields,
  buyingCultures,
  type Condition,
  dateFields,
  digitalTypes,
  employeeBands,
  type filterOps,
  lifecyclePhases,
  numberFields,
  textFields,
  touchModels,
} from '../../../src/modules/accounts/accounts.schema.ts';
import type { CustomFieldView as CustomField } from '../../../src/modules/customfields/customfields.schema.ts';
import { humanize } from '../../ui/format.ts';

export type FilterOp = (typeof filterOps)[number];
export type FieldKind = 'text' | 'array' | 'number' | 'date' | 'boolean';

export const opsByKind: Record<FieldKind, readonly FilterOp[]> = {
  text: ['eq', 'neq', 'in', 'not_in', 'contains', 'is_set', 'is_not_set'],
  array: ['has', 'has_any', 'has_none', 'is_set', 'is_not_set'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'is_set', 'is_not_set'],
  date: ['eq', 'gt', 'gte', 'lt', 'lte', 'within_days', 'is_set', 'is_not_set'],
  boolean: ['eq', 'neq', 'is_set', 'is_not_set'],
};

export const opLabels: Record<FilterOp, string> = {
  eq: 'is',
  neq: 'is not',
  in: 'is any of',
  not_in: 'is none of',
  contains: 'contains',
  gt: 'is greater than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
  has: 'has all of',
  has_any: 'has any of',
  has_none: 'has none of',
  within_days: 'is within the next (days)',
  is_set: 'is set',
  is_not_set: 'is not set',
};

/** Operators whose value is a list of values. */
export const listOps: readonly FilterOp[] = ['in', 'not_in', 'has', 'has_any', 'has_none'];
/** Operators that take no value. */
export const unaryOps: readonly FilterOp[] = ['is_set', 'is_not_set'];

export interface FieldInfo {
  field: string;
  label: string;
  kind: FieldKind;
  group: string;
  /** Known values, offered as choices (enums, select custom fields). */
  values?: readonly string[];
}

const knownValues: Record<string, readonly string[]> = {
  buying_culture: buyingCultures,
  touch_model: touchModels,
  target_digital_type: digitalTypes,
  phase: lifecyclePhases,
  employee_band: employeeBands,
};

const customKind = (type: CustomField['type']): FieldKind =>
  type === 'number' ? 'number' : type === 'date' ? 'date' : type === 'boolean' ? 'boolean' : 'text';

export function conditionFields(customFields: CustomField[]): FieldInfo[] {
  const label = (field: string) => (field === 'arr' ? 'ARR' : humanize(field));
  return [
    ...textFields.map((field) => ({ field, label: label(field), kind: 'text' as const, group: 'Profile', values: knownValues[field] })),
    ...arrayFields.map((field) => ({ field, label: label(field), kind: 'array' as const, group: 'Profile' })),
    ...numberFields.map((field) => ({ field, label: label(field), kind: 'number' as const, group: 'Revenue' })),
    ...dateFields.map((field) => ({ field, label: label(field), kind: 'date' as const, group: 'Dates' })),
    ...customFields.map((f) => ({
      field: `custom.${f.key}`,
      label: f.label,
      kind: customKind(f.type),
      group: 'Custom attributes',
      ...(f.type === 'select' && { values: f.options }),
    })),
  ];
}

/** The value a condition should start with after its field or operator changes. */
export function defaultValue(info: FieldInfo | undefined, op: FilterOp): Condition['value'] {
  if (unaryOps.includes(op)) return undefined;
  if (listOps.includes(op)) return [];
  if (op === 'within_days') return 30;
  if (info?.kind === 'number') return 0;
  if (info?.kind === 'boolean') return true;
  return '';
}

/** A condition in words: "Touch model is any of high, low". */
export function describeCondition(c: Condition, fields: FieldInfo[]): string {
  const info = fields.find((f) => f.field === c.field);
  const name = info?.label ?? c.field;
  const shown = (v: unknown) => (info?.values && typeof v === 'string' ? humanize(v) : String(v));
  const value = Array.isArray(c.value) ? c.value.map(shown).join(', ') : c.value === undefined ? '' : shown(c.value);
  return `${name} ${opLabels[c.op]}${value ? ` ${value}` : ''}`;
}

/**
 * The accounts list of a segment, sorted as the segment suggests: a segment on a date (renewing in 90 days) lists the
 * nearest date first; others by name.
 */
export function accountsOf(segment: { id: string; filter: AccountFilter }): string {
  const renewing = allConditions(segment.filter).some((c) => c.field === 'next_renewal_date');
  return `/accounts?segment=${segment.id}${renewing ? '&sort=next_renewal_date' : ''}`;
}
