// An event as the API returns it, shared with the console (web/ imports this file: keep it free of server code;
// events.schema.ts, the ingestion shapes, is not: it uses node:crypto).
import { z } from 'zod';

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
export type StoredEvent = z.infer<typeof storedEventSchema>;

/** An event as GET /api/v1/events lists it: with the contact who did it, when it is known. */
export const listedEventSchema = storedEventSchema
  .extend({
    contact: z
      .object({ id: z.string(), name: z.string(), email: z.string().nullable() })
      .nullable()
      .describe('the contact the event is attached to (from its userId or anonymousId), null when none is known'),
  })
  .meta({ id: 'ListedEvent' });
export type ListedEvent = z.infer<typeof listedEventSchema>;
