import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import scalar from '@scalar/fastify-api-reference';
import Fastify, { LogController } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { controlRoutes } from './cli/control.routes.ts';
import { authorise, authoriseWriteKey } from './http/auth.ts';
import { handleError, handleNotFound } from './http/errors.ts';
import { healthRoutes } from './http/health.routes.ts';
import { refuseUnstorableText } from './http/input.ts';
import { registerRateLimits } from './http/rate-limit.ts';
import { serveWeb } from './http/static.ts';
import type { Access, App, AppDeps } from './http/types.ts';
import { accountsRoutes } from './modules/accounts/accounts.routes.ts';
import { apiKeysRoutes } from './modules/apikeys/apikeys.routes.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { campaignsRoutes } from './modules/campaigns/campaigns.routes.ts';
import { capacityRoutes } from './modules/capacity/capacity.routes.ts';
import { consentPagesRoutes } from './modules/consent/consent.pages.ts';
import { consentRoutes } from './modules/consent/consent.routes.ts';
import { contactsRoutes } from './modules/contacts/contacts.routes.ts';
import { contractsRoutes } from './modules/contracts/contracts.routes.ts';
import { customFieldsRoutes } from './modules/customfields/customfields.routes.ts';
import { createEventEvaluator } from './modules/engine/engine.stream.ts';
import { eventsRoutes, ingestRoutes } from './modules/events/events.routes.ts';
import { homeRoutes } from './modules/home/home.routes.ts';
import { importRoutes } from './modules/imports/imports.routes.ts';
import { authRoutes, membersRoutes } from './modules/members/members.routes.ts';
import { messagingPagesRoutes } from './modules/messaging/messaging.pages.ts';
import { messagingRoutes } from './modules/messaging/messaging.routes.ts';
import { metricsRoutes } from './modules/metrics/metrics.routes.ts';
import { modelsRoutes } from './modules/models/models.routes.ts';
import { momentsRoutes } from './modules/moments/moments.routes.ts';
import { calendarFeedRoutes, notificationsRoutes } from './modules/notifications/notifications.routes.ts';
import { releasesRoutes } from './modules/releases/releases.routes.ts';
import { segmentsRoutes } from './modules/segments/segments.routes.ts';
import { streamsRoutes } from './modules/streams/streams.routes.ts';
import { systemRoutes } from './modules/system/system.routes.ts';
import { telemetryRoutes } from './modules/telemetry/telemetry.routes.ts';
import { templatesRoutes } from './modules/templates/templates.routes.ts';
import { timelineRoutes } from './modules/timeline/timeline.routes.ts';
import { webhooksOpenApi, webhooksRoutes } from './modules/webhooks/webhooks.routes.ts';

export const BODY_LIMIT = 1024 * 1024;

/** Every route file, in one ordered list, grouped by audience. */
const apiV1 = [
  authRoutes,
  membersRoutes,
  apiKeysRoutes,
  auditRoutes,
  customFieldsRoutes,
  accountsRoutes,
  contactsRoutes,
  consentRoutes,
  contractsRoutes,
  timelineRoutes,
  segmentsRoutes,
  eventsRoutes,
  metricsRoutes,
  importRoutes,
  modelsRoutes,
  momentsRoutes,
  capacityRoutes,
  homeRoutes,
  notificationsRoutes,
  releasesRoutes,
  webhooksRoutes,
  messagingRoutes,
  templatesRoutes,
  campaignsRoutes,
  streamsRoutes,
  systemRoutes,
];
/** Segment-compatible ingestion (/v1/track, /v1/batch ...), registered without a prefix. */
const ingestion = [ingestRoutes];
/** Public pages for contacts, no sign-in (subscribe, confirm, preferences, unsubscribe), registered without a prefix. */
const publicPages = [consentPagesRoutes, messagingPagesRoutes];

export interface BuildOptions {
  logger?: boolean;
  /** Serve the built console and portal (off in API tests). */
  web?: boolean;
}

