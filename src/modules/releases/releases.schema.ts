// Release shapes shared by the API and the console (web/ may import this file: keep it free of server code).
import { z } from 'zod';
import { personas } from '../contacts/contacts.schema.ts';

export const releaseSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    releasedOn: z.string().describe('YYYY-MM-DD'),
    offerings: z.array(z.string()).describe('The offerings it affects: accounts owning any of them get Product Released'),
    notesUrl: z.string().nullable(),
    audiencePersona: z.enum(personas).nullable().describe('The persona it matters to (carried on the event for models to use)'),
    description: z.string(),
    status: z.enum(['draft', 'published']),
    publishedAt: z.string().nullable(),
    publishedBy: z.string().nullable(),
    accountsReached: z.number().nullable().describe('Accounts that got Product Released when it was published'),
    audience: z.number().describe('Accounts owning an affected offering now'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Release' });
export type Release = z.infer<typeof releaseSchema>;

const offering = z.string().trim().min(1).max(200);
const notesUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2000)
  .nullable()
  .optional();

const writable = {
  releasedOn: z.iso.date({ error: 'must be a date like 2026-05-01' }),
  offerings: z
    .array(offering)
    .min(1, 'name at least one offering')
    .max(100)
    .transform((list) => [...new Set(list)]),
  notesUrl,
  audiencePersona: z.enum(personas).nullable().optional(),
  description: z.string().trim().max(5000).optional(),
};

const name = z.string().trim().min(1, 'is required').max(200);

export const releaseCreateSchema = z.strictObject({ name, ...writable }).meta({ id: 'ReleaseCreate' });
export const releaseUpdateSchema = z
  .strictObject({
    name: name.optional(),
    releasedOn: writable.releasedOn.optional(),
    offerings: writable.offerings.optional(),
    notesUrl,
    audiencePersona: writable.audiencePersona,
    description: writable.description,
  })
  .meta({ id: 'ReleaseUpdate' });
export type ReleaseCreate = z.input<typeof releaseCreateSchema>;
export type ReleaseUpdate = z.input<typeof releaseUpdateSchema>;

export const publishResultSchema = z
  .object({
    release: releaseSchema,
    accountsReached: z.number().describe('Accounts that got Product Released (0 when no account owns an affected offering)'),
    message: z.string(),
  })
  .meta({ id: 'ReleasePublished' });
export type PublishResult = z.infer<typeof publishResultSchema>;

export const offeringSchema = z.object({ offering: z.string(), accounts: z.number() }).meta({ id: 'OwnedOffering' });
export type OwnedOffering = z.infer<typeof offeringSchema>;
