import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { getAccount } from '../accounts/accounts.ts';
import { getAccountEngagement } from '../engine/engine.ts';
import { engagementSchema, momentAssignSchema, momentInboxQuerySchema, momentInstanceSchema, momentTaskSchema } from './moments.schema.ts';
import { completeMoment, createTask, getMomentInstance, listAccountMoments, listMyMoments, reassignMoment } from './moments.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = z.object({ id: z.uuid() });
const list = z.object({ items: z.array(momentInstanceSchema) });
const tags = ['moments'];

export const momentsRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/moments',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listMyMoments',
        tags,
        summary: "My moments (the inbox): due within 7 days, overdue, upcoming, escalated, all open or completed; a lead's choice of member or the whole team",
        querystring: momentInboxQuerySchema,
        response: { 200: list, ...errors },
      },
    },
    async (request) => {
      const { view, limit, ...filter } = request.query;
      return { items: await listMyMoments(db, clock, actorOf(request), view, limit, filter) };
    },
  );

  app.post(
    '/moments/tasks',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'createTask',
        tags,
        summary: 'Create an ad-hoc task on an account: a moment without a model, with a due date and an assignee (default: me)',
        body: momentTaskSchema,
        response: { 201: momentInstanceSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createTask(db, clock, actorOf(request), request.body)),
  );

  app.post(
    '/moments/:id/assign',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'reassignMoment',
        tags,
        summary: 'Hand an open moment to another member (its assignee, an admin or an executive may)',
        params: idParams,
        body: momentAssignSchema,
        response: { 200: momentInstanceSchema, ...errors },
      },
    },
    async (request) => reassignMoment(db, clock, actorOf(request), request.params.id, request.body.memberId),
  );

  app.get(
    '/moments/:id',
    { config: { access: 'read' }, schema: { operationId: 'getMoment', tags, params: idParams, response: { 200: momentInstanceSchema, ...errors } } },
    async (request) => getMomentInstance(db, clock, actorOf(request), request.params.id),
  );

  app.post(
    '/moments/:id/complete',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'completeMoment',
        tags,
        summary: 'Complete (or skip) a moment with notes and an outcome',
        params: idParams,
        body: z.strictObject({
          status: z.enum(['done', 'skipped', 'missed']).default('done'),
          notes: z.string().trim().max(10_000).optional(),
          outcome: z.string().trim().max(2000).optional(),
        }),
        response: { 200: momentInstanceSchema, ...errors },
      },
    },
    async (request) => completeMoment(db, clock, actorOf(request), request.params.id, request.body),
  );

  app.get(
    '/accounts/:id/moments',
    {
      config: { access: 'read' },
      schema: { operationId: 'listAccountMoments', tags, summary: "An account's moments, newest first", params: idParams, response: { 200: list, ...errors } },
    },
    async (request) => {
      const actor = actorOf(request);
      await getAccount(db, actor, request.params.id);
      return { items: await listAccountMoments(db, clock, actor, request.params.id) };
    },
  );

  app.get(
    '/accounts/:id/engagement',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getAccountEngagement',
        tags,
        summary: 'The model version engaging an account (kept until that version is retired), its phase and phase history',
        params: idParams,
        response: { 200: engagementSchema, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await getAccount(db, actor, request.params.id);
      return getAccountEngagement(db, actor.workspaceId, request.params.id);
    },
  );
});
