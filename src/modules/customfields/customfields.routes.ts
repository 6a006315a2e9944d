import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { createCustomField, customFieldTypes, deleteCustomField, listCustomFields } from './customfields.ts';

const fieldSchema = z
  .object({
    id: z.uuid(),
    entity: z.enum(['account', 'contact']),
    key: z.string(),
    label: z.string(),
    type: z.enum(customFieldTypes),
    options: z.array(z.string()),
    required: z.boolean(),
  })
  .meta({ id: 'CustomField' });

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

export const customFieldsRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/custom-fields',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listCustomFields',
        tags: ['custom fields'],
        querystring: z.strictObject({ entity: z.enum(['account', 'contact']).optional() }),
        response: { 200: z.object({ items: z.array(fieldSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listCustomFields(db, actorOf(request).workspaceId, request.query.entity) }),
  );

  app.post(
    '/custom-fields',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'createCustomField',
        tags: ['custom fields'],
        summary: 'Define a typed custom attribute; values are validated on every write',
        body: z.strictObject({
          entity: z.enum(['account', 'contact']),
          key: z.string().regex(/^[a-z][a-z0-9_]{0,49}$/, 'must be lower_snake_case, starting with a letter, at most 50 characters'),
          label: z.string().trim().min(1).max(100),
          type: z.enum(customFieldTypes),
          options: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
          required: z.boolean().optional(),
        }),
        response: { 201: fieldSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createCustomField(db, clock, actorOf(request), request.body)),
  );

  app.delete(
    '/custom-fields/:id',
    {
      config: { access: 'admin' },
      schema: { operationId: 'deleteCustomField', tags: ['custom fields'], params: z.object({ id: z.uuid() }), response: { 204: z.null(), ...errors } },
    },
    async (request, reply) => {
      await deleteCustomField(db, clock, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
});
