// Metric shapes shared by the API and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';

export const metricKinds = ['count', 'distinct_users', 'sum', 'last_seen'] as const;
export type MetricKind = (typeof metricKinds)[number];

/** Days a preview covers, ending today (UTC). */
export const previewWindows = [7, 28, 90] as const;

export const metricSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    label: z.string(),
    kind: z.enum(metricKinds),
    eventName: z.string(),
    property: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Metric' });
export type Metric = z.infer<typeof metricSchema>;

export const metricValueSchema = metricSchema
  .extend({
    windows: z.object({ '7d': z.number(), '28d': z.number(), '90d': z.number() }),
    weekOverWeek: z.number().nullable().describe('last 7 days against the 7 before, as a fraction; null when the week before had nothing'),
    lastSeenAt: z.string().nullable(),
    history: z.array(z.object({ day: z.string(), value: z.number() })).describe('one point per day (UTC) for the last 90 days, oldest first'),
  })
  .meta({ id: 'MetricValue' });
export type MetricValue = z.infer<typeof metricValueSchema>;

/** The fields of a metric definition, as the API accepts them. */
export const metricFields = {
  key: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_]{0,59}$/, 'must be a key like weekly_reports: lower case letters, digits and _, starting with a letter'),
  label: z.string().trim().min(1, 'is required').max(200),
  kind: z.enum(metricKinds).describe('count of the event, distinct users, sum of a numeric property, or last seen'),
  eventName: z.string().trim().min(1, 'is required').max(200).describe('the event name (a track event, page name or interaction)'),
  property: z.string().trim().min(1).max(200).nullable().optional().describe('the numeric property a sum metric adds up'),
};
export const metricCreateSchema = z.strictObject(metricFields).meta({ id: 'MetricCreate' });
export type MetricCreate = z.infer<typeof metricCreateSchema>;
export const metricUpdateSchema = z
  .strictObject({
    ...metricFields,
    key: metricFields.key.optional(),
    label: metricFields.label.optional(),
    kind: metricFields.kind.optional(),
    eventName: metricFields.eventName.optional(),
  })
  .meta({ id: 'MetricUpdate' });
export type MetricUpdate = z.infer<typeof metricUpdateSchema>;

export const metricPreviewInputSchema = z
  .strictObject({
    kind: metricFields.kind,
    eventName: metricFields.eventName,
    property: metricFields.property,
    days: z.literal(previewWindows, 'must be 7, 28 or 90').default(28).describe('the days the preview covers, ending today (UTC): 7, 28 or 90'),
  })
  // No component id: with its default, the input and output shapes differ (the OpenAPI document inlines it).
  .describe('a metric definition to preview, and the days it covers');
export type MetricPreviewInput = z.input<typeof metricPreviewInputSchema>;

/** Something about a definition worth knowing before relying on it (an event never seen ...): never a refusal. */
export const metricWarningSchema = z
  .object({
    path: z.enum(['eventName', 'property']).nullable().describe('the field it is about; null for the preview as a whole'),
    message: z.string(),
  })
  .meta({ id: 'MetricWarning' });
export type MetricWarning = z.infer<typeof metricWarningSchema>;

/** A metric as created or updated, with the warnings about its definition. */
export const metricSavedSchema = metricSchema.extend({ warnings: z.array(metricWarningSchema) }).meta({ id: 'MetricSaved' });
export type MetricSaved = z.infer<typeof metricSavedSchema>;

export const metricPreviewSchema = z
  .object({
    days: z.number(),
    from: z.string().describe('first day (UTC) of the preview'),
    to: z.string().describe('last day (UTC), today'),
    total: z
      .number()
      .describe('over the whole window, workspace-wide: events (count), distinct users, the sum, or for last seen the accounts where it was seen'),
    history: z.array(z.object({ day: z.string(), value: z.number() })).describe('one point per day, oldest first, zero-filled (last seen: events that day)'),
    accounts: z.number().describe('accounts with a value in the window'),
    topAccounts: z
      .array(z.object({ id: z.string(), name: z.string(), value: z.number(), lastSeenAt: z.string().nullable() }))
      .describe('up to 5 accounts with the highest values (last seen: the most recent); lastSeenAt is null for sums'),
    lastSeenAt: z.string().nullable().describe('when the event last happened on an account (the history kept in rollups)'),
    lastReceivedAt: z.string().nullable().describe('when an event of this name last arrived, on an account or not (raw events kept)'),
    warnings: z.array(metricWarningSchema),
  })
  .meta({ id: 'MetricPreview' });
export type MetricPreview = z.infer<typeof metricPreviewSchema>;

export const seenEventSchema = z
  .object({ name: z.string(), lastReceivedAt: z.string().nullable() })
  .meta({ id: 'SeenEvent', description: 'an event name that has arrived in this workspace (raw events kept)' });
export type SeenEvent = z.infer<typeof seenEventSchema>;
