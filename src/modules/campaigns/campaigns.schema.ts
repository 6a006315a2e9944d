// Campaign shapes shared by the API and the console (web/ may import this file: keep it free of server code).
import { z } from 'zod';
import { exclusionReasons } from '../consent/consent.schema.ts';
import { personas } from '../contacts/contacts.schema.ts';

export const campaignStatuses = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const;
export type CampaignStatusName = (typeof campaignStatuses)[number];

/** What the send job hands to the outbox per transaction. */
export const CAMPAIGN_BATCH = 500;

const audienceFields = {
  templateId: z.string().min(1).max(100).describe('The template (id or key)'),
  listId: z.string().min(1).max(100).describe('The marketing list (id or key): every message needs consent to it'),
  segmentId: z.uuid().nullable().describe('The accounts whose contacts are the audience; null: every account'),
  personas: z
    .array(z.enum(personas))
    .max(personas.length)
    .transform((list) => [...new Set(list)])
    .describe('Contact personas in the audience; empty: every persona'),
};

export const campaignAudienceSchema = z.strictObject(audienceFields).meta({ id: 'CampaignAudience' });
export type CampaignAudienceInput = z.input<typeof campaignAudienceSchema>;

export const campaignCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    ...audienceFields,
    segmentId: audienceFields.segmentId.default(null),
    personas: audienceFields.personas.default([]),
  })
  .meta({ id: 'CampaignCreate' });
export type CampaignCreate = z.input<typeof campaignCreateSchema>;

export const campaignUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    templateId: audienceFields.templateId.optional(),
    listId: audienceFields.listId.optional(),
    segmentId: audienceFields.segmentId.optional(),
    personas: audienceFields.personas.optional(),
  })
  .meta({ id: 'CampaignUpdate' });
export type CampaignUpdate = z.input<typeof campaignUpdateSchema>;

export const campaignScheduleSchema = z
  .strictObject({
    at: z.iso
      .datetime({ offset: true })
      .nullable()
      .default(null)
      .describe('When to send (ISO 8601, in the future); null: now (the send job starts within a minute)'),
  })
  .meta({ id: 'CampaignSchedule' });

const reasonCounts = z.partialRecord(z.enum(exclusionReasons), z.number().int());

export const campaignStatsSchema = z
  .object({
    queued: z.number().int().describe('In the outbox, not sent yet'),
    sent: z.number().int(),
    delivered: z.number().int().describe('Sent and not bounced'),
    opened: z.number().int().describe('Opened by a person (privacy-proxy opens excluded)'),
    machineOpened: z.number().int().describe('Opens by privacy proxies (e.g. Apple Mail Privacy Protection): not a sign anyone read it'),
    clicked: z.number().int(),
    unsubscribed: z.number().int(),
    bounced: z.number().int(),
    complained: z.number().int(),
    excluded: reasonCounts.describe('Not sent, by reason'),
  })
  .meta({ id: 'CampaignStats' });
export type CampaignStats = z.infer<typeof campaignStatsSchema>;

export const campaignSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    template: z.object({ id: z.uuid(), key: z.string(), name: z.string() }),
    list: z.object({ id: z.uuid(), key: z.string(), name: z.string() }),
    segment: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    personas: z.array(z.enum(personas)),
    status: z.enum(campaignStatuses),
    scheduledAt: z.string().nullable(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    pausedAt: z.string().nullable(),
    pauseReason: z.string().nullable(),
    progress: z.object({
      processed: z.number().int().describe('Audience contacts handed to the outbox so far'),
      queued: z.number().int(),
      excluded: z.number().int(),
    }),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Campaign' });
export type Campaign = z.infer<typeof campaignSchema>;

export const campaignDetailSchema = campaignSchema
  .extend({
    stats: campaignStatsSchema,
    heldBy: z
      .string()
      .nullable()
      .describe("Why delivery holds the workspace's marketing (complaint rate): nothing more is sent until a member resumes it in Settings > Sender"),
  })
  .meta({ id: 'CampaignDetail' });
export type CampaignDetail = z.infer<typeof campaignDetailSchema>;

export const audiencePreviewSchema = z
  .object({
    total: z.number().int().describe('Contacts of the segment with the chosen personas'),
    willReceive: z.number().int(),
    excluded: reasonCounts.describe('How many are excluded, by reason (no consent, suppressed, no email, missing data ...)'),
    missingData: z.record(z.string(), z.number().int()).describe('For missing_data: how many contacts lack each variable'),
    examples: z
      .array(z.object({ contactId: z.uuid(), name: z.string(), email: z.string(), reason: z.enum(exclusionReasons), detail: z.string() }))
      .describe('A few excluded contacts with the reason'),
    sampled: z.boolean().describe('The audience is large: missing data was counted on the first 5,000 allowed contacts and scaled'),
  })
  .meta({ id: 'AudiencePreview' });
export type AudiencePreview = z.infer<typeof audiencePreviewSchema>;
