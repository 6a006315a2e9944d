// Metric shapes shared by the API and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';

export const metricKinds = ['count', 'distinct_users', 'sum', 'last_seen'] as const;
export type MetricKind = (typeof metricKinds)[number];

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

export const metricValueSchema = metricSchema
  .extend({
    windows: z.object({ '7d': z.number(), '28d': z.number(), '90d': z.number() }),
    weekOverWeek: z.number().nullable().describe('last 7 days against the 7 before, as a fraction; null when the week before had nothing'),
    lastSeenAt: z.string().nullable(),
    history: z.array(z.object({ day: z.string(), value: z.number() })).describe('one point per day (UTC) for the last 90 days, oldest first'),
  })
  .meta({ id: 'MetricValue' });
export type MetricValue = z.infer<typeof metricValueSchema>;
