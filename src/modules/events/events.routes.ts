import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorSchema, handleError, handleNotFound } from '../../http/errors.ts';
import { type App, type AppDeps, actorOf, defineRoutes } from '../../http/types.ts';
import { AppError } from '../../lib/errors.ts';
import { inflateRequestBody } from './events.decompress.ts';
import { contactNames } from './events.queries.ts';
import { batchBodySchema, MAX_REQUEST_BYTES, type SegmentType, segmentTypes, singleBodySchema } from './events.schema.ts';
import { listedEventSchema } from './events.stored.schema.ts';
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

/** analytics.js 2.0 (the browser SDK) posts to the first letter of each call's type; b is its batching mode. */
const SHORT_PATHS: Record<SegmentType, string> = { track: 't', identify: 'i', group: 'g', page: 'p', screen: 's', alias: 'a' };

/** Headers a page on another origin may read: analytics.js waits X-RateLimit-Reset seconds after a 429. */
const EXPOSED_HEADERS = 'x-ratelimit-reset, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset';

function parseJsonBody(_request: unknown, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) {
  try {
    done(null, JSON.parse(body.toString()));
  } catch {
    done(new AppError('bad_request', 'Body is not valid JSON: send a Segment message or {"batch": [...]} as JSON'), undefined);
  }
}

/** The ingestion scope's errors: body limits and compression said in Segment's terms, the rest as everywhere. */
function ingestErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const encoding = request.headers['content-encoding'];
  const send = (status: number, code: string, message: string) => reply.status(status).type('application/json').send({ error: { code, message } });
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const decompressed = encoding && encoding !== 'identity' ? ' once decompressed' : '';
    return send(
      400,
      'payload_too_large',
      `A request may be at most ${MAX_REQUEST_BYTES / 1024} KB${decompressed} (as Segment's API): send fewer events per batch`,
    );
  }
  return handleError(error, request, reply);
}

/**
 * Segment-compatible HTTP Tracking API (/v1/track, /v1/batch ...), and analytics.js 2.0's short paths (/v1/t ... /v1/b):
 * HTTP Basic with an ingest key as user name, or the body's writeKey. Registered without a prefix, in the ingestion
 * group of app.ts; everything under /v1 (errors and unknown paths too) answers with CORS headers.
 */
export const ingestRoutes = defineRoutes(async (root, deps) => {
  await root.register(
    async (instance) => {
      await registerIngestion(instance.withTypeProvider<ZodTypeProvider>() as App, deps);
    },
    { prefix: '/v1' },
  );
});

async function registerIngestion(app: App, { db, clock, config, onIngested, telemetry }: AppDeps) {
  // One writer per app: concurrent track batches share statements and commits (several lanes on PostgreSQL).
  const writer = createEventWriter(db, { lanes: config.databaseUrl ? 8 : 1 });
  // Compressed bodies (Content-Encoding gzip or deflate) are inflated before parsing, in this scope only; the limit
  // applies to the inflated bytes, so a small bomb stops at 500 KB with 400.
  app.addHook('preParsing', inflateRequestBody);
  // analytics-node sometimes labels its JSON text/plain, analytics.js always does, and the RudderStack Node SDK sends its
  // gzipped JSON as application/x-www-form-urlencoded or without a type: in this scope every body is parsed as JSON.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, parseJsonBody);
  app.addContentTypeParser('*', { parseAs: 'buffer' }, parseJsonBody);
  app.setErrorHandler(ingestErrorHandler);
  app.setNotFoundHandler(handleNotFound);

  // Browser SDKs (analytics.js) post here from the customer's pages: any origin may send events and read the answer,
  // errors and unknown paths included (a browser reports a missing header as a CORS failure, hiding the real answer).
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    if (reply.statusCode === 429) reply.header('x-ratelimit-reset', String(reply.getHeader('retry-after') ?? RETRY_AFTER_SECONDS));
    return payload;
  });
  app.options('/:call', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('access-control-allow-methods', 'POST')
      .header('access-control-allow-headers', 'authorization, content-type, content-encoding')
      .header('access-control-max-age', '86400')
      .status(204)
      .send(),
  );

  const admit = inFlightLimit(MAX_IN_FLIGHT);

  const batch = (path: string, hide: boolean) =>
    app.post(
      path,
      {
        bodyLimit: MAX_REQUEST_BYTES,
        config: { access: 'ingest' },
        schema: {
          ...(hide ? { hide: true } : { operationId: 'ingestBatch' }),
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
  batch('/batch', false);
  // analytics.js 2.0 in batching mode; the same call as /v1/batch, left out of the OpenAPI document.
  batch('/b', true);

  const single = (type: SegmentType, path: string, operationId?: string) =>
    app.post(
      path,
      {
        bodyLimit: MAX_REQUEST_BYTES,
        config: { access: 'ingest' },
        schema: {
          ...(operationId ? { operationId } : { hide: true }),
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
  for (const type of segmentTypes) {
    single(type, `/${type}`, `ingest${type[0]?.toUpperCase()}${type.slice(1)}`);
    // analytics.js 2.0's short path for the same call, left out of the OpenAPI document.
    single(type, `/${SHORT_PATHS[type]}`);
  }
}

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
        summary: 'Events newest first, by account, name, user and time range, each with the contact who did it when known',
        querystring: listQuery,
        response: {
          200: z.object({ items: z.array(listedEventSchema), nextCursor: z.string().nullable() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const actor = actorOf(request);
      const page = await listEvents(db, actor, {
        accountId: q.accountId,
        name: q.name,
        userId: q.userId,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        limit: q.limit,
        cursor: q.cursor,
      });
      // Who did each event: its contact's name, one lookup for the page.
      const contacts = await contactNames(
        db,
        actor.workspaceId,
        page.items.flatMap((e) => (e.contactId ? [e.contactId] : [])),
      );
      return { ...page, items: page.items.map((e) => ({ ...e, contact: (e.contactId && contacts.get(e.contactId)) || null })) };
    },
  );
});
