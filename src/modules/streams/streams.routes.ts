import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { enrolmentSchema, enrolmentStates, streamCreateSchema, streamSchema, streamStatsSchema, streamUpdateSchema } from './streams.schema.ts';
import { streamStats } from './streams.stats.ts';
import { createStream, enrolMembersChoice, getStream, listEnrolments, listStreams, updateStream } from './streams.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = z.object({ id: z.uuid() });
const tags = ['streams'];

export const streamsRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/streams',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listStreams',
        tags,
        summary: 'Nurture streams, with their enrolment counts',
        response: { 200: z.object({ items: z.array(streamSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listStreams(db, actorOf(request)) }),
  );

  app.post(
    '/streams',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'createStream',
        tags,
        summary: 'Create a nurture stream (a draft: set status active to start it)',
        body: streamCreateSchema,
        response: { 201: streamSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createStream(db, clock, actorOf(request), request.body)),
  );

  app.get(
    '/streams/:id',
    { config: { access: 'read' }, schema: { operationId: 'getStream', tags, params: idParams, response: { 200: streamSchema, ...errors } } },
    async (request) => getStream(db, actorOf(request), request.params.id),
  );

  app.patch(
    '/streams/:id',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'updateStream',
        tags,
        summary: 'Change a stream, or start, pause, resume or archive it (an active stream takes new steps at the end and new delays only)',
        params: idParams,
        body: streamUpdateSchema,
        response: { 200: streamSchema, ...errors },
      },
    },
    async (request) => updateStream(db, clock, actorOf(request), request.params.id, request.body),
  );

  app.get(
    '/streams/:id/stats',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getStreamStats',
        tags,
        summary: 'The funnel: entered, each step (sent, opened, clicked …), completed, exited by reason',
        params: idParams,
        response: { 200: streamStatsSchema, ...errors },
      },
    },
    async (request) => streamStats(db, actorOf(request), request.params.id),
  );

  app.get(
    '/streams/:id/enrolments',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listStreamEnrolments',
        tags,
        params: idParams,
        querystring: z.strictObject({ state: z.enum(enrolmentStates).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ items: z.array(enrolmentSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listEnrolments(db, actorOf(request), request.params.id, request.query) }),
  );

  app.post(
    '/streams/:id/enrolments',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'enrolInStream',
        tags,
        summary: 'Enrol contacts by hand (each contact once, ever; the stream must be active or paused)',
        params: idParams,
        body: z.strictObject({ contactIds: z.array(z.uuid()).min(1).max(1000) }),
        response: {
          200: z.object({ enrolled: z.number(), skipped: z.number().describe('Enrolled before (re-entry is off) or not a contact here') }),
          ...errors,
        },
      },
    },
    async (request) => enrolMembersChoice(db, clock, actorOf(request), request.params.id, request.body.contactIds),
  );
});
