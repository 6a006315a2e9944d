import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { notificationSettingsSchema as settingsSchema } from './notifications.schema.ts';
import { calendarFeed, getNotificationSettings, regenerateCalendarToken, revokeCalendarToken, updateNotificationSettings } from './notifications.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };
const tags = ['notifications'];

/** The signed-in member's own notices: the daily digest and the calendar feed. */
export const notificationsRoutes = defineRoutes((app, { db, clock, config }) => {
  app.get(
    '/me/notifications',
    { config: { access: 'read' }, schema: { operationId: 'getMyNotifications', tags, response: { 200: settingsSchema, ...errors } } },
    async (request) => getNotificationSettings(db, actorOf(request)),
  );

  app.patch(
    '/me/notifications',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'updateMyNotifications',
        tags,
        summary: 'Turn your daily digest email on or off',
        body: z.strictObject({ digestEmail: z.boolean().optional() }),
        response: { 200: settingsSchema, ...errors },
      },
    },
    async (request) => updateNotificationSettings(db, clock, actorOf(request), request.body),
  );

  app.post(
    '/me/calendar-feed',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'createMyCalendarFeed',
        tags,
        summary: 'A new secret iCalendar address of your open moments (in this response only); the previous address stops working',
        response: { 201: z.object({ url: z.string().describe('Subscribe to it in your calendar; keep it secret'), createdAt: z.string() }), ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await regenerateCalendarToken(db, clock, actorOf(request), config.publicUrl)),
  );

  app.delete(
    '/me/calendar-feed',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'revokeMyCalendarFeed',
        tags,
        summary: 'Revoke your calendar address (it answers 404 from now on)',
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await revokeCalendarToken(db, clock, actorOf(request));
      return reply.status(204).send(null);
    },
  );
});

/** GET /calendar/<token>.ics: a member's open moments for calendar apps (the secret token is the only credential). */
export const calendarFeedRoutes = defineRoutes((app, { db, clock, config }) => {
  app.get(
    '/calendar/:file',
    { config: { access: 'public' }, schema: { hide: true, params: z.object({ file: z.string().max(200) }) } },
    async (request, reply) => {
      const token = request.params.file.replace(/\.ics$/, '');
      const body = request.params.file.endsWith('.ics') ? await calendarFeed(db, clock, token, config.publicUrl) : undefined;
      reply.header('cache-control', 'private, no-store').header('referrer-policy', 'no-referrer');
      if (body === undefined) return reply.status(404).type('text/plain; charset=utf-8').send('No calendar at this address (it may have been revoked)\n');
      return reply.type('text/calendar; charset=utf-8').header('content-disposition', 'inline; filename="momentum-moments.ics"').send(body);
    },
  );
});
