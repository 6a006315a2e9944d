import type { OpenAPIV3_1 } from 'openapi-types';
import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import {
  momentActionPayloadSchema,
  webhookDeliveryDetailSchema,
  webhookDeliverySchema,
  webhookDeliveryStatuses,
  webhookEndpointCreateSchema,
  webhookEndpointSchema,
  webhookEndpointUpdateSchema,
  webhookEventSchema,
  webhookEvents,
  webhookPayloadSchema,
  webhookRotateSchema,
  webhookSecretResultSchema,
  webhookTestPayloadSchema,
  webhookTestResultSchema,
} from './webhooks.schema.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookDelivery,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  replayWebhookDelivery,
  rotateWebhookSecret,
  sendTestWebhook,
  updateWebhookEndpoint,
} from './webhooks.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };
const idParams = z.object({ id: z.uuid() });
const tags = ['webhooks'];

/**
 * The payload of every event an endpoint can receive, for the OpenAPI document's `webhooks` section (OpenAPI 3.1):
 * one POST per event type, signed per Standard Webhooks.
 */
export function webhooksOpenApi(): Record<string, OpenAPIV3_1.PathItemObject> {
  const post = (name: string, when: string, schema: z.ZodType, responses: string) => [
    name,
    {
      post: {
        summary: name,
        description: `Sent when ${when}. Headers: webhook-id, webhook-timestamp, webhook-signature (Standard Webhooks; see docs/webhooks.md).`,
        tags,
        requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input' }) } } },
        responses: { '200': { description: responses } },
      },
    },
  ];
  const delivered = 'Any 2xx: delivered. 410: the endpoint is disabled. Anything else: retried.';
  // zod's JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) is wider than openapi-types' SchemaObject.
  return Object.fromEntries([
    ...webhookEvents.map((event) => post(event.name, event.when, webhookPayloadSchema(event), delivered)),
    post(
      'Moment Action',
      "an automated moment's `webhook` action runs, to the endpoint registered for its URL",
      momentActionPayloadSchema,
      'Any 2xx: done. Anything else: tried again at the next run, missed after three tries.',
    ),
    post('Webhook Test', 'a member sends a test message', webhookTestPayloadSchema, 'Shown to the member; not retried.'),
  ]) as Record<string, OpenAPIV3_1.PathItemObject>;
}

export const webhooksRoutes = defineRoutes((app, { db, clock, config }) => {
  const check = { allowPrivate: config.webhooksAllowPrivate };

  app.get(
    '/webhook-events',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'listWebhookEvents',
        tags,
        summary: 'The events an endpoint can subscribe to, with their properties',
        response: { 200: z.object({ items: z.array(webhookEventSchema) }), ...errors },
      },
    },
    async () => ({ items: webhookEvents.map((e) => ({ name: e.name, when: e.when, properties: e.properties })) }),
  );

  app.get(
    '/webhooks',
    {
      config: { access: 'admin' },
      schema: { operationId: 'listWebhookEndpoints', tags, response: { 200: z.object({ items: z.array(webhookEndpointSchema) }), ...errors } },
    },
    async (request) => ({ items: await listWebhookEndpoints(db, clock, actorOf(request)) }),
  );

  app.post(
    '/webhooks',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'createWebhookEndpoint',
        tags,
        summary: 'Register an endpoint; its signing secret is in this response only',
        body: webhookEndpointCreateSchema,
        response: { 201: webhookSecretResultSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createWebhookEndpoint(db, clock, actorOf(request), request.body, check)),
  );

  app.get(
    '/webhooks/:id',
    {
      config: { access: 'admin' },
      schema: { operationId: 'getWebhookEndpoint', tags, params: idParams, response: { 200: webhookEndpointSchema, ...errors } },
    },
    async (request) => getWebhookEndpoint(db, clock, actorOf(request), request.params.id),
  );

  app.patch(
    '/webhooks/:id',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'updateWebhookEndpoint',
        tags,
        summary: 'Change the URL, description or events; disable or enable again',
        params: idParams,
        body: webhookEndpointUpdateSchema,
        response: { 200: webhookEndpointSchema, ...errors },
      },
    },
    async (request) => updateWebhookEndpoint(db, clock, actorOf(request), request.params.id, request.body, check),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'deleteWebhookEndpoint',
        tags,
        summary: 'Delete an endpoint: nothing more is sent and waiting deliveries are given up',
        params: idParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteWebhookEndpoint(db, clock, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary: 'A new signing secret (in this response only); the previous one keeps signing during the grace period',
        params: idParams,
        body: webhookRotateSchema.default({ graceHours: 24 }),
        response: { 200: webhookSecretResultSchema, ...errors },
      },
    },
    async (request) => rotateWebhookSecret(db, clock, actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/webhooks/:id/test',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'testWebhookEndpoint',
        tags,
        summary: 'Send a signed "Webhook Test" message now and see the answer (not queued, not retried)',
        params: idParams,
        response: { 200: webhookTestResultSchema, ...errors },
      },
    },
    async (request) => sendTestWebhook(db, clock, actorOf(request), request.params.id, { allowPrivate: config.webhooksAllowPrivate }),
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'listWebhookDeliveries',
        tags,
        summary: "An endpoint's delivery log, newest first",
        params: idParams,
        querystring: z.object({ status: z.enum(webhookDeliveryStatuses).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ items: z.array(webhookDeliverySchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listWebhookDeliveries(db, actorOf(request), request.params.id, request.query) }),
  );

  app.get(
    '/webhook-deliveries/:id',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'getWebhookDelivery',
        tags,
        summary: 'One delivery: the payload, and each attempt with its request headers, response and timing',
        params: idParams,
        response: { 200: webhookDeliveryDetailSchema, ...errors },
      },
    },
    async (request) => getWebhookDelivery(db, actorOf(request), request.params.id),
  );

  app.post(
    '/webhook-deliveries/:id/replay',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'replayWebhookDelivery',
        tags,
        summary: 'Send a delivered or failed delivery again (409 when its endpoint was deleted)',
        params: idParams,
        response: { 202: webhookDeliverySchema, ...errors, 409: errorSchema },
      },
    },
    async (request, reply) => reply.status(202).send(await replayWebhookDelivery(db, clock, actorOf(request), request.params.id)),
  );
});
