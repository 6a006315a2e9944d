import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { eraseContactMessages } from '../messaging/messaging.ts';
import { findPublicList, subscribeUrl } from './consent.forms.ts';
import { embedSnippet } from './consent.html.ts';
import { addManualSuppression, eraseContactConsent, exportContactConsent, getContactConsent, recordConsentRequest } from './consent.ledger.ts';
import {
  consentEraseResultSchema,
  consentEraseSchema,
  consentRequestResultSchema,
  consentRequestSchema,
  contactConsentSchema,
  listFormSchema,
  mailingListCreateSchema,
  mailingListSchema,
  mailingListUpdateSchema,
  suppressionCreateSchema,
  suppressionSchema,
} from './consent.schema.ts';
import { createList, getList, listLists, listSuppressions, removeSuppression, updateList } from './consent.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = z.object({ id: z.uuid() });
const tags = ['consent'];

export const consentRoutes = defineRoutes((app, { db, clock, config }) => {
  app.get(
    '/lists',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listMailingLists',
        tags,
        summary: 'Mailing lists with how many contacts are unconfirmed, confirmed and unsubscribed',
        querystring: z.object({ includeArchived: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.object({ items: z.array(mailingListSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listLists(db, actorOf(request), { includeArchived: request.query.includeArchived === 'true' }) }),
  );

  app.post(
    '/lists',
    {
      config: { access: 'write' },
      schema: { operationId: 'createMailingList', tags, body: mailingListCreateSchema, response: { 201: mailingListSchema, ...errors } },
    },
    async (request, reply) => reply.status(201).send(await createList(db, clock, actorOf(request), request.body)),
  );

  app.get(
    '/lists/:id',
    { config: { access: 'read' }, schema: { operationId: 'getMailingList', tags, params: idParams, response: { 200: mailingListSchema, ...errors } } },
    async (request) => getList(db, actorOf(request), request.params.id),
  );

  app.patch(
    '/lists/:id',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'updateMailingList',
        tags,
        summary: 'Change a list; new wording gets a new version; archived lists send nothing',
        params: idParams,
        body: mailingListUpdateSchema,
        response: { 200: mailingListSchema, ...errors },
      },
    },
    async (request) => updateList(db, clock, actorOf(request), request.params.id, request.body),
  );

  app.get(
    '/lists/:id/form',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getMailingListForm',
        tags,
        summary: 'The hosted subscribe page and an embeddable HTML form for a public list',
        params: idParams,
        response: { 200: listFormSchema, ...errors },
      },
    },
    async (request) => {
      const list = await getList(db, actorOf(request), request.params.id);
      const shown = await findPublicList(db, actorOf(request).workspaceId, list.key);
      if (!shown) return { hostedUrl: null, snippet: null };
      const url = subscribeUrl(config, shown.workspaceId, shown.key);
      return { hostedUrl: url, snippet: embedSnippet(shown, url) };
    },
  );

  app.get(
    '/contacts/:id/consent',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getContactConsent',
        tags,
        summary: "A contact's subscriptions and consent ledger (newest first)",
        params: idParams,
        response: { 200: contactConsentSchema, ...errors },
      },
    },
    async (request) => getContactConsent(db, actorOf(request), request.params.id),
  );

  app.get(
    '/contacts/:id/consent/export',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'exportContactConsent',
        tags,
        summary: "Download a contact's consent ledger (a data-subject request), as JSON or CSV; audited",
        params: idParams,
        querystring: z.object({ format: z.enum(['json', 'csv']).default('json') }),
        produces: ['application/json', 'text/csv'],
        response: { 200: z.string().describe('the file'), ...errors },
      },
    },
    async (request, reply) => {
      const file = await exportContactConsent(db, clock, actorOf(request), request.params.id, request.query.format);
      return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).send(file.body);
    },
  );

  app.post(
    '/contacts/:id/consent',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'recordContactConsent',
        tags,
        summary: 'Record a grant or withdrawal the contact asked for (method admin; the note is kept as proof)',
        params: idParams,
        body: consentRequestSchema,
        response: { 200: consentRequestResultSchema, ...errors },
      },
    },
    async (request) => recordConsentRequest(db, clock, actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/contacts/:id/consent/erase',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'eraseContactConsent',
        tags,
        summary: "Erase a contact's consent data on their request: a hashed withdrawal per purpose and a suppression by hash are kept",
        params: idParams,
        body: consentEraseSchema,
        response: { 200: consentEraseResultSchema, ...errors },
      },
    },
    async (request) => eraseContactConsent(db, clock, actorOf(request), request.params.id, request.body, eraseContactMessages),
  );

  app.get(
    '/suppressions',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'listSuppressions',
        tags,
        summary: 'Addresses never mailed (hard bounces, complaints, erasures, manual), newest first',
        querystring: z.object({ q: z.string().trim().max(254).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
        response: { 200: z.object({ items: z.array(suppressionSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listSuppressions(db, actorOf(request), { q: request.query.q, limit: request.query.limit }) }),
  );

  app.post(
    '/suppressions',
    {
      config: { access: 'admin' },
      schema: { operationId: 'addSuppression', tags, body: suppressionCreateSchema, response: { 201: suppressionSchema, ...errors } },
    },
    async (request, reply) => reply.status(201).send(await addManualSuppression(db, clock, actorOf(request), request.body)),
  );

  app.delete(
    '/suppressions/:addressHash',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'removeSuppression',
        tags,
        summary: 'Lift a suppression known to be wrong; an erasure is never lifted',
        params: z.object({ addressHash: z.string().regex(/^[0-9a-f]{64}$/, { message: 'must be the 64 hex characters of the address hash' }) }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await removeSuppression(db, clock, actorOf(request), request.params.addressHash);
      return reply.status(204).send(null);
    },
  );
});
