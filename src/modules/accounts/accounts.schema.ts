// Account shapes shared by the API, the import and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';

export const buyingCultures = ['value_offered', 'value_added', 'value_created', 'value_captured'] as const;
export const touchModels = ['high', 'low', 'tech'] as const;
export const digitalTypes = ['digital_first', 'digital_hybrid', 'digital_support'] as const;
export const lifecyclePhases = ['onboarding', 'ongoing', 'renewal'] as const;
export type BuyingCulture = (typeof buyingCultures)[number];
export type TouchModel = (typeof touchModels)[number];
export type DigitalType = (typeof digitalTypes)[number];

export const employeeBands = ['1-10', '11-50', '51-200', '201-1000', '1001-5000', '5001+'] as const;

export const textFields = [
  'name',
  'external_id',
  'domain',
  'industry',
  'region',
  'employee_band',
  'phase',
  'buying_culture',
  'touch_model',
  'target_digital_type',
] as const;
export const arrayFields = ['offerings', 'tags'] as const;
export const numberFields = ['arr'] as const;
export const dateFields = ['next_renewal_date', 'created_at', 'updated_at'] as const;
export const filterOps = [
  'eq',
  'neq',
  'in',
  'not_in',
  'contains',
  'gt',
  'gte',
  'lt',
  'lte',
  'has',
  'has_any',
  'has_none',
  'within_days',
  'is_set',
  'is_not_set',
] as const;

const scalar = z.union([z.string().max(500), z.number(), z.boolean()]);

/** One condition of a segment filter: `{ field: "arr", op: "gte", value: 50000 }`, `{ field: "custom.plan", op: "eq", value: "gold" }`. */
export const conditionSchema = z.strictObject({
  field: z.string().regex(/^([a-z_]+|custom\.[a-z][a-z0-9_]*)$/, 'must be an account field or custom.<key>'),
  op: z.enum(filterOps),
  value: z.union([scalar, z.array(scalar).max(500)]).optional(),
});

/**
 * A saved filter over account attributes: `q` searches name and domain, every condition must hold (AND), and, when
 * `anyOf` is given, at least one of its groups must hold too (OR between groups, AND within one).
 */
export const accountFilterSchema = z
  .strictObject({
    q: z.string().trim().max(200).optional(),
    conditions: z.array(conditionSchema).max(50).default([]),
    anyOf: z
      .array(z.array(conditionSchema).min(1, 'a group needs at least one condition').max(50))
      .max(10)
      .optional()
      .describe('groups of conditions of which at least one must hold, e.g. [[tier is gold], [ARR >= 100000]]'),
  })
  .meta({ id: 'AccountFilter' });

/** The accounts every one of the filters matches, as one filter (the groups of two filters multiply out). */
export function andFilters(...filters: AccountFilter[]): AccountFilter {
  const q = filters
    .map((f) => f.q)
    .filter(Boolean)
    .join(' ')
    .trim();
  let anyOf: Condition[][] | undefined;
  for (const f of filters) {
    if (!f.anyOf || f.anyOf.length === 0) continue;
    anyOf = anyOf ? anyOf.flatMap((a) => (f.anyOf as Condition[][]).map((b) => [...a, ...b])) : f.anyOf;
  }
  return { ...(q && { q }), conditions: filters.flatMap((f) => f.conditions), ...(anyOf && { anyOf }) };
}

/** Every condition of a filter, the groups' included. */
export function allConditions(filter: AccountFilter): Condition[] {
  return [...filter.conditions, ...(filter.anyOf ?? []).flat()];
}

export type Condition = z.infer<typeof conditionSchema>;
export type AccountFilter = z.infer<typeof accountFilterSchema>;

export const accountSorts = [
  'name',
  '-name',
  'arr',
  '-arr',
  'next_renewal_date',
  '-next_renewal_date',
  'created_at',
  '-created_at',
  'updated_at',
  '-updated_at',
] as const;
export type AccountSort = (typeof accountSorts)[number];
