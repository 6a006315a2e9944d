// Webhook shapes shared by the API and the console (web/ may import this file: keep it free of server code).
import { z } from 'zod';
import { type CatalogEvent, momentumEvents } from '../events/events.catalog.ts';

/** The events an endpoint can subscribe to: the events Momentum records by itself (events.catalog.ts). */
export const webhookEvents: CatalogEvent[] = momentumEvents;
export const webhookEventNames: readonly string[] = webhookEvents.map((e) => e.name);

export const webhookEndpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string(),
    events: z.array(z.string()).nullable().describe('Event names sent; null: every event in the catalogue; []: none (automated-moment calls only)'),
    enabled: z.boolean(),
    disabledAt: z.string().nullable(),
    disabledReason: z.string().nullable().describe('Why the endpoint was disabled: by a member, a 410 Gone answer, or persistent failure'),
    failingSince: z.string().nullable().describe('The first failed attempt since the last successful one'),
    secretHint: z.string().describe('The start of the signing secret, to tell secrets apart (the secret itself is shown once)'),
    previousSecretExpiresAt: z.string().nullable().describe('After a rotation: until when the previous secret still signs too'),
    pending: z.number().describe('Deliveries waiting to be sent or retried'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

const url = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000)
  .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), { error: 'must not carry a user name or password' });
const description = z.string().trim().max(500);
const events = z
  .array(z.string().refine((name) => webhookEventNames.includes(name), { error: 'is not an event Momentum sends (see GET /api/v1/webhook-events)' }))
  .max(100)
  .transform((list) => [...new Set(list)])
  .nullable()
  .describe('Event names to send; null: every event (events added later included); []: none, for automated-moment calls only');

export const webhookEndpointCreateSchema = z
  .strictObject({ url, description: description.default(''), events: events.default(null) })
  .meta({ id: 'WebhookEndpointCreate' });
export const webhookEndpointUpdateSchema = z
  .strictObject({
    url: url.optional(),
    description: description.optional(),
    events: events.optional(),
    enabled: z.boolean().optional().describe('false disables it (nothing is sent, deliveries wait); true enables it again and resumes them'),
  })
  .meta({ id: 'WebhookEndpointUpdate' });
export const webhookRotateSchema = z
  .strictObject({
    graceHours: z.number().int().min(0).max(72).default(24).describe('How long the previous secret keeps signing too (0: stops at once)'),
  })
  .meta({ id: 'WebhookSecretRotate' });
export type WebhookEndpointCreate = z.input<typeof webhookEndpointCreateSchema>;
export type WebhookEndpointUpdate = z.input<typeof webhookEndpointUpdateSchema>;

export const webhookSecretResultSchema = z
  .object({ endpoint: webhookEndpointSchema, secret: z.string().describe('The signing secret (whsec_...), in this response only') })
  .meta({ id: 'WebhookEndpointWithSecret' });
export type WebhookSecretResult = z.infer<typeof webhookSecretResultSchema>;

/** What a test request got back (sent at once, not queued or retried). */
export const webhookTestResultSchema = z
  .object({
    ok: z.boolean().describe('The endpoint answered 2xx'),
    messageId: z.string(),
    responseStatus: z.number().nullable(),
    responseMs: z.number(),
    responseBody: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'WebhookTestResult' });
export type WebhookTestResult = z.infer<typeof webhookTestResultSchema>;

export const webhookDeliveryStatuses = ['pending', 'delivered', 'failed'] as const;

export const webhookAttemptSchema = z
  .object({
    attempt: z.number(),
    at: z.string(),
    url: z.string().describe('Where the request went (the last redirect)'),
    requestHeaders: z.record(z.string(), z.string()),
    responseStatus: z.number().nullable(),
    responseMs: z.number(),
    responseBody: z.string().nullable().describe('The first 2,000 characters'),
    error: z.string().nullable(),
  })
  .meta({ id: 'WebhookAttempt' });

export const webhookDeliverySchema = z
  .object({
    id: z.uuid(),
    endpointId: z.uuid(),
    eventId: z.uuid(),
    eventName: z.string(),
    messageId: z.string().describe('webhook-id: the same for every attempt and replay of one event'),
    status: z.enum(webhookDeliveryStatuses),
    attempts: z.number(),
    nextAttemptAt: z.string().nullable(),
    lastAttemptAt: z.string().nullable(),
    responseStatus: z.number().nullable(),
    responseMs: z.number().nullable(),
    error: z.string().nullable(),
    replayOf: z.uuid().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

export const webhookDeliveryDetailSchema = webhookDeliverySchema
  .extend({ payload: z.record(z.string(), z.unknown()), attemptLog: z.array(webhookAttemptSchema) })
  .meta({ id: 'WebhookDeliveryDetail' });
export type WebhookDeliveryDetail = z.infer<typeof webhookDeliveryDetailSchema>;
export type WebhookAttempt = z.infer<typeof webhookAttemptSchema>;

export const webhookEventSchema = z.object({ name: z.string(), when: z.string(), properties: z.record(z.string(), z.string()) }).meta({ id: 'WebhookEvent' });
export type WebhookEventInfo = z.infer<typeof webhookEventSchema>;

/** The body Momentum posts for one event (Standard Webhooks' type, timestamp and data). */
export function webhookPayloadSchema(event: CatalogEvent) {
  const properties = z.object(Object.fromEntries(Object.entries(event.properties).map(([key, what]) => [key, z.unknown().describe(what)])));
  return z.object({
    type: z.literal(event.name),
    timestamp: z.string().describe('When the event happened (ISO 8601)'),
    data: z.object({
      eventId: z.uuid().describe('The event in Momentum (GET /api/v1/events)'),
      account: z.object({ id: z.uuid(), name: z.string().nullable(), externalId: z.string().nullable() }).nullable(),
      contactId: z.uuid().nullable(),
      receivedAt: z.string(),
      properties,
    }),
  });
}

/** The payload of a test message (POST /api/v1/webhooks/{id}/test). */
export const webhookTestPayloadSchema = z.object({
  type: z.literal('Webhook Test'),
  timestamp: z.string(),
  data: z.object({ endpointId: z.uuid(), sentBy: z.string().describe('The member or key that sent it') }),
});

/** The payload sent by an automated moment's `webhook` action. */
export const momentActionPayloadSchema = z.object({
  type: z.literal('Moment Action'),
  timestamp: z.string(),
  instance: z.uuid(),
  account: z.uuid(),
  moment: z.string(),
  model: z.string(),
  evidence: z.record(z.string(), z.unknown()),
});
export type MomentActionPayload = z.infer<typeof momentActionPayloadSchema>;
