import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { apiKeyScopes } from '../../lib/actor.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './apikeys.ts';

const apiKeySchema = z
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

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };

export const apiKeysRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/api-keys',
    {
      config: { access: 'admin' },
      schema: { operationId: 'listApiKeys', tags: ['api keys'], response: { 200: z.object({ items: z.array(apiKeySchema) }), ...errors } },
    },
    async (request) => ({ items: await listApiKeys(db, actorOf(request)) }),
  );

  app.post(
    '/api-keys',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'createApiKey',
        tags: ['api keys'],
        summary: 'Create an API key; the secret is in this response only',
        body: z.strictObject({
          name: z.string().trim().min(1).max(100),
          scopes: z.array(z.enum(apiKeyScopes)).min(1).default(['admin']),
          expiresAt: z.iso
            .datetime({ offset: true, error: 'must be a date and time with a time zone, e.g. 2027-01-31T00:00:00Z' })
            .nullable()
            .optional()
            .describe('When the key stops working (in the future); omitted or null: never'),
        }),
        response: { 201: z.object({ apiKey: apiKeySchema, secret: z.string() }), ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createApiKey(db, clock, actorOf(request), request.body)),
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { access: 'admin' },
      schema: { operationId: 'revokeApiKey', tags: ['api keys'], params: z.object({ id: z.uuid() }), response: { 200: apiKeySchema, ...errors } },
    },
    async (request) => revokeApiKey(db, clock, actorOf(request), request.params.id),
  );
});
