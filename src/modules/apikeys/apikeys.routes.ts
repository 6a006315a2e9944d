import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { apiKeyCreatedSchema, apiKeyCreateSchema, apiKeyListSchema, apiKeySchema } from './apikeys.schema.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './apikeys.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };

export const apiKeysRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/api-keys',
    {
      config: { access: 'admin' },
      schema: { operationId: 'listApiKeys', tags: ['api keys'], response: { 200: apiKeyListSchema, ...errors } },
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
        body: apiKeyCreateSchema,
        response: { 201: apiKeyCreatedSchema, ...errors },
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
