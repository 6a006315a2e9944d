// Public pages for contacts (no sign-in, no cookie): subscribe to a list (hosted page and embedded forms post here),
// confirm a double opt-in (GET shows, POST acts: link scanners follow GETs), and the preference centre.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../http/types.ts';
import { defineRoutes } from '../../http/types.ts';
import { AppError } from '../../lib/errors.ts';
import {
  confirmationState,
  confirmSubscription,
  FORM_POSTS_PER_MINUTE,
  findPublicList,
  preferenceCentre,
  resendConfirmation,
  savePreferences,
  subscribe,
} from './consent.forms.ts';
import { confirmPage, expiredPage, messagePage, preferencesPage, subscribePage } from './consent.html.ts';

type FormBody = Record<string, string | string[] | undefined>;

const html = (reply: FastifyReply, status: number, body: string) =>
  reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send(body);

const source = (request: FastifyRequest) => ({
  sourceIp: request.ip || null,
  userAgent: (request.headers['user-agent'] ?? '').slice(0, 500) || null,
});

const body = (request: FastifyRequest): FormBody => (request.body && typeof request.body === 'object' ? (request.body as FormBody) : {});

/** The pages' own forms post to a path on the same host (whatever PUBLIC_URL says); embedded forms use the full address. */
const hostedPath = (list: { workspaceId: string; key: string }) => `/subscribe/${list.workspaceId}/${list.key}`;

const notFoundPage = () => messagePage('Page not found', ['This page does not exist, or the list is no longer offered.']);
const invalidLinkPage = () =>
  messagePage('This link is not valid', ['The link may have been cut or changed. Open it again from the email, or copy all of it.']);

/** Posts per client address: past the limit, a page saying when to try again. */
const formRateLimit = {
  max: FORM_POSTS_PER_MINUTE,
  timeWindow: 60_000,
  allowList: () => false,
  keyGenerator: (request: FastifyRequest) => `consent-form:${request.ip}`,
  errorResponseBuilder: (_request: FastifyRequest, context: { ttl: number }) =>
    new AppError('rate_limited', 'Too many attempts from your network', [], { retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
};

/** Form posts: application/x-www-form-urlencoded (repeated fields become arrays), as a browser sends them. */
function acceptForms(app: App): void {
  if (app.hasContentTypeParser('application/x-www-form-urlencoded')) return;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, text, done) => {
    const fields: FormBody = {};
    for (const [key, value] of new URLSearchParams(text as string)) {
      const current = fields[key];
      fields[key] = current === undefined ? value : [...(Array.isArray(current) ? current : [current]), value];
    }
    done(null, fields);
  });
}

