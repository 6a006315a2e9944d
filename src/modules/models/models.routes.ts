import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { AppError } from '../../lib/errors.ts';
import { type SimulationReport, simulateModel } from '../engine/engine.simulate.ts';
import {
  modelBody,
  modelSchema,
  modelVersionSchema,
  ownerRoles,
  responsibilitySchema,
  retireImpactSchema,
  simulationSchema,
  validationSchema,
} from './models.schema.ts';
import {
  activateModelVersion,
  approveModelVersion,
  createModelDraft,
  deleteModelDraft,
  getModel,
  getModelVersion,
  getRetireImpact,
  listModels,
  listResponsibilities,
  type ModelInput,
  retireModelVersion,
  updateModelDraft,
  validateModel,
} from './models.ts';

const growthSchema = z
  .strictObject({
    accountsPerMonth: z.number().positive().max(100_000).optional().describe('new synthetic accounts per calendar month'),
    monthlyRate: z.number().positive().max(1000).optional().describe("growth of the segment's account base in percent per month, compounded"),
    template: z
      .array(z.uuid())
      .min(1)
      .max(1000)
      .optional()
      .describe("real accounts the synthetic ones resemble, cycled through; default: a deterministic sample of the segment's members"),
  })
  .refine((g) => (g.accountsPerMonth === undefined) !== (g.monthlyRate === undefined), {
    message: 'give exactly one of accountsPerMonth and monthlyRate',
    path: ['accountsPerMonth'],
  })
  .meta({ id: 'SimulationGrowth' });

const simulateBody = z
  .union([
    z.strictObject({
      source: z.string().min(1).max(500_000),
      format: z.enum(['yaml', 'json']).optional(),
      file: z.string().max(300).optional(),
      from: z.iso.date(),
      to: z.iso.date(),
      growth: growthSchema.optional(),
    }),
    z.strictObject({ definition: z.record(z.string(), z.unknown()), from: z.iso.date(), to: z.iso.date(), growth: growthSchema.optional() }),
  ])
  .refine((b) => Date.parse(b.to) >= Date.parse(b.from) && Date.parse(b.to) - Date.parse(b.from) <= 91 * 24 * 3600 * 1000, {
    message: 'to must be on or after from, at most 92 days later',
    path: ['to'],
  })
  .meta({ id: 'SimulationRequest' });

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = z.object({ id: z.uuid() });
const versionParams = z.object({ id: z.uuid(), version: z.coerce.number().int().min(1) });
const tags = ['models'];

