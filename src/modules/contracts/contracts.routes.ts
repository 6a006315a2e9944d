import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { billingKinds, contractPatchSchema, contractStatuses } from './contracts.schema.ts';
import { createContract, deleteContract, getContract, listContracts, updateContract } from './contracts.ts';

const lineItemSchema = z
  .object({ offering: z.string(), quantity: z.number(), unitPrice: z.number(), billing: z.enum(billingKinds), renewable: z.boolean() })
  .meta({ id: 'ContractLineItem' });

export const contractSchema = z
  .object({
    id: z.uuid(),
    accountId: z.uuid(),
    externalId: z.string().nullable(),
    name: z.string(),
    status: z.enum(contractStatuses),
    startDate: z.string(),
    endDate: z.string(),
    renewalDate: z.string().nullable(),
    autoRenew: z.boolean(),
    currency: z.string(),
    services: z.array(z.string()),
    supportEntitlement: z.string().nullable(),
    arr: z.number().describe('Sum of quantity x unit price over recurring line items'),
    lineItems: z.array(lineItemSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Contract' });

const createBody = contractPatchSchema.required({ accountId: true, name: true, startDate: true, endDate: true }).meta({ id: 'ContractCreate' });
const updateBody = contractPatchSchema.meta({ id: 'ContractUpdate' });

const listQuery = z.strictObject({
  accountId: z.uuid().optional().describe("Only this account's contracts"),
  status: z.enum(contractStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
});

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
        querystring: listQuery,
        response: { 200: z.object({ items: z.array(contractSchema), nextCursor: z.string().nullable(), total: z.number() }), ...errors },
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
        body: createBody,
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
        body: updateBody,
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
