// API key shapes shared by the API and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';
import { apiKeyScopes } from '../../lib/actor.ts';

/** An API key as the API returns it (never its secret). */
export const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.enum(apiKeyScopes)),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    expiresAt: z.string().nullable().describe('When the key stops working; null: never'),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyView = z.infer<typeof apiKeySchema>;

export const apiKeyListSchema = z.object({ items: z.array(apiKeySchema) });

export const apiKeyCreateSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(apiKeyScopes)).min(1).default(['admin']),
  expiresAt: z.iso
    .datetime({ offset: true, error: 'must be a date and time with a time zone, e.g. 2027-01-31T00:00:00Z' })
    .nullable()
    .optional()
    .describe('When the key stops working (in the future); omitted or null: never'),
});

/** A new key: the secret is in this response only. */
export const apiKeyCreatedSchema = z.object({ apiKey: apiKeySchema, secret: z.string() });
export type ApiKeyCreated = z.infer<typeof apiKeyCreatedSchema>;
