import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { sha256 } from '../lib/crypto.ts';
import { AppError } from '../lib/errors.ts';
import { errorSchema } from './errors.ts';
import type { AppDeps } from './types.ts';

const MINUTE_MS = 60_000;

/** Which limit a route counts against: the ingestion endpoints, the REST API, or none (pages, health, control). */
function limitOfRoute(route: { url?: string | undefined; config?: { access?: string } | undefined }): 'ingest' | 'api' | undefined {
  if (route.config?.access === 'ingest') return 'ingest';
  if (route.url?.startsWith('/api/v1/')) return 'api';
  return undefined;
}

const limitOf = (request: FastifyRequest) => limitOfRoute(request.routeOptions);

/**
 * Who is counted: the API key (or write key) by its id, a console session by its token's hash, anyone else by client
 * address. Runs after authentication (preValidation, once the ingestion write key in the body is known).
 */
function callerKey(request: FastifyRequest): string {
  const group = limitOf(request) ?? 'none';
  const actor = request.actor;
  if (actor?.type === 'api_key' && actor.id) return `${group}:key:${actor.id}`;
  if (request.sessionToken) return `${group}:session:${sha256(request.sessionToken).slice(0, 32)}`;
  return `${group}:ip:${request.ip}`;
}

/**
 * Per-caller request limits on /api/v1 and the ingestion endpoints (@fastify/rate-limit, in this process's memory):
 * RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset on every counted answer (the IETF draft's names), and past
 * the limit a 429 in the usual error shape with Retry-After.
 */
export async function registerRateLimits(app: FastifyInstance, { config }: AppDeps): Promise<void> {
  const { apiPerMinute, ingestPerMinute } = config.rateLimits;
  // The OpenAPI document says which routes may answer 429.
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as { response?: Record<string, unknown> } | undefined;
    if (schema?.response && limitOfRoute(route as Parameters<typeof limitOfRoute>[0])) schema.response = { ...schema.response, 429: errorSchema };
  });
  const maxOf = (request: FastifyRequest) => (limitOf(request) === 'ingest' ? ingestPerMinute : apiPerMinute);
  await app.register(rateLimit, {
    global: true,
    hook: 'preValidation',
    timeWindow: MINUTE_MS,
    enableDraftSpec: true,
    // Bounded memory: the least recently seen callers are forgotten first.
    cache: 50_000,
    keyGenerator: callerKey,
    max: (request) => maxOf(request),
    allowList: (request) => limitOf(request) === undefined || maxOf(request) === 0,
    errorResponseBuilder: (request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      const who = request.actor?.type === 'api_key' ? 'this API key' : request.sessionToken ? 'this session' : 'this client address';
      const what = limitOf(request) === 'ingest' ? 'ingestion requests' : 'API requests';
      return new AppError('rate_limited', `Too many ${what}: ${who} may make ${context.max} per minute. Try again in ${seconds} s.`, [], {
        retryAfterSeconds: seconds,
      });
    },
  });
}
