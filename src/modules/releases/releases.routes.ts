import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { offeringSchema, publishResultSchema, releaseCreateSchema, releaseSchema, releaseUpdateSchema } from './releases.schema.ts';
import { createRelease, deleteRelease, getRelease, listOfferings, listReleases, publishRelease, updateRelease } from './releases.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = z.object({ id: z.uuid() });
const tags = ['releases'];

export const releasesRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/releases',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listReleases',
        tags,
        summary: 'Product releases, newest first',
        response: { 200: z.object({ items: z.array(releaseSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listReleases(db, actorOf(request)) }),
  );

  app.get(
    '/releases/offerings',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listOwnedOfferings',
        tags,
        summary: 'The offerings accounts own (profile or active contracts), with how many accounts own each',
        response: { 200: z.object({ items: z.array(offeringSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listOfferings(db, actorOf(request)) }),
  );

  app.get(
    '/releases/:id',
    { config: { access: 'read' }, schema: { operationId: 'getRelease', tags, params: idParams, response: { 200: releaseSchema, ...errors } } },
    async (request) => getRelease(db, actorOf(request), request.params.id),
  );

  app.post(
    '/releases',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'createRelease',
        tags,
        summary: 'Record a product release (a draft until published)',
        body: releaseCreateSchema,
        response: { 201: releaseSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createRelease(db, clock, actorOf(request), request.body)),
  );

  app.patch(
    '/releases/:id',
    {
      config: { access: 'write' },
      schema: { operationId: 'updateRelease', tags, params: idParams, body: releaseUpdateSchema, response: { 200: releaseSchema, ...errors } },
    },
    async (request) => updateRelease(db, clock, actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/releases/:id/publish',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'publishRelease',
        tags,
        summary: 'Publish: record Product Released on every account owning an affected offering (once; a second publish is refused)',
        params: idParams,
        response: { 200: publishResultSchema, ...errors },
      },
    },
    async (request) => publishRelease(db, clock, actorOf(request), request.params.id),
  );

  app.delete(
    '/releases/:id',
    { config: { access: 'write' }, schema: { operationId: 'deleteRelease', tags, params: idParams, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      await deleteRelease(db, clock, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
});
