import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { channels, interactionSchema, timelineEntrySchema } from './timeline.schema.ts';
import { listTimeline, recordInteraction } from './timeline.ts';

const listQuery = z.strictObject({
  channel: z.enum(channels).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(1000).optional(),
});

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };
const accountParams = z.object({ id: z.uuid() });

export const timelineRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/accounts/:id/timeline',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listAccountTimeline',
        tags: ['timeline'],
        summary: "An account's interactions, newest first, paged with a cursor",
        params: accountParams,
        querystring: listQuery,
        response: { 200: z.object({ items: z.array(timelineEntrySchema), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (request) => listTimeline(db, actorOf(request), request.params.id, request.query),
  );

  app.post(
    '/accounts/:id/timeline',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'recordInteraction',
        tags: ['timeline'],
        summary: "Record an interaction (meeting, call, email ...) on an account's timeline",
        params: accountParams,
        body: interactionSchema.meta({ id: 'InteractionCreate' }),
        response: { 201: timelineEntrySchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await recordInteraction(db, clock, actorOf(request), { ...request.body, accountId: request.params.id })),
  );
});
