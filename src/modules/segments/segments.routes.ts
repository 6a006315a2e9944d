import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { segmentCreateSchema, segmentPreviewResultSchema, segmentPreviewSchema, segmentSchema, segmentUpdateSchema } from './segments.schema.ts';
import { createSegment, deleteSegment, getSegment, listSegments, previewSegment, updateSegment } from './segments.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = z.object({ id: z.uuid() });

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
        body: segmentCreateSchema,
        response: { 201: segmentSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createSegment(db, clock, actorOf(request), request.body)),
  );

  app.post(
    '/segments/preview',
    {
      // A read: nothing is saved (POST only to carry the filter).
      config: { access: 'read' },
      schema: {
        operationId: 'previewSegment',
        tags: ['segments'],
        summary: 'Count the accounts a filter matches now, without saving it (the console counts while a segment is built)',
        body: segmentPreviewSchema,
        response: { 200: segmentPreviewResultSchema, ...errors },
      },
    },
    async (request) => previewSegment(db, clock, actorOf(request), request.body.filter),
  );

  app.patch(
    '/segments/:id',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'updateSegment',
        tags: ['segments'],
        params: idParams,
        body: segmentUpdateSchema,
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
