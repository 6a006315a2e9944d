// Contact shapes shared by the API, the import and the console (web/ may import this file: keep it free of server code).
import { z } from 'zod';

export const personas = ['executive_sponsor', 'champion', 'admin', 'end_user', 'buyer', 'other'] as const;
export type Persona = (typeof personas)[number];

/** A contact as the API returns it. */
export const contactSchema = z
  .object({
    id: z.uuid(),
    accountId: z.uuid().nullable(),
    externalId: z.string().nullable(),
    name: z.string(),
    email: z.string(),
    title: z.string().nullable(),
    phone: z.string().nullable(),
    persona: z.enum(personas),
    leftAt: z.string().nullable().describe('When the person left their company; a sponsor or champion who left no longer holds the role'),
    custom: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Contact' });
export type ContactView = z.infer<typeof contactSchema>;