export const modelsRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/models',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listModels',
        tags,
        summary: 'Engagement models and their versions',
        response: { 200: z.object({ items: z.array(modelSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listModels(db, actorOf(request)) }),
  );

  app.post(
    '/models/validate',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'validateModel',
        tags,
        summary: 'Check a model: shape, lint, and fit with this workspace (nothing is saved)',
        body: modelBody,
        response: { 200: validationSchema, ...errors },
      },
    },
    async (request) => validateModel(db, clock, actorOf(request).workspaceId, request.body as ModelInput),
  );

  app.post(
    '/models',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'createModelDraft',
        tags,
        summary: 'Create a draft: a new model, or the next version of the model with the same key',
        body: modelBody,
        response: { 201: modelVersionSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createModelDraft(db, clock, actorOf(request), request.body as ModelInput)),
  );

  app.get(
    '/models/:id',
    { config: { access: 'read' }, schema: { operationId: 'getModel', tags, params: idParams, response: { 200: modelSchema, ...errors } } },
    async (request) => getModel(db, actorOf(request), request.params.id),
  );

  app.get(
    '/models/:id/versions/:version',
    { config: { access: 'read' }, schema: { operationId: 'getModelVersion', tags, params: versionParams, response: { 200: modelVersionSchema, ...errors } } },
    async (request) => getModelVersion(db, actorOf(request), request.params.id, request.params.version),
  );

  app.get(
    '/models/:id/versions/:version/retire-impact',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getModelRetireImpact',
        tags,
        summary: 'What retiring this version would affect: accounts it runs and its open moment instances',
        params: versionParams,
        response: { 200: retireImpactSchema, ...errors },
      },
    },
    async (request) => getRetireImpact(db, actorOf(request), request.params.id, request.params.version),
  );

  app.put(
    '/models/:id/versions/:version',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'updateModelDraft',
        tags,
        summary: 'Replace a draft’s definition (an approved version cannot be edited)',
        params: versionParams,
        body: modelBody,
        response: { 200: modelVersionSchema, ...errors },
      },
    },
    async (request) => updateModelDraft(db, clock, actorOf(request), request.params.id, request.params.version, request.body as ModelInput),
  );

  app.delete(
    '/models/:id/versions/:version',
    {
      config: { access: 'write' },
      schema: { operationId: 'deleteModelDraft', tags, params: versionParams, response: { 204: z.null(), ...errors } },
    },
    async (request, reply) => {
      await deleteModelDraft(db, clock, actorOf(request), request.params.id, request.params.version);
      return reply.status(204).send(null);
    },
  );

  const transitions = [
    ['approve', 'approveModelVersion', 'Approve a draft (an admin other than its author)', approveModelVersion],
    ['activate', 'activateModelVersion', 'Activate an approved version (the previous active version is superseded)', activateModelVersion],
    ['retire', 'retireModelVersion', 'Retire a version: it engages and runs no more accounts', retireModelVersion],
  ] as const;
  for (const [verb, operationId, summary, operation] of transitions) {
    app.post(
      `/models/:id/versions/:version/${verb}`,
      {
        config: { access: 'admin' },
        schema: { operationId, tags, summary, params: versionParams, response: { 200: modelVersionSchema, ...errors } },
      },
      async (request) => operation(db, clock, actorOf(request), request.params.id, request.params.version),
    );
  }

  app.post(
    '/models/simulate',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'simulateModel',
        tags,
        summary:
          'Forecast a model over the current accounts (optionally with a growing synthetic population): moments per week and effort per month per role, digital share (nothing is written)',
        description:
          'Runs the engine day by day with the clock advanced, inside a transaction that is rolled back. At most 92 days here; `momentum model simulate` runs longer forecasts. With `growth`, synthetic accounts copying the profile and team of real segment members are added each day (accounts per month, or a monthly rate of the base); the report says how many. With `Accept: application/x-ndjson` the answer streams one JSON line per simulated day, `{"progress":{"done":3,"total":90}}`, then `{"result":{…}}` (or `{"error":{code,message,details}}`); closing the connection cancels the run.',
        body: simulateBody,
        response: { 200: simulationSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { from, to, growth, ...input } = request.body;
      const range = { from: new Date(from), to: new Date(to), growth };
      const workspaceId = actorOf(request).workspaceId;
      if (!request.headers.accept?.includes('application/x-ndjson')) return simulateModel(db, workspaceId, input as ModelInput, range);
      return streamSimulation(request, reply, (progress) => simulateModel(db, workspaceId, input as ModelInput, range, progress));
    },
  );

  app.get(
    '/responsibilities',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listResponsibilities',
        tags,
        summary: 'The responsibilities map of the active models: who is responsible, accountable, consulted, informed; how; with which tools; measured how',
        querystring: z.object({ role: z.enum(ownerRoles).optional().describe('only moments this role takes part in') }),
        response: { 200: z.object({ items: z.array(responsibilitySchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listResponsibilities(db, actorOf(request), request.query.role) }),
  );
});

/**
 * A forecast that reports its progress: one NDJSON line per simulated day, then the result. Errors found before the
 * first day (an invalid model or range) are ordinary HTTP errors; a client that goes away cancels the run, whose
 * transaction then rolls back like every forecast's.
 */
async function streamSimulation(
  request: FastifyRequest,
  reply: FastifyReply,
  run: (progress: (done: number, total: number) => void) => Promise<SimulationReport>,
) {
  const stream = new PassThrough();
  const line = (value: unknown) => stream.write(`${JSON.stringify(value)}\n`);
  let gone = false;
  reply.raw.on('close', () => {
    gone = !reply.raw.writableFinished;
  });
  let started = () => {};
  const firstDay = new Promise<void>((resolve) => {
    started = resolve;
  });
  const simulation = run((done, total) => {
    if (gone) throw new AppError('conflict', 'The forecast was cancelled');
    started();
    line({ progress: { done, total } });
  });
  // Until the first day is simulated, a failure is the request's own (a 400 naming the field).
  await Promise.race([firstDay, simulation]);
  simulation
    .then((result) => line({ result }))
    .catch((error: unknown) => {
      if (error instanceof AppError) line({ error: { code: error.code, message: error.message, details: error.details } });
      else {
        request.log.error({ err: error }, 'forecast failed');
        line({ error: { code: 'internal', message: 'Internal error' } });
      }
    })
    .finally(() => stream.end());
  return reply.type('application/x-ndjson').header('cache-control', 'no-store').send(stream);
}
