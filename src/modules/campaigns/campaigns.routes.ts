import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import {
  audiencePreviewSchema,
  campaignAudienceSchema,
  campaignCreateSchema,
  campaignDetailSchema,
  campaignScheduleSchema,
  campaignSchema,
  campaignStatuses,
  campaignUpdateSchema,
} from './campaigns.schema.ts';
import {
  cancelCampaign,
  createCampaign,
  getCampaign,
  listCampaigns,
  pauseCampaignByMember,
  previewAudience,
  previewCampaignAudience,
  resumeCampaign,
  scheduleCampaign,
  updateCampaign,
} from './campaigns.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };
const idParams = z.object({ id: z.uuid() });
const tags = ['campaigns'];
const stateResponse = { 200: campaignDetailSchema, ...errors, 409: errorSchema };

export const campaignsRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/campaigns',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listCampaigns',
        tags,
        querystring: z.object({ status: z.enum(campaignStatuses).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ items: z.array(campaignSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listCampaigns(db, actorOf(request), request.query) }),
  );

  app.post(
    '/campaigns',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'createCampaign',
        tags,
        summary: 'Create a campaign as a draft (send or schedule it with /schedule)',
        body: campaignCreateSchema,
        response: { 201: campaignDetailSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createCampaign(db, clock, actorOf(request), request.body)),
  );

  app.post(
    '/campaigns/audience-preview',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'previewCampaignAudienceDraft',
        tags,
        summary: 'How many contacts a campaign would reach, and how many are excluded and why (nothing is saved)',
        body: campaignAudienceSchema,
        response: { 200: audiencePreviewSchema, ...errors },
      },
    },
    async (request) => previewAudience(db, clock, actorOf(request), request.body),
  );

  app.get(
    '/campaigns/:id',
    {
      config: { access: 'read' },
      schema: { operationId: 'getCampaign', tags, summary: 'A campaign with its stats', params: idParams, response: { 200: campaignDetailSchema, ...errors } },
    },
    async (request) => getCampaign(db, actorOf(request), request.params.id),
  );

  app.get(
    '/campaigns/:id/audience',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'previewCampaignAudience',
        tags,
        summary: "A saved campaign's audience preview, as it would be sent now",
        params: idParams,
        response: { 200: audiencePreviewSchema, ...errors },
      },
    },
    async (request) => previewCampaignAudience(db, clock, actorOf(request), request.params.id),
  );

  app.patch(
    '/campaigns/:id',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'updateCampaign',
        tags,
        summary: 'Change a draft or scheduled campaign',
        params: idParams,
        body: campaignUpdateSchema,
        response: stateResponse,
      },
    },
    async (request) => updateCampaign(db, clock, actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/campaigns/:id/schedule',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'scheduleCampaign',
        tags,
        summary: 'Send now (at: null) or at a future time',
        params: idParams,
        body: campaignScheduleSchema.default({ at: null }),
        response: stateResponse,
      },
    },
    async (request) => scheduleCampaign(db, clock, actorOf(request), request.params.id, request.body),
  );

  for (const [path, operationId, summary, run] of [
    ['pause', 'pauseCampaign', 'Pause a sending or scheduled campaign', pauseCampaignByMember],
    ['resume', 'resumeCampaign', 'Resume a paused campaign where it stopped', resumeCampaign],
    ['cancel', 'cancelCampaign', 'Cancel a campaign that has not finished', cancelCampaign],
  ] as const) {
    app.post(
      `/campaigns/:id/${path}`,
      { config: { access: 'write' }, schema: { operationId, tags, summary, params: idParams, response: stateResponse } },
      async (request) => run(db, clock, actorOf(request), request.params.id),
    );
  }
});
