import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { loadVariableTree } from './templates.data.ts';
import {
  templateCreateSchema,
  templatePreviewRequestSchema,
  templatePreviewSchema,
  templateSchema,
  templateTestResultSchema,
  templateTestSendSchema,
  templateUpdateSchema,
  templateVariableReference,
} from './templates.schema.ts';
import { createTemplate, deleteTemplate, getTemplate, listTemplates, previewTemplate, sendTestTemplate, updateTemplate } from './templates.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };
const refParams = z.object({ ref: z.string().min(1).max(100).describe('The template id or key') });
const tags = ['templates'];

export const templatesRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/templates',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listTemplates',
        tags,
        querystring: z.object({ archived: z.stringbool().default(false).describe('Include archived templates') }),
        response: { 200: z.object({ items: z.array(templateSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listTemplates(db, actorOf(request), { includeArchived: request.query.archived }) }),
  );

  app.get(
    '/template-variables',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listTemplateVariables',
        tags,
        summary: "The variables templates may use, with this workspace's custom fields and metrics",
        response: {
          200: z.object({
            reference: z.array(z.object({ path: z.string(), what: z.string() })),
            contactCustom: z.array(z.string()),
            accountCustom: z.array(z.string()),
            metrics: z.array(z.string()),
          }),
          ...errors,
        },
      },
    },
    async (request) => ({ reference: templateVariableReference, ...(await loadVariableTree(db, actorOf(request).workspaceId)) }),
  );

  app.post(
    '/templates',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'createTemplate',
        tags,
        summary: 'Create a template: Liquid, variables and MJML are checked now (errors name the field and line)',
        body: templateCreateSchema,
        response: { 201: templateSchema, ...errors, 409: errorSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await createTemplate(db, clock, actorOf(request), request.body)),
  );

  app.post(
    '/templates/preview',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'previewTemplate',
        tags,
        summary: 'Render a draft as a contact (or a sample contact), with the same checks as saving',
        body: templatePreviewRequestSchema,
        response: { 200: templatePreviewSchema, ...errors },
      },
    },
    async (request) => previewTemplate(db, clock, actorOf(request), request.body),
  );

  app.get(
    '/templates/:ref',
    { config: { access: 'read' }, schema: { operationId: 'getTemplate', tags, params: refParams, response: { 200: templateSchema, ...errors } } },
    async (request) => getTemplate(db, actorOf(request), request.params.ref),
  );

  app.patch(
    '/templates/:ref',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'updateTemplate',
        tags,
        summary: 'Change a template (checked as at creation), archive or restore it',
        params: refParams,
        body: templateUpdateSchema,
        response: { 200: templateSchema, ...errors },
      },
    },
    async (request) => updateTemplate(db, clock, actorOf(request), request.params.ref, request.body),
  );

  app.delete(
    '/templates/:ref',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'deleteTemplate',
        tags,
        summary: 'Delete a template no campaign uses (409 otherwise: archive it)',
        params: refParams,
        response: { 204: z.null(), ...errors, 409: errorSchema },
      },
    },
    async (request, reply) => {
      await deleteTemplate(db, clock, actorOf(request), request.params.ref);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/templates/:ref/test',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'sendTestTemplate',
        tags,
        summary: 'Send the template, rendered as a contact, to the signed-in member',
        params: refParams,
        body: templateTestSendSchema.default({ contactId: null }),
        response: { 200: templateTestResultSchema, ...errors },
      },
    },
    async (request) => sendTestTemplate(db, clock, actorOf(request), request.params.ref, request.body),
  );
});
