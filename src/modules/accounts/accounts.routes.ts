import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { type Actor, type TeamRole, teamRoles } from '../../lib/actor.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { findSegment } from '../segments/segments.ts';
import {
  type AccountFilter,
  accountFilterSchema,
  accountSorts,
  andFilters,
  buyingCultures,
  type Condition,
  digitalTypes,
  touchModels,
} from './accounts.schema.ts';
import { createAccount, deleteAccount, getAccount, listAccounts, updateAccount } from './accounts.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullable()
    .optional()
    .transform((v) => (v === '' ? null : v));
const tagList = z.array(z.string().trim().min(1).max(100)).max(100);

const teamSchema = z.object({ role: z.enum(teamRoles), memberId: z.uuid(), name: z.string() });

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

export const accountSchema = z.object({ ...accountFields, team: z.array(teamSchema) }).meta({ id: 'Account' });
const accountListItemSchema = z.object({ ...accountFields, csm: z.object({ id: z.string(), name: z.string() }).nullable() }).meta({ id: 'AccountListItem' });

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

const createBody = z.strictObject({ name: text(200), ...writable }).meta({ id: 'AccountCreate' });
const updateBody = z.strictObject({ name: text(200).optional(), ...writable }).meta({ id: 'AccountUpdate' });

const csv = z
  .string()
  .max(2000)
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

export const listQuery = z.strictObject({
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

type ListQuery = z.infer<typeof listQuery>;

/** Turns the simple query parameters into filter conditions (one filter language for lists and segments). */
export function conditionsFromQuery(q: Omit<ListQuery, 'limit' | 'cursor'>): Condition[] {
  const c: Condition[] = [];
  const inList = (field: string, values?: string[]) => {
    if (values?.length) c.push({ field, op: 'in', value: values });
  };
  inList('industry', q.industry);
  inList('region', q.region);
  inList('touch_model', q.touchModel);
  inList('buying_culture', q.buyingCulture);
  inList('target_digital_type', q.targetDigitalType);
  inList('phase', q.phase);
  if (q.tag?.length) c.push({ field: 'tags', op: 'has_any', value: q.tag });
  if (q.offering?.length) c.push({ field: 'offerings', op: 'has_any', value: q.offering });
  if (q.minArr !== undefined) c.push({ field: 'arr', op: 'gte', value: q.minArr });
  if (q.maxArr !== undefined) c.push({ field: 'arr', op: 'lte', value: q.maxArr });
  if (q.renewalWithinDays !== undefined) c.push({ field: 'next_renewal_date', op: 'within_days', value: q.renewalWithinDays });
  return c;
}

function parseFilterParam(raw: string | undefined) {
  if (!raw) return { conditions: [] as Condition[] };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new AppError('validation_failed', 'filter: is not valid JSON', [{ path: 'querystring.filter', message: 'is not valid JSON' }]);
  }
  const parsed = accountFilterSchema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: ['querystring', 'filter', ...i.path].join('.'), message: i.message }));
    throw new AppError('validation_failed', `filter: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
  }
  return parsed.data;
}

/** One filter from a list request: the saved segment's, the advanced JSON filter and the simple parameters, all ANDed. */
export async function accountQueryFromRequest(
  db: Db,
  actor: Actor,
  q: Omit<ListQuery, 'limit' | 'cursor'>,
): Promise<{ filter: AccountFilter; teamMemberId?: string }> {
  const advanced = parseFilterParam(q.filter);
  const segment = q.segment ? await findSegment(db, actor, q.segment) : undefined;
  if (q.segment && !segment) throw notFound('Segment');
  const simple: AccountFilter = { ...(q.q && { q: q.q }), conditions: conditionsFromQuery(q) };
  const filter = andFilters(...(segment ? [segment.filter] : []), advanced, simple);
  const teamMemberId = q.team === 'me' ? (actor.id ?? undefined) : q.team;
  return { filter, ...(teamMemberId && { teamMemberId }) };
}

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = z.object({ id: z.uuid() });

export const accountsRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/accounts',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listAccounts',
        tags: ['accounts'],
        summary: 'List accounts: filter, sort and page (cursor)',
        querystring: listQuery,
        response: { 200: z.object({ items: z.array(accountListItemSchema), nextCursor: z.string().nullable(), total: z.number() }), ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const q = request.query;
      const { filter, teamMemberId } = await accountQueryFromRequest(db, actor, q);
      return listAccounts(db, clock, actor, { filter, sort: q.sort, limit: q.limit, cursor: q.cursor, teamMemberId });
    },
  );

  app.get(
    '/accounts/:id',
    { config: { access: 'read' }, schema: { operationId: 'getAccount', tags: ['accounts'], params: idParams, response: { 200: accountSchema, ...errors } } },
    async (request) => getAccount(db, actorOf(request), request.params.id),
  );

  app.post(
    '/accounts',
    {
      config: { access: 'write' },
      schema: { operationId: 'createAccount', tags: ['accounts'], body: createBody, response: { 201: accountSchema, ...errors } },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createAccount(db, clock, actorOf(request), { ...request.body, team: request.body.team as Partial<Record<TeamRole, string | null>> })),
  );

  app.patch(
    '/accounts/:id',
    {
      config: { access: 'write' },
      schema: { operationId: 'updateAccount', tags: ['accounts'], params: idParams, body: updateBody, response: { 200: accountSchema, ...errors } },
    },
    async (request) => updateAccount(db, clock, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/accounts/:id',
    {
      config: { access: 'write' },
      schema: { operationId: 'deleteAccount', tags: ['accounts'], params: idParams, response: { 204: z.null(), ...errors } },
    },
    async (request, reply) => {
      await deleteAccount(db, clock, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
});
