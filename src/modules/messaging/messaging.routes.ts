import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { testBounceMailbox } from './messaging.mailbox.ts';
import {
  mailboxTestResultSchema,
  mailboxTestSchema,
  messageDetailSchema,
  messageSchema,
  messageStatuses,
  outboxSummarySchema,
  senderSettingsResultSchema,
  senderSettingsSchema,
  senderSettingsUpdateSchema,
} from './messaging.schema.ts';
import { getSenderSettings, updateSenderSettings } from './messaging.settings.ts';
import { getMessage, listMessages, outboxSummary, resumeSource } from './messaging.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };
const tags = ['messaging'];

export const messagingRoutes = defineRoutes((app, { db, clock, config }) => {
  app.get(
    '/messaging/messages',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listMessages',
        tags,
        summary: 'The outbox: every message queued, sent, failed or excluded (with the reason), newest first',
        querystring: z.object({
          status: z.enum(messageStatuses).optional(),
          sourceType: z.string().max(40).optional(),
          sourceId: z.string().max(200).optional(),
          recipientId: z.uuid().optional(),
          q: z.string().trim().max(200).optional().describe('Part of the address or subject'),
          cursor: z.string().max(500).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(messageSchema), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (request) => listMessages(db, actorOf(request), request.query),
  );

  app.get(
    '/messaging/messages/:id',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getMessage',
        tags,
        summary: 'One message: its source (headers and parts) and what happened to it',
        params: z.object({ id: z.uuid() }),
        response: { 200: messageDetailSchema, ...errors },
      },
    },
    async (request) => getMessage(db, config, actorOf(request), request.params.id),
  );

  app.get(
    '/messaging/summary',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getOutboxSummary',
        tags,
        summary: 'Counts per status, SMTP or files, the complaint rate, and paused marketing',
        response: { 200: outboxSummarySchema, ...errors },
      },
    },
    async (request) => outboxSummary(db, clock, config, actorOf(request)),
  );

  app.post(
    '/messaging/sources/:sourceType/:sourceId/resume',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'resumeMessageSource',
        tags,
        summary: 'Resume a source paused by repeated SMTP errors: its queued messages go out where they stopped',
        params: z.object({ sourceType: z.string().max(40), sourceId: z.string().max(200) }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await resumeSource(db, clock, actorOf(request), { type: request.params.sourceType, id: request.params.sourceId });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/messaging/sender',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'getSenderSettings',
        tags,
        summary: 'Sender identity, rate, DKIM and bounce handling',
        response: { 200: senderSettingsSchema, ...errors },
      },
    },
    async (request) => getSenderSettings(db, config, actorOf(request)),
  );

  app.patch(
    '/messaging/sender',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'updateSenderSettings',
        tags,
        summary: 'Change the sender settings (the DKIM key and webhook secret are never returned)',
        body: senderSettingsUpdateSchema,
        response: { 200: senderSettingsResultSchema, ...errors },
      },
    },
    async (request) => updateSenderSettings(db, clock, config, actorOf(request), request.body),
  );

  app.post(
    '/messaging/sender/mailbox-test',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'testBounceMailbox',
        tags,
        summary: 'Log in to the bounce mailbox (the one given, else the saved one) and count its messages; the IMAP error otherwise',
        body: mailboxTestSchema,
        response: { 200: mailboxTestResultSchema, ...errors },
      },
    },
    async (request) => testBounceMailbox(db, actorOf(request), request.body),
  );
});