export const consentPagesRoutes = defineRoutes((app, { db, clock, config }) => {
  acceptForms(app);
  // Errors on these pages are pages too.
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof AppError && error.code === 'rate_limited') {
      if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
      return html(reply, 429, messagePage('Too many attempts', [`Please wait ${error.retryAfterSeconds ?? 60} seconds and try again.`]));
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return html(reply, status, messagePage('Something is wrong with this request', [(error as Error).message]));
    request.log.error({ err: error }, 'consent page failed');
    return html(reply, 500, messagePage('Something went wrong', ['Please try again in a minute.']));
  });

  const listParams = z.object({ workspaceId: z.string().max(64), listKey: z.string().max(80) });
  const tokenParams = z.object({ token: z.string().max(1000) });
  const page = { config: { access: 'public' as const }, schema: { hide: true } };

  app.get('/subscribe/:workspaceId/:listKey', { ...page, schema: { hide: true, params: listParams } }, async (request, reply) => {
    const list = await findPublicList(db, request.params.workspaceId, request.params.listKey);
    if (!list) return html(reply, 404, notFoundPage());
    return html(reply, 200, subscribePage(list, hostedPath(list)));
  });

  app.post(
    '/subscribe/:workspaceId/:listKey',
    { config: { access: 'public', rateLimit: formRateLimit }, schema: { hide: true, params: listParams } },
    async (request, reply) => {
      const list = await findPublicList(db, request.params.workspaceId, request.params.listKey);
      if (!list) return html(reply, 404, notFoundPage());
      const form = body(request);
      const result = await subscribe(db, clock, config, list, { name: form.name, email: form.email, website: form.website, v: form.v, ...source(request) });
      if (result.kind === 'invalid') return html(reply, 400, subscribePage(list, hostedPath(list), result.values, result.errors));
      if (result.kind === 'subscribed')
        return html(reply, 200, messagePage('You are subscribed', [`Thank you: you will receive ${list.name}.`, 'Every email has a link to unsubscribe.']));
      return html(
        reply,
        200,
        messagePage('Check your inbox', [
          `We sent you an email to confirm your subscription to ${list.name}.`,
          'Open the link in it to confirm. Nothing is sent to you until you do.',
        ]),
      );
    },
  );

  app.get('/confirm/:token', { ...page, schema: { hide: true, params: tokenParams } }, async (request, reply) => {
    const state = await confirmationState(db, clock, config.secret, request.params.token);
    return confirmationReply(reply, state, request.params.token, false);
  });

  app.post('/confirm/:token', { ...page, schema: { hide: true, params: tokenParams } }, async (request, reply) => {
    const state = await confirmSubscription(db, clock, config.secret, request.params.token, source(request));
    return confirmationReply(reply, state, request.params.token, true);
  });

  app.post(
    '/confirm/:token/resend',
    { config: { access: 'public', rateLimit: formRateLimit }, schema: { hide: true, params: tokenParams } },
    async (request, reply) => {
      const outcome = await resendConfirmation(db, clock, config, request.params.token);
      if (outcome === 'invalid') return html(reply, 400, invalidLinkPage());
      if (outcome === 'gone') return html(reply, 410, messagePage('This link is no longer valid', ['Subscribe again from the form if you wish.']));
      return html(reply, 200, messagePage('Check your inbox', ['A new confirmation link is on its way (we send at most one every 10 minutes).']));
    },
  );

  function confirmationReply(reply: FastifyReply, state: Awaited<ReturnType<typeof confirmationState>>, token: string, posted: boolean) {
    const action = `/confirm/${token}`;
    switch (state.kind) {
      case 'invalid':
        return html(reply, 400, invalidLinkPage());
      case 'expired':
        return html(reply, 410, expiredPage(`${action}/resend`));
      case 'gone':
        return html(reply, 410, messagePage('This link is no longer valid', ['Subscribe again from the form if you wish.']));
      case 'already_confirmed':
        return html(
          reply,
          200,
          messagePage('Already confirmed', [`Your subscription to ${state.listName} was confirmed earlier: there is nothing more to do.`]),
        );
      case 'pending':
        if (posted)
          return html(
            reply,
            200,
            messagePage('Subscription confirmed', [`Thank you: you will receive ${state.listName}.`, 'Every email has a link to unsubscribe.']),
          );
        return html(reply, 200, confirmPage(state.listName, state.workspaceName, state.email, action));
    }
  }

  app.get('/preferences/:token', { ...page, schema: { hide: true, params: tokenParams } }, async (request, reply) => {
    const centre = await preferenceCentre(db, clock, config.secret, request.params.token);
    if (!centre) return html(reply, 400, invalidLinkPage());
    return html(reply, 200, preferencesPage(centre, `/preferences/${request.params.token}`, false));
  });

  app.post('/preferences/:token', { ...page, schema: { hide: true, params: tokenParams } }, async (request, reply) => {
    const form = body(request);
    const listIds = (Array.isArray(form.list) ? form.list : form.list ? [form.list] : []).filter((id) => typeof id === 'string');
    const centre = await savePreferences(db, clock, config.secret, request.params.token, {
      listIds,
      leaveAll: form.action === 'leave_all',
      ...source(request),
    });
    if (!centre) return html(reply, 400, invalidLinkPage());
    return html(reply, 200, preferencesPage(centre, `/preferences/${request.params.token}`, true));
  });
});
