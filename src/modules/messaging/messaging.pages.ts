import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { defineRoutes } from '../../http/types.ts';
import { AppError } from '../../lib/errors.ts';
import { recordDeliveryNotice } from './messaging.feedback.ts';
import { bounceNoticesSchema } from './messaging.schema.ts';
import { checkWebhookSecret } from './messaging.settings.ts';
import { verifyClickToken, verifyOpenToken, verifyUnsubscribeToken } from './messaging.tokens.ts';
import { recordClick, recordOpen, unsubscribe, unsubscribeTarget } from './messaging.tracking.ts';

// Public pages and endpoints reached from sent mail (no sign-in, no cookies; every link is signed): one-click
// unsubscribe (GET shows, POST acts: RFC 8058), the open pixel, the click redirect; and the provider webhook for
// bounces and complaints, authenticated by the workspace's webhook secret.

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f6f7f9;color:#1f2933;margin:0;padding:48px 16px}
main{max-width:480px;margin:0 auto;background:#fff;border:1px solid #e4e7eb;border-radius:8px;padding:32px}
h1{font-size:22px;margin:0 0 16px}p{line-height:1.5;margin:0 0 16px}button{font:inherit;font-weight:600;background:#1c7ed6;color:#fff;border:0;border-radius:6px;padding:10px 18px;cursor:pointer}
button:focus-visible{outline:3px solid #74c0fc;outline-offset:2px}.muted{color:#616e7c;font-size:14px}</style></head>
<body><main>${body}</main></body></html>`;
}

const wantsJson = (request: FastifyRequest) => /application\/json/.test(request.headers.accept ?? '') && !/text\/html/.test(request.headers.accept ?? '');

function answer(request: FastifyRequest, reply: FastifyReply, status: number, title: string, lines: string[], json: Record<string, unknown>) {
  reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
  if (wantsJson(request)) return reply.status(status).send(json);
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(page(title, `<h1>${escapeHtml(title)}</h1>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}`));
}

const invalidLink = (request: FastifyRequest, reply: FastifyReply) =>
  answer(request, reply, 400, 'This link is not valid', ['The link is incomplete, was changed, or has expired. Nothing was changed.'], {
    error: {
      code: 'bad_request',
      message: 'Unknown, malformed or expired unsubscribe token; nothing was changed',
      details: [{ path: 'params.token', message: 'is not a valid token' }],
    },
  });

/** A form body as fields: application/x-www-form-urlencoded here; multipart/form-data is read from the request's parts. */
async function formFields(request: FastifyRequest): Promise<Record<string, string>> {
  if (request.isMultipart()) {
    const fields: Record<string, string> = {};
    for await (const part of request.parts({ limits: { fields: 10, fieldSize: 1024, files: 0 } })) {
      if (part.type === 'field') fields[part.fieldname] = String(part.value);
    }
    return fields;
  }
  const body = request.body;
  return body && typeof body === 'object' ? (body as Record<string, string>) : {};
}

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export const messagingPagesRoutes = defineRoutes((app, { db, clock, config }) => {
  // One-click posts are form-encoded (RFC 8058); anything longer than a few fields is not one of ours.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8 * 1024 }, (_request, text, done) => {
    done(null, Object.fromEntries(new URLSearchParams(text as string)));
  });
  const tokenParams = z.object({ token: z.string().max(1000) });

  app.get('/u/:token', { config: { access: 'public' }, schema: { hide: true, params: tokenParams } }, async (request, reply) => {
    const data = verifyUnsubscribeToken(config.secret, request.params.token, clock.now());
    if (!data) return invalidLink(request, reply);
    const target = await unsubscribeTarget(db, config, data);
    // A GET changes nothing: link scanners follow GETs. The button posts the same signed URL.
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    if (wantsJson(request)) return reply.send({ list: target.listName, address: target.maskedAddress, unsubscribed: target.unsubscribed });
    const lead = target.unsubscribed
      ? `<p>${escapeHtml(target.maskedAddress)} is not subscribed to <strong>${escapeHtml(target.listName)}</strong>.</p>`
      : `<p>Stop sending <strong>${escapeHtml(target.listName)}</strong> from ${escapeHtml(target.senderName)} to ${escapeHtml(target.maskedAddress)}?</p>`;
    return reply.type('text/html; charset=utf-8').send(
      page(
        'Unsubscribe',
        `<h1>Unsubscribe</h1>${lead}
<form method="post" action="/u/${escapeHtml(request.params.token)}"><input type="hidden" name="confirm" value="yes"><button type="submit">Unsubscribe</button></form>
<p class="muted">Other emails you agreed to receive are not affected.</p>`,
      ),
    );
  });

  app.post('/u/:token', { config: { access: 'public' }, schema: { hide: true, params: tokenParams } }, async (request, reply) => {
    const data = verifyUnsubscribeToken(config.secret, request.params.token, clock.now());
    if (!data) return invalidLink(request, reply);
    const fields = await formFields(request);
    const oneClick = fields['List-Unsubscribe'] === 'One-Click';
    const result = await unsubscribe(db, clock, data, {
      method: oneClick ? 'one_click' : 'unsubscribe_page',
      sourceIp: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    });
    // 200 without a redirect (RFC 8058), the same answer however often it is posted.
    return answer(
      request,
      reply,
      200,
      'You are unsubscribed',
      [
        `${result.maskedAddress} will no longer receive ${result.listName}.`,
        'Changed your mind? The preference centre linked in any of our emails lets you subscribe again.',
      ],
      { unsubscribed: true, list: result.listName },
    );
  });

  app.get('/o/:token', { config: { access: 'public' }, schema: { hide: true, params: tokenParams } }, async (request, reply) => {
    const data = verifyOpenToken(config.secret, request.params.token, clock.now());
    if (data) await recordOpen(db, clock, data, request.headers['user-agent'] ?? '');
    return reply
      .status(data ? 200 : 404)
      .header('cache-control', 'no-store, private')
      .type('image/gif')
      .send(GIF);
  });

  app.get(
    '/c/:token',
    { config: { access: 'public' }, schema: { hide: true, params: tokenParams, querystring: z.object({ url: z.string().max(4000).optional() }) } },
    async (request, reply) => {
      const url = request.query.url ?? '';
      const data = /^https?:\/\//i.test(url) ? verifyClickToken(config.secret, request.params.token, url, clock.now()) : undefined;
      if (!data || !(await recordClick(db, clock, data, url, request.headers['user-agent'] ?? ''))) {
        return answer(request, reply, 400, 'This link is not valid', ['The link was changed or is incomplete, so it does not lead anywhere.'], {
          error: {
            code: 'bad_request',
            message: 'The link’s target is not one of the message’s links',
            details: [{ path: 'querystring.url', message: 'was changed' }],
          },
        });
      }
      return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(url, 302);
    },
  );

  app.post(
    '/hooks/messaging/:workspaceId/bounces',
    {
      config: { access: 'public' },
      schema: {
        hide: true,
        params: z.object({ workspaceId: z.uuid() }),
        body: bounceNoticesSchema,
      },
      preValidation: async (request) => {
        const auth = request.headers.authorization ?? '';
        const secret = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : undefined;
        const { workspaceId } = request.params as { workspaceId: string };
        if (!(await checkWebhookSecret(db, workspaceId, secret))) {
          // Public route: a wrong secret reveals nothing (not even that the workspace exists).
          throw new AppError(
            'not_found',
            'No bounce webhook here for this secret: send the workspace’s secret as "Authorization: Bearer <secret>" (Settings > Sender)',
          );
        }
      },
    },
    async (request) => {
      const notices = Array.isArray(request.body) ? request.body : [request.body];
      let matched = 0;
      let suppressed = 0;
      for (const notice of notices) {
        const result = await recordDeliveryNotice(db, clock, request.params.workspaceId, notice);
        if (result.matched) matched++;
        if (result.suppressed) suppressed++;
      }
      return { received: notices.length, matched, suppressed };
    },
  );
});
