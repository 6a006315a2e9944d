import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import {
  metricCreateSchema,
  metricPreviewInputSchema,
  metricPreviewSchema,
  metricSavedSchema,
  metricSchema,
  metricUpdateSchema,
  metricValueSchema,
  seenEventSchema,
} from './metrics.schema.ts';
import {
  accountMetrics,
  createMetric,
  deleteMetric,
  getMetric,
  listMetrics,
  listSeenEvents,
  previewMetricDefinition,
  updateMetric,
  withWarnings,
} from './metrics.ts';

const idParams = z.object({ id: z.uuid() });
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

/** Workspace-defined metrics (derived data) and their values per account: /api/v1/metrics, /api/v1/accounts/:id/metrics. */
export const metricsRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/metrics',
    {
      config: { access: 'read' },
      schema: { operationId: 'listMetrics', tags: ['metrics'], response: { 200: z.object({ items: z.array(metricSchema) }), ...errors } },
    },
    async (request) => ({ items: await listMetrics(db, actorOf(request)) }),
  );
  app.get(
    '/metrics/event-names',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listMetricEventNames',
        tags: ['metrics'],
        summary: 'The event names that have arrived in this workspace (up to 500, alphabetical), to choose a metric’s event',
        response: { 200: z.object({ items: z.array(seenEventSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listSeenEvents(db, actorOf(request)) }),
  );
  app.post(
    '/metrics/preview',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'previewMetric',
        tags: ['metrics'],
        summary:
          'What a metric definition would show on this workspace’s data (daily values, accounts with a value, the top accounts), with warnings such as an event never seen; saves nothing',
        body: metricPreviewInputSchema,
        response: { 200: metricPreviewSchema, ...errors },
      },
    },
    async (request) => previewMetricDefinition(db, clock, actorOf(request), request.body),
  );
  app.get(
    '/metrics/:id',
    { config: { access: 'read' }, schema: { operationId: 'getMetric', tags: ['metrics'], params: idParams, response: { 200: metricSchema, ...errors } } },
    async (request) => getMetric(db, actorOf(request), request.params.id),
  );
  app.post(
    '/metrics',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'createMetric',
        tags: ['metrics'],
        summary: 'Defines a metric; the answer carries warnings about the definition (an event never seen ...), which never refuse it',
        body: metricCreateSchema,
        response: { 201: metricSavedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      return reply.status(201).send(await withWarnings(db, actor, await createMetric(db, clock, actor, request.body)));
    },
  );
  app.patch(
    '/metrics/:id',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'updateMetric',
        tags: ['metrics'],
        params: idParams,
        body: metricUpdateSchema,
        response: { 200: metricSavedSchema, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return withWarnings(db, actor, await updateMetric(db, clock, actor, request.params.id, request.body));
    },
  );
  app.delete(
    '/metrics/:id',
    { config: { access: 'admin' }, schema: { operationId: 'deleteMetric', tags: ['metrics'], params: idParams, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      await deleteMetric(db, clock, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/accounts/:id/metrics',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getAccountMetrics',
        tags: ['metrics'],
        summary: "An account's metric values: 7/28/90-day windows, week-over-week change, last seen and 90 days of daily history",
        params: idParams,
        response: { 200: z.object({ accountId: z.string(), asOf: z.string(), metrics: z.array(metricValueSchema) }), ...errors },
      },
    },
    async (request) => accountMetrics(db, clock, actorOf(request), request.params.id),
  );
});
