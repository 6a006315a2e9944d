import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { contractCreateSchema, contractListQuerySchema, contractListSchema, contractSchema, contractUpdateSchema } from './contracts.schema.ts';
import { createContract, deleteContract, getContract, listContracts, updateContract } from './contracts.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = z.object({ id: z.uuid() });

export const contractsRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/contracts',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listContracts',
        tags: ['contracts'],
        summary: 'List contracts, newest term first: filter by account and status, page with a cursor',
        querystring: contractListQuerySchema,
        response: { 200: contractListSchema, ...errors },
      },
    },
    async (request) => listContracts(db, actorOf(request), request.query),
  );

  app.get(
    '/contracts/:id',
    { config: { access: 'read' }, schema: { operationId: 'getContract', tags: ['contracts'], params: idParams, response: { 200: contractSchema, ...errors } } },
    async (request) => getContract(db, actorOf(request), request.params.id),
  );

  app.post(
    '/contracts',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'createContract',
        tags: ['contracts'],
        summary: "Record a contract with its bill of materials; the account's ARR and next renewal follow its active contracts",
        body: contractCreateSchema,
        response: { 201: contractSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createContract(db, clock, actorOf(request), request.body)),
  );

  app.patch(
    '/contracts/:id',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'updateContract',
        tags: ['contracts'],
        summary: 'Change a contract; lineItems, when given, replace the whole bill of materials',
        params: idParams,
        body: contractUpdateSchema,
        response: { 200: contractSchema, ...errors },
      },
    },
    async (request) => updateContract(db, clock, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/contracts/:id',
    {
      config: { access: 'write' },
      schema: { operationId: 'deleteContract', tags: ['contracts'], params: idParams, response: { 204: z.null(), ...errors } },
    },
    async (request, reply) => {
      await deleteContract(db, clock, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
});
