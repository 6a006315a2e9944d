import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { emailSchema } from '../../lib/email.ts';
import { optionalText, text } from '../../lib/text.ts';
import { contactSchema, personas } from './contacts.schema.ts';
import { createContact, deleteContact, getContact, listContacts, updateContact } from './contacts.ts';

const writable = {
  accountId: z.uuid().nullable().optional(),
  externalId: optionalText(200),
  title: optionalText(200),
  phone: optionalText(50),
  persona: z.enum(personas).optional(),
  leftAt: z.iso.datetime({ offset: true }).nullable().optional().describe('Mark the person as having left their company (null: still there)'),
  custom: z.record(z.string(), z.unknown()).optional(),
};

const createBody = z.strictObject({ name: text(200), email: emailSchema, ...writable }).meta({ id: 'ContactCreate' });
const updateBody = z.strictObject({ name: text(200).optional(), email: emailSchema.optional(), ...writable }).meta({ id: 'ContactUpdate' });

const listQuery = z.strictObject({
  accountId: z.uuid().optional().describe("Only this account's contacts"),
  q: z.string().trim().max(200).optional().describe('Search name and email (contains)'),
  persona: z.enum(personas).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
});

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = z.object({ id: z.uuid() });

export const contactsRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/contacts',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listContacts',
        tags: ['contacts'],
        summary: 'List contacts by name: filter by account, persona or text, page with a cursor',
        querystring: listQuery,
        response: { 200: z.object({ items: z.array(contactSchema), nextCursor: z.string().nullable(), total: z.number() }), ...errors },
      },
    },
    async (request) => listContacts(db, actorOf(request), request.query),
  );

  app.get(
    '/contacts/:id',
    { config: { access: 'read' }, schema: { operationId: 'getContact', tags: ['contacts'], params: idParams, response: { 200: contactSchema, ...errors } } },
    async (request) => getContact(db, actorOf(request), request.params.id),
  );

  app.post(
    '/contacts',
    {
      config: { access: 'write' },
      schema: { operationId: 'createContact', tags: ['contacts'], body: createBody, response: { 201: contactSchema, ...errors } },
    },
    async (request, reply) => reply.status(201).send(await createContact(db, clock, actorOf(request), request.body)),
  );

  app.patch(
    '/contacts/:id',
    {
      config: { access: 'write' },
      schema: { operationId: 'updateContact', tags: ['contacts'], params: idParams, body: updateBody, response: { 200: contactSchema, ...errors } },
    },
    async (request) => updateContact(db, clock, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/contacts/:id',
    {
      config: { access: 'write' },
      schema: { operationId: 'deleteContact', tags: ['contacts'], params: idParams, response: { 204: z.null(), ...errors } },
    },
    async (request, reply) => {
      await deleteContact(db, clock, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
});
