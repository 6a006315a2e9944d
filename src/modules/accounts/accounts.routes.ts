import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import type { Actor, TeamRole } from '../../lib/actor.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { findSegment } from '../segments/segments.ts';
import {
  type AccountFilter,
  type AccountListQuery,
  accountBulkResultSchema,
  accountBulkSchema,
  accountCreateSchema,
  accountFilterSchema,
  accountListQuerySchema,
  accountListSchema,
  accountSchema,
  accountUpdateSchema,
  andFilters,
  type Condition,
} from './accounts.schema.ts';
import { bulkUpdateAccounts, createAccount, deleteAccount, getAccount, listAccounts, updateAccount } from './accounts.ts';

// The account export (imports.routes.ts) takes the same query and imports it from here.
export { accountListQuerySchema as listQuery } from './accounts.schema.ts';

/** Turns the simple query parameters into filter conditions (one filter language for lists and segments). */
export function conditionsFromQuery(q: Omit<AccountListQuery, 'limit' | 'cursor'>): Condition[] {
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
  q: Omit<AccountListQuery, 'limit' | 'cursor'>,
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
        querystring: accountListQuerySchema,
        response: { 200: accountListSchema, ...errors },
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
      schema: { operationId: 'createAccount', tags: ['accounts'], body: accountCreateSchema, response: { 201: accountSchema, ...errors } },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createAccount(db, clock, actorOf(request), { ...request.body, team: request.body.team as Partial<Record<TeamRole, string | null>> })),
  );

  app.post(
    '/accounts/bulk',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'bulkUpdateAccounts',
        tags: ['accounts'],
        summary: 'Tag, untag or assign a team role on selected accounts: all of them change, or none',
        body: accountBulkSchema,
        response: { 200: accountBulkResultSchema, ...errors },
      },
    },
    async (request) => bulkUpdateAccounts(db, clock, actorOf(request), request.body),
  );

  app.patch(
    '/accounts/:id',
    {
      config: { access: 'write' },
      schema: { operationId: 'updateAccount', tags: ['accounts'], params: idParams, body: accountUpdateSchema, response: { 200: accountSchema, ...errors } },
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
