import { type Expression, type SqlBool, sql } from 'kysely';
import type { Clock } from '../../lib/clock.ts';
import { escapeLike } from '../../lib/cursor.ts';
import { AppError, type ErrorDetail } from '../../lib/errors.ts';
import type { CustomField } from '../customfields/customfields.ts';
import { type AccountFilter, type AccountSort, arrayFields, type Condition, dateFields, numberFields, textFields } from './accounts.schema.ts';

type Kind = 'text' | 'array' | 'number' | 'date' | 'boolean';

const opsByKind: Record<Kind, readonly string[]> = {
  text: ['eq', 'neq', 'in', 'not_in', 'contains', 'is_set', 'is_not_set'],
  array: ['has', 'has_any', 'has_none', 'is_set', 'is_not_set'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'is_set', 'is_not_set'],
  date: ['eq', 'gt', 'gte', 'lt', 'lte', 'within_days', 'is_set', 'is_not_set'],
  boolean: ['eq', 'neq', 'is_set', 'is_not_set'],
};

interface Target {
  kind: Kind;
  expr: Expression<unknown>;
}

function targetOf(field: string, customFields: Map<string, CustomField>): Target | string {
  if ((textFields as readonly string[]).includes(field)) return { kind: 'text', expr: sql.ref(`accounts.${field}`) };
  if ((arrayFields as readonly string[]).includes(field)) return { kind: 'array', expr: sql.ref(`accounts.${field}`) };
  if ((numberFields as readonly string[]).includes(field)) return { kind: 'number', expr: sql.ref(`accounts.${field}`) };
  if ((dateFields as readonly string[]).includes(field)) return { kind: 'date', expr: sql.ref(`accounts.${field}`) };
  if (field.startsWith('custom.')) {
    const key = field.slice(7);
    const def = customFields.get(key);
    if (!def) return `is not a custom field of this workspace`;
    const text = sql`accounts.custom->>${key}`;
    switch (def.type) {
      case 'number':
        return { kind: 'number', expr: sql`(${text})::numeric` };
      case 'date':
        return { kind: 'date', expr: sql`(${text})::date` };
      case 'boolean':
        return { kind: 'boolean', expr: sql`(${text})::boolean` };
      default:
        return { kind: 'text', expr: text };
    }
  }
  return 'is not a filterable account field';
}

