import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import {
  customFieldCreateSchema,
  customFieldListQuerySchema,
  customFieldListSchema,
  customFieldSchema,
  customFieldUpdateSchema,
} from './customfields.schema.ts';
import { createCustomField, deleteCustomField, listCustomFields, updateCustomField } from './customfields.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

export const customFieldsRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/custom-fields',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listCustomFields',
        tags: ['custom fields'],
        querystring: customFieldListQuerySchema,
        response: { 200: customFieldListSchema, ...errors },
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
        body: customFieldCreateSchema,
        response: { 201: customFieldSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createCustomField(db, clock, actorOf(request), request.body)),
  );

  app.patch(
    '/custom-fields/:id',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'updateCustomField',
        tags: ['custom fields'],
        summary: "Change a field's label, options or whether it is required (its key and type stay)",
        params: z.object({ id: z.uuid() }),
        body: customFieldUpdateSchema,
        response: { 200: customFieldSchema, ...errors },
      },
    },
    async (request) => updateCustomField(db, clock, actorOf(request), request.params.id, request.body),
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
