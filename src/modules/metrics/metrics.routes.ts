import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { metricKinds, metricSchema, metricValueSchema } from './metrics.schema.ts';
import { accountMetrics, createMetric, deleteMetric, getMetric, listMetrics, updateMetric } from './metrics.ts';

const fields = {
  key: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_]{0,59}$/, 'must be a key like weekly_reports'),
  label: z.string().trim().min(1).max(200),
  kind: z.enum(metricKinds).describe('count of the event, distinct users, sum of a numeric property, or last seen'),
  eventName: z.string().trim().min(1).max(200).describe('the event name (a track event, page name or interaction)'),
  property: z.string().trim().min(1).max(200).nullable().optional().describe('the numeric property a sum metric adds up'),
};
const createBody = z.strictObject(fields).meta({ id: 'MetricCreate' });
const updateBody = z
  .strictObject({ ...fields, key: fields.key.optional(), label: fields.label.optional(), kind: fields.kind.optional(), eventName: fields.eventName.optional() })
  .meta({ id: 'MetricUpdate' });
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
    '/metrics/:id',
    { config: { access: 'read' }, schema: { operationId: 'getMetric', tags: ['metrics'], params: idParams, response: { 200: metricSchema, ...errors } } },
    async (request) => getMetric(db, actorOf(request), request.params.id),
  );
  app.post(
    '/metrics',
    { config: { access: 'admin' }, schema: { operationId: 'createMetric', tags: ['metrics'], body: createBody, response: { 201: metricSchema, ...errors } } },
    async (request, reply) => reply.status(201).send(await createMetric(db, clock, actorOf(request), request.body)),
  );
  app.patch(
    '/metrics/:id',
    {
      config: { access: 'admin' },
      schema: { operationId: 'updateMetric', tags: ['metrics'], params: idParams, body: updateBody, response: { 200: metricSchema, ...errors } },
    },
    async (request) => updateMetric(db, clock, actorOf(request), request.params.id, request.body),
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
