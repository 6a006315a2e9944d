// Timeline shapes shared by the API, other modules and the console (web/ may import this file: keep it free of server code).
import { z } from 'zod';

export const channels = ['email', 'meeting', 'call', 'in_app', 'webinar', 'portal', 'case', 'survey', 'other'] as const;
export type Channel = (typeof channels)[number];

/** Channels that are digital unless the caller says otherwise; meetings, calls, cases and other are not. */
export const digitalChannels: readonly Channel[] = ['email', 'in_app', 'webinar', 'portal', 'survey'];

/** An interaction as recorded by the API and by other modules (paths name body fields). */
export const interactionSchema = z.strictObject({
  contactId: z.uuid().nullable().optional().describe('The contact at the account who took part'),
  occurredAt: z.iso.datetime({ offset: true, message: 'must be a date-time like 2026-06-01T09:00:00Z' }).optional().describe('Defaults to now'),
  kind: z.string().trim().min(1).max(100).describe('What happened, e.g. meeting_held, email_opened, case_opened'),
  channel: z.enum(channels),
  digital: z.boolean().optional().describe('Defaults by channel: email, in_app, webinar, portal and survey are digital'),
  summary: z.string().trim().min(1).max(10000),
});

/** A timeline entry as the API returns it. */
export const timelineEntrySchema = z
  .object({
    id: z.uuid(),
    accountId: z.uuid(),
    contactId: z.uuid().nullable(),
    occurredAt: z.string(),
    kind: z.string(),
    channel: z.enum(channels),
    digital: z.boolean(),
    actor: z.object({ type: z.string(), name: z.string() }),
    summary: z.string(),
    source: z
      .enum(['interaction', 'momentum'])
      .describe('interaction: logged by a member, a key or an integration; momentum: a change Momentum recorded by itself (docs/events.md)'),
  })
  .meta({ id: 'TimelineEntry' });
export type TimelineEntryView = z.infer<typeof timelineEntrySchema>;
