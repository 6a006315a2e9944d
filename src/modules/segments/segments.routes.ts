import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { accountFilterSchema } from '../accounts/accounts.schema.ts';
import { createSegment, deleteSegment, getSegment, listSegments, updateSegment } from './segments.ts';

const segmentSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    filter: accountFilterSchema,
    count: z.number().describe('Accounts matching the filter now'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Segment' });

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = z.object({ id: z.uuid() });
const name = z.string().trim().min(1).max(100);
const description = z.string().trim().max(1000);

export const segmentsRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/segments',
    {
      config: { access: 'read' },
      schema: { operationId: 'listSegments', tags: ['segments'], response: { 200: z.object({ items: z.array(segmentSchema) }), ...errors } },
    },
    async (request) => ({ items: await listSegments(db, clock, actorOf(request)) }),
  );

  app.get(
    '/segments/:id',
    { config: { access: 'read' }, schema: { operationId: 'getSegment', tags: ['segments'], params: idParams, response: { 200: segmentSchema, ...errors } } },
    async (request) => getSegment(db, clock, actorOf(request), request.params.id),
  );

  app.post(
    '/segments',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'createSegment',
        tags: ['segments'],
        summary: 'Save a filter over account attributes as a segment',
        body: z.strictObject({ name, description: description.optional(), filter: accountFilterSchema }),
        response: { 201: segmentSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createSegment(db, clock, actorOf(request), request.body)),
  );

  app.patch(
    '/segments/:id',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'updateSegment',
        tags: ['segments'],
        params: idParams,
        body: z.strictObject({ name: name.optional(), description: description.optional(), filter: accountFilterSchema.optional() }),
        response: { 200: segmentSchema, ...errors },
      },
    },
    async (request) => updateSegment(db, clock, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/segments/:id',
    { config: { access: 'write' }, schema: { operationId: 'deleteSegment', tags: ['segments'], params: idParams, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      await deleteSegment(db, clock, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
});
