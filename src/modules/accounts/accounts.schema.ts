// Account shapes shared by the API, the import and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';
import { teamRoles } from '../../lib/actor.ts';
import { optionalText, text } from '../../lib/text.ts';

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

const csv = z
  .string()
  .max(2000)
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** The query of GET /accounts (and of the account export): simple filters, an advanced filter, sort and page. */
export const accountListQuerySchema = z.strictObject({
  q: z.string().trim().max(200).optional().describe('Search name and domain (contains), or an exact external id'),
  segment: z.uuid().optional().describe('Only accounts in this saved segment'),
  industry: csv.optional(),
  region: csv.optional(),
  touchModel: csv.optional(),
  buyingCulture: csv.optional(),
  targetDigitalType: csv.optional(),
  phase: csv.optional(),
  tag: csv.optional().describe('Accounts with any of these tags'),
  offering: csv.optional().describe('Accounts owning any of these offerings'),
  minArr: z.coerce.number().min(0).optional(),
  maxArr: z.coerce.number().min(0).optional(),
  renewalWithinDays: z.coerce.number().int().min(0).max(3650).optional(),
  team: z
    .union([z.literal('me'), z.uuid()], { error: 'must be a member id or "me"' })
    .optional()
    .describe('A member id, or "me": accounts on that member\'s team'),
  filter: z
    .string()
    .max(20000)
    .optional()
    .describe('Advanced: an AccountFilter as JSON, e.g. {"conditions":[{"field":"custom.plan","op":"eq","value":"gold"}]}'),
  sort: z.enum(accountSorts).default('name'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
});
export type AccountListQuery = z.infer<typeof accountListQuerySchema>;

/** One member of an account's team. */
export const teamMemberSchema = z.object({ role: z.enum(teamRoles), memberId: z.uuid(), name: z.string() });
export type TeamMember = z.infer<typeof teamMemberSchema>;

const accountFields = {
  id: z.uuid(),
  externalId: z.string().nullable(),
  name: z.string(),
  domain: z.string().nullable(),
  industry: z.string().nullable(),
  region: z.string().nullable(),
  employeeBand: z.string().nullable(),
  offerings: z.array(z.string()),
  tags: z.array(z.string()),
  buyingCulture: z.enum(buyingCultures).nullable(),
  touchModel: z.enum(touchModels).nullable(),
  targetDigitalType: z.enum(digitalTypes).nullable(),
  phase: z.string(),
  custom: z.record(z.string(), z.unknown()),
  arr: z.number(),
  nextRenewalDate: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
};

/** An account as the API returns it, with its team. */
export const accountSchema = z.object({ ...accountFields, team: z.array(teamMemberSchema) }).meta({ id: 'Account' });
export type AccountView = z.infer<typeof accountSchema>;

/** An account in a list: its CSM instead of the whole team. */
export const accountListItemSchema = z
  .object({ ...accountFields, csm: z.object({ id: z.string(), name: z.string() }).nullable() })
  .meta({ id: 'AccountListItem' });
export type AccountListItem = z.infer<typeof accountListItemSchema>;

export const accountListSchema = z.object({ items: z.array(accountListItemSchema), nextCursor: z.string().nullable(), total: z.number() });
export type AccountList = z.infer<typeof accountListSchema>;

const tagList = z.array(z.string().trim().min(1).max(100)).max(100);

const writable = {
  externalId: optionalText(200),
  domain: optionalText(253),
  industry: optionalText(100),
  region: optionalText(100),
  employeeBand: optionalText(50),
  offerings: tagList.optional(),
  tags: tagList.optional(),
  buyingCulture: z.enum(buyingCultures).nullable().optional(),
  touchModel: z.enum(touchModels).nullable().optional(),
  targetDigitalType: z.enum(digitalTypes).nullable().optional(),
  phase: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_]{0,49}$/, 'must be a phase key like onboarding, ongoing or renewal')
    .optional(),
  custom: z.record(z.string(), z.unknown()).optional(),
  team: z.partialRecord(z.enum(teamRoles), z.uuid().nullable()).optional(),
};

export const accountCreateSchema = z.strictObject({ name: text(200), ...writable }).meta({ id: 'AccountCreate' });
export const accountUpdateSchema = z.strictObject({ name: text(200).optional(), ...writable }).meta({ id: 'AccountUpdate' });
/** A PATCH /accounts/:id body as the caller sends it. */
export type AccountUpdate = z.input<typeof accountUpdateSchema>;

/** Most accounts one bulk action changes (the console selects at most a page of 500). */
export const BULK_MAX = 1000;
const bulkIds = z.array(z.uuid()).min(1, 'select at least one account').max(BULK_MAX);
const tag = z.string().trim().min(1).max(100);

/** A bulk action on selected accounts: all of them change, or none (one missing account stops the whole action). */
export const accountBulkSchema = z
  .discriminatedUnion('action', [
    z.strictObject({ action: z.literal('tag'), ids: bulkIds, tag }),
    z.strictObject({ action: z.literal('untag'), ids: bulkIds, tag }),
    z.strictObject({
      action: z.literal('assign'),
      ids: bulkIds,
      role: z.enum(teamRoles),
      memberId: z.uuid().nullable().describe('the member to put in the role, or null to leave it empty'),
    }),
  ])
  .meta({ id: 'AccountBulkAction' });
export type AccountBulkAction = z.infer<typeof accountBulkSchema>;
export const accountBulkResultSchema = z
  .object({ action: z.enum(['tag', 'untag', 'assign']), selected: z.number(), changed: z.number().describe('accounts that were not already so') })
  .meta({ id: 'AccountBulkResult' });
export type AccountBulkResult = z.infer<typeof accountBulkResultSchema>;