function asList(value: Condition['value']): Array<string | number | boolean> {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Compiles one condition; returns an error message instead when it does not fit the field. */
function compile(c: Condition, target: Target, clock: Clock): Expression<SqlBool> | string {
  const { kind, expr } = target;
  if (!opsByKind[kind].includes(c.op)) return `operator ${c.op} does not apply to this field (use one of: ${opsByKind[kind].join(', ')})`;
  if (c.op === 'is_set') return kind === 'array' ? sql<SqlBool>`cardinality(${expr}) > 0` : sql<SqlBool>`${expr} is not null`;
  if (c.op === 'is_not_set') return kind === 'array' ? sql<SqlBool>`cardinality(${expr}) = 0` : sql<SqlBool>`${expr} is null`;
  const list = asList(c.value);
  if (list.length === 0) return 'needs a value';
  const one = list[0];
  switch (c.op) {
    case 'in':
    case 'not_in': {
      const values = list.map(String);
      return c.op === 'in' ? sql<SqlBool>`${expr} = any(${values}::text[])` : sql<SqlBool>`(${expr} is null or not (${expr} = any(${values}::text[])))`;
    }
    case 'has':
      return sql<SqlBool>`${expr} @> ${list.map(String)}::text[]`;
    case 'has_any':
      return sql<SqlBool>`${expr} && ${list.map(String)}::text[]`;
    case 'has_none':
      return sql<SqlBool>`not (${expr} && ${list.map(String)}::text[])`;
    case 'contains':
      return sql<SqlBool>`${expr} ilike ${`%${escapeLike(String(one))}%`}`;
    case 'within_days': {
      const days = Number(one);
      if (!Number.isInteger(days) || days < 0 || days > 3650) return 'must be a whole number of days';
      const today = clock.now().toISOString().slice(0, 10);
      return sql<SqlBool>`(${expr} >= ${today}::date and ${expr} < ${today}::date + ${days}::int)`;
    }
  }
  const value = checkScalar(kind, one);
  if (typeof value === 'object') return value.error;
  const op = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' }[c.op as 'eq'];
  if (kind === 'number') return sql<SqlBool>`${expr} ${sql.raw(op)} ${value}::numeric`;
  if (kind === 'date') return sql<SqlBool>`${expr} ${sql.raw(op)} ${value}::timestamptz`;
  if (kind === 'boolean') return sql<SqlBool>`${expr} ${sql.raw(op)} ${value}::boolean`;
  return c.op === 'neq' ? sql<SqlBool>`${expr} is distinct from ${value}` : sql<SqlBool>`${expr} = ${value}`;
}

function checkScalar(kind: Kind, value: unknown): string | number | boolean | { error: string } {
  if (kind === 'number') {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(n) ? n : { error: 'must be a number' };
  }
  if (kind === 'date') return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : { error: 'must be a date (YYYY-MM-DD)' };
  if (kind === 'boolean') return typeof value === 'boolean' ? value : value === 'true' ? true : value === 'false' ? false : { error: 'must be true or false' };
  return String(value);
}

/** Compiles a filter to a WHERE expression, or throws a validation error naming each bad condition. */
export function compileFilter(filter: AccountFilter, customFields: CustomField[], clock: Clock, pathPrefix = 'filter'): Expression<SqlBool> {
  const byKey = new Map(customFields.map((f) => [f.key, f]));
  const details: ErrorDetail[] = [];
  const all = (conditions: Condition[], path: string): Expression<SqlBool>[] =>
    conditions.flatMap((c, i) => {
      const at = `${path}.${i}`;
      const target = targetOf(c.field, byKey);
      if (typeof target === 'string') {
        details.push({ path: `${at}.field`, message: `${c.field} ${target}` });
        return [];
      }
      const compiled = compile(c, target, clock);
      if (typeof compiled === 'string') {
        details.push({ path: `${at}.${compiled.startsWith('operator') ? 'op' : 'value'}`, message: compiled });
        return [];
      }
      return [compiled];
    });
  const parts: Expression<SqlBool>[] = [];
  if (filter.q) {
    const like = `%${escapeLike(filter.q)}%`;
    parts.push(sql<SqlBool>`(accounts.name ilike ${like} or accounts.domain ilike ${like} or accounts.external_id = ${filter.q})`);
  }
  parts.push(...all(filter.conditions, `${pathPrefix}.conditions`));
  if (filter.anyOf && filter.anyOf.length > 0) {
    const groups = filter.anyOf.map((group, g) => sql<SqlBool>`(${sql.join(all(group, `${pathPrefix}.anyOf.${g}`), sql` and `)})`);
    parts.push(sql<SqlBool>`(${sql.join(groups, sql` or `)})`);
  }
  if (details.length > 0) throw new AppError('validation_failed', details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
  return parts.length === 0 ? sql<SqlBool>`true` : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

interface SortSpec {
  column: string;
  expr: ReturnType<typeof sql>;
  cast: string;
  desc: boolean;
}

export function sortSpec(sort: AccountSort): SortSpec {
  const desc = sort.startsWith('-');
  const column = desc ? sort.slice(1) : sort;
  switch (column) {
    case 'name':
      return { column, expr: sql`lower(accounts.name)`, cast: 'text', desc };
    case 'arr':
      return { column, expr: sql`accounts.arr`, cast: 'numeric', desc };
    case 'next_renewal_date':
      return { column, expr: sql`coalesce(accounts.next_renewal_date, 'infinity'::date)`, cast: 'date', desc };
    case 'created_at':
      return { column, expr: sql`accounts.created_at`, cast: 'timestamptz', desc };
    default:
      return { column: 'updated_at', expr: sql`accounts.updated_at`, cast: 'timestamptz', desc };
  }
}
