import type { FastifyError } from 'fastify';
import { z } from 'zod';
import { errorSchema, handleError } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { AppError } from '../../lib/errors.ts';
import { batchBodySchema, MAX_REQUEST_BYTES, type SegmentType, singleBodySchema } from './events.schema.ts';
import { ingestEvent, ingestEvents, listEvents } from './events.ts';
import { createEventWriter } from './events.writer.ts';

const ingestResult = z
  .object({
    success: z.literal(true),
    accepted: z.number().describe('valid events: stored now or already stored under the same messageId'),
    stored: z.number(),
    duplicates: z.number(),
    dropped: z.number().describe('malformed events left out; the others were kept'),
    errors: z.array(z.object({ index: z.number(), messageId: z.string().nullable(), reason: z.string() })),
  })
  .meta({ id: 'IngestResult' });

const ingestErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 429: errorSchema };

/** Requests allowed to wait for the database at once; beyond it callers get 429 and retry (Segment clients do). */
export const MAX_IN_FLIGHT = 64;
const RETRY_AFTER_SECONDS = 1;

interface ReplyHeaders {
  header(name: string, value: string): unknown;
}

/**
 * Bounds the requests waiting on the database at once (one per app): past the bound a request is refused with 429
 * and Retry-After, which Segment clients honour and retry, so nothing is dropped silently.
 */
export function inFlightLimit(max: number) {
  let inFlight = 0;
  return async <T>(reply: ReplyHeaders, work: () => Promise<T>): Promise<T> => {
    if (inFlight >= max) {
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      throw new AppError('rate_limited', `Momentum is ingesting as fast as it can: retry after ${RETRY_AFTER_SECONDS} second(s)`);
    }
    inFlight++;
    try {
      return await work();
    } finally {
      inFlight--;
    }
  };
}

/**
 * Segment-compatible HTTP Tracking API (/v1/track, /v1/batch ...): HTTP Basic with an ingest key as user name, or
 * the body's writeKey. Registered without a prefix, in the ingestion group of app.ts.
 */
export const ingestRoutes = defineRoutes((app, { db, clock, config, onIngested, telemetry }) => {
  // One writer per app: concurrent track batches share statements and commits (several lanes on PostgreSQL).
  const writer = createEventWriter(db, { lanes: config.databaseUrl ? 8 : 1 });
  // analytics-node sometimes labels its JSON text/plain; in this scope only, text/plain bodies are parsed as JSON.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new AppError('bad_request', 'Body is not valid JSON: send a Segment message or {"batch": [...]} as JSON'), undefined);
    }
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const message = `A request may be at most ${MAX_REQUEST_BYTES / 1024} KB (as Segment's API): send fewer events per batch`;
      return reply
        .status(400)
        .type('application/json')
        .send({ error: { code: 'payload_too_large', message } });
    }
    return handleError(error, request, reply);
  });

  // Browser SDKs (analytics.js) post here from the customer's pages: any origin may send events and read the answer.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('access-control-allow-origin', '*');
    return payload;
  });
  app.options('/v1/:call', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('access-control-allow-methods', 'POST')
      .header('access-control-allow-headers', 'authorization, content-type')
      .header('access-control-max-age', '86400')
      .status(204)
      .send(),
  );

  const admit = inFlightLimit(MAX_IN_FLIGHT);

  app.post(
    '/v1/batch',
    {
      bodyLimit: MAX_REQUEST_BYTES,
      config: { access: 'ingest' },
      schema: {
        operationId: 'ingestBatch',
        tags: ['ingestion'],
        summary: 'Segment batch: up to 2,500 events, 500 KB; malformed events are dropped and counted',
        body: batchBodySchema,
        response: { 200: ingestResult, ...ingestErrors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const actor = actorOf(request);
      const result = await admit(reply, () => ingestEvents(db, clock, actor, { messages: body.batch, sentAt: body.sentAt, context: body.context }, writer));
      telemetry?.observeIngest(result);
      if (result.stored > 0) onIngested?.(actor.workspaceId);
      return { success: true as const, ...result };
    },
  );

  const single = (type: SegmentType, operationId: string) =>
    app.post(
      `/v1/${type}`,
      {
        bodyLimit: MAX_REQUEST_BYTES,
        config: { access: 'ingest' },
        schema: {
          operationId,
          tags: ['ingestion'],
          summary: `Segment ${type} call`,
          body: singleBodySchema,
          response: { 200: ingestResult, ...ingestErrors },
        },
      },
      async (request, reply) => {
        const actor = actorOf(request);
        const result = await admit(reply, () => ingestEvent(db, clock, actor, { ...request.body, type }, writer));
        telemetry?.observeIngest(result);
        if (result.stored > 0) onIngested?.(actor.workspaceId);
        return { success: true as const, ...result };
      },
    );
  single('track', 'ingestTrack');
  single('identify', 'ingestIdentify');
  single('group', 'ingestGroup');
  single('page', 'ingestPage');
  single('screen', 'ingestScreen');
  single('alias', 'ingestAlias');
});

export const storedEventSchema = z
  .object({
    id: z.string(),
    messageId: z.string(),
    type: z.string(),
    name: z.string().nullable(),
    userId: z.string().nullable(),
    anonymousId: z.string().nullable(),
    groupId: z.string().nullable(),
    accountId: z.string().nullable(),
    contactId: z.string().nullable(),
    properties: z.record(z.string(), z.unknown()),
    traits: z.record(z.string(), z.unknown()).nullable(),
    context: z.record(z.string(), z.unknown()),
    timestamp: z.string().describe('corrected time: receivedAt - (sentAt - originalTimestamp)'),
    originalTimestamp: z.string().nullable(),
    sentAt: z.string().nullable(),
    receivedAt: z.string(),
    future: z.boolean().describe('more than a day ahead of receipt'),
    channel: z.string(),
    digital: z.boolean(),
  })
  .meta({ id: 'Event' });

const listQuery = z.strictObject({
  accountId: z.uuid().optional(),
  name: z.string().max(200).optional(),
  userId: z.string().max(256).optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('inclusive, ISO 8601'),
  to: z.iso.datetime({ offset: true }).optional().describe('exclusive, ISO 8601'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});

/** Querying stored events (members and admin keys): /api/v1/events. */
export const eventsRoutes = defineRoutes((app, { db }) => {
  app.get(
    '/events',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listEvents',
        tags: ['events'],
        summary: 'Events newest first, by account, name, user and time range',
        querystring: listQuery,
        response: {
          200: z.object({ items: z.array(storedEventSchema), nextCursor: z.string().nullable() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return listEvents(db, actorOf(request), {
        accountId: q.accountId,
        name: q.name,
        userId: q.userId,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );
});
