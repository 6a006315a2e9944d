// Segment shapes shared by the API and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';
import { accountFilterSchema } from '../accounts/accounts.schema.ts';

export const segmentSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    filter: accountFilterSchema,
    count: z.number().describe('Accounts matching the filter now'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Segment' });

const name = z.string().trim().min(1).max(100);
const description = z.string().trim().max(1000);

export const segmentCreateSchema = z.strictObject({ name, description: description.optional(), filter: accountFilterSchema });
export const segmentUpdateSchema = z.strictObject({ name: name.optional(), description: description.optional(), filter: accountFilterSchema.optional() });
export const segmentPreviewSchema = z.strictObject({ filter: accountFilterSchema });
export const segmentPreviewResultSchema = z.object({ count: z.number().describe('Accounts the filter matches now') }).meta({ id: 'SegmentPreview' });

export type SegmentWithCount = z.infer<typeof segmentSchema>;
export type SegmentPreviewResult = z.infer<typeof segmentPreviewResultSchema>;