const CSP = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:', 'https:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  workerSrc: ["'self'", 'blob:'],
};
const DOCS_CSP = Object.entries({ ...CSP, scriptSrc: ["'self'", "'unsafe-inline'"] })
  .map(([name, values]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(' ')}`)
  .join('; ');

/** JSON lines for collectors; readable lines (pino-pretty, in a worker thread) for a terminal. */
function loggerOptions(config: AppDeps['config']) {
  if (config.logFormat === 'json') return { level: config.logLevel };
  return {
    level: config.logLevel,
    transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,reqId' } },
  };
}

/** Builds the Fastify app; never listens (serve.ts does). */
export async function buildApp(deps: AppDeps, options: BuildOptions = {}): Promise<App> {
  const app = Fastify({
    logger: options.logger ? loggerOptions(deps.config) : false,
    // For people reading a terminal, one line per request is noise: requests are logged at debug level only.
    logController: new LogController({
      disableRequestLogging: deps.config.logFormat === 'pretty' && !['debug', 'trace'].includes(deps.config.logLevel),
    }),
    bodyLimit: BODY_LIMIT,
    trustProxy: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  app.decorateRequest('actor', undefined);
  app.decorateRequest('sessionToken', undefined);

  await app.register(cookie, { secret: deps.config.secret });
  // Security headers on every answer, and a content security policy: everything from this server (scripts only
  // from its files), never framed by another site (clickjacking). Styles may be inline: Mantine, CodeMirror and
  // recharts set them at run time, and the public pages and email previews carry their own. Images may come from
  // any https host (an email template's pictures in its preview).
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP },
    frameguard: { action: 'deny' },
    // Browser SDKs on customers' sites post events here (CORS); nothing needs cross-origin isolation.
    crossOriginResourcePolicy: false,
    crossOriginEmbedderPolicy: false,
  });
  // The API reference starts itself with an inline script (Scalar's page): only there are inline scripts allowed.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/docs')) reply.header('content-security-policy', DOCS_CSP);
  });
  await app.register(multipart, { limits: { fileSize: 100 * 1024 * 1024, files: 1 } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Momentum API', version: '1', description: 'Customer engagement platform: accounts, contacts, contracts, segments and more.' },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer mk_...`' },
          session: { type: 'apiKey', in: 'cookie', name: 'momentum_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
      // What Momentum posts to webhook endpoints: one payload schema per event type.
      webhooks: webhooksOpenApi(),
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // The API reference is a public page.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config as object), access: 'public' };
  });
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
  // Self-hosted and offline: no fonts from an outside host, no telemetry, and none of the hosted vendor's buttons
  // (its API client, "Ask AI", deploy and SDK generation, the developer toolbar).
  await app.register(scalar, {
    routePrefix: '/docs',
    configuration: {
      url: '/openapi.json',
      pageTitle: 'Momentum API',
      withDefaultFonts: false,
      telemetry: false,
      hideClientButton: true,
      showDeveloperTools: 'never',
      agent: { disabled: true },
      mcp: { disabled: true },
    },
  });
  // Every route declares who may call it: there is no default. Checked at start-up, once every plugin's onRoute
  // hooks (which may set the access of the routes they own) have run on the same route options.
  const routes: { method: string | string[]; url: string; config?: unknown }[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.decorate('declaredRoutes', () =>
    routes.map((r) => ({ method: r.method, url: r.url, access: (r.config as { access?: Access } | undefined)?.access ?? null })),
  );
  app.addHook('onReady', async () => {
    const undeclared = routes.filter((r) => !(r.config as { access?: string } | undefined)?.access).map((r) => `${r.method} ${r.url}`);
    if (undeclared.length > 0) throw new Error(`Routes without a declared access (config.access): ${undeclared.join(', ')}`);
  });
  const telemetry = deps.telemetry;
  if (telemetry) {
    app.addHook('onResponse', async (request, reply) => {
      telemetry.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    });
  }
  app.addHook('onRequest', authorise(deps));
  app.addHook('preValidation', authoriseWriteKey(deps));
  app.addHook('preValidation', refuseUnstorableText);
  // Per-caller limits on /api/v1 and ingestion, counted once the caller is known (after the hooks above).
  await registerRateLimits(app, deps);

  await app.register(healthRoutes(deps));
  await app.register(controlRoutes(deps));
  await app.register(telemetryRoutes(deps));
  await app.register(calendarFeedRoutes(deps));
  for (const routes of apiV1) await app.register(routes(deps), { prefix: '/api/v1' });
  // Event rules run as events arrive (an event to an open moment within a second), unless the caller wires its own.
  const evaluator = deps.onIngested
    ? undefined
    : createEventEvaluator(deps.db, deps.clock, (error) => app.log.error({ err: error }, 'event evaluation failed'), telemetry?.observeEvaluation);
  const ingestDeps: AppDeps = { ...deps, onIngested: deps.onIngested ?? evaluator?.notify };
  if (evaluator) app.addHook('onClose', () => evaluator.idle());
  for (const routes of ingestion) await app.register(routes(ingestDeps));
  for (const routes of publicPages) await app.register(routes(deps));
  // A member's or key's write may record events of its own (a sponsor replaced, a release published): evaluate them now
  // rather than at the next minute sweep.
  const notify = ingestDeps.onIngested;
  if (notify) {
    app.addHook('onResponse', async (request, reply) => {
      if (request.method !== 'GET' && reply.statusCode < 400 && request.url.startsWith('/api/v1/') && request.actor) notify(request.actor.workspaceId);
    });
  }
  if (options.web) await app.register(serveWeb());
  return app;
}
