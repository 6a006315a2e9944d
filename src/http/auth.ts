import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../lib/actor.ts';
import { safeEqual } from '../lib/crypto.ts';
import { AppError } from '../lib/errors.ts';
import { findApiKeyActor } from '../modules/apikeys/apikeys.ts';
import { findSession } from '../modules/members/members.ts';
import { findFirstWorkspace } from '../modules/workspaces/workspaces.ts';
import type { Access, AppDeps } from './types.ts';

export const SESSION_COOKIE = 'momentum_session';

/** Reads the caller's credentials: a session cookie, a Bearer key, or HTTP Basic with a key as user name (Segment clients). */
function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, value] = header.split(' ', 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.split(':', 1)[0] || undefined;
  }
  return undefined;
}

/** onRequest hook: authenticates and authorises every route by its declared access. */
export function authorise(deps: AppDeps) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    request.actor = undefined;
    // No route matched: the not-found handler answers 404 without revealing anything.
    if (!request.routeOptions.url) return;
    // app.ts refuses to start with a route that declares no access; should one slip through, nobody may call it.
    const access = request.routeOptions.config?.access;
    if (!access) throw new AppError('forbidden', 'This route declares no access');
    if (access === 'public') return;
    if (access === 'control') {
      const key = presentedKey(request);
      if (!deps.controlToken || !key || !safeEqual(key, deps.controlToken)) throw new AppError('unauthenticated', 'Control token required');
      const workspace = await findFirstWorkspace(deps.db);
      request.actor = { workspaceId: workspace?.id ?? '', type: 'system', id: null, name: 'cli', roles: ['admin'], scopes: ['admin', 'ingest'] };
      return;
    }
    // Segment clients may send the write key in the body instead: authenticated after parsing, by authoriseWriteKey.
    if (access === 'ingest' && !request.headers.authorization) return;
    const actor = await authenticate(deps, request);
    if (!actor) throw new AppError('unauthenticated', 'Sign in, or send an API key as "Authorization: Bearer <key>"');
    request.actor = actor;
    if (!allowed(actor, access)) throw new AppError('forbidden', forbiddenMessage(actor, access));
  };
}

/** preValidation hook: ingest routes called without an Authorization header authenticate with the body's writeKey (or a session). */
export function authoriseWriteKey(deps: AppDeps) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    if (request.actor || request.routeOptions.config?.access !== 'ingest') return;
    const writeKey = (request.body as { writeKey?: unknown } | undefined)?.writeKey;
    const actor =
      typeof writeKey === 'string' && writeKey
        ? unexpired(await findApiKeyActor(deps.db, deps.clock, writeKey), 'write key')
        : await authenticate(deps, request);
    if (!actor) {
      throw new AppError(
        'unauthenticated',
        typeof writeKey === 'string' && writeKey
          ? 'Unknown or revoked write key'
          : 'Send an ingest key as the HTTP Basic user name, or as writeKey in the body',
      );
    }
    if (!allowed(actor, 'ingest')) throw new AppError('forbidden', forbiddenMessage(actor, 'ingest'));
    request.actor = actor;
  };
}

/** A key past its expiry is refused with a message saying so (an unknown or revoked key says less). */
function unexpired(found: Actor | { expiredAt: string } | undefined, what: 'API key' | 'write key'): Actor | undefined {
  if (found && 'expiredAt' in found) {
    throw new AppError(
      'unauthenticated',
      `This ${what} expired on ${found.expiredAt.slice(0, 16).replace('T', ' ')} UTC: an admin can create a new one in Settings > API keys`,
    );
  }
  return found;
}

async function authenticate(deps: AppDeps, request: FastifyRequest): Promise<Actor | undefined> {
  const key = presentedKey(request);
  if (key) {
    const actor = unexpired(await findApiKeyActor(deps.db, deps.clock, key), 'API key');
    if (!actor) throw new AppError('unauthenticated', 'Unknown or revoked API key');
    return actor;
  }
  const token = request.cookies[SESSION_COOKIE];
  if (!token) return undefined;
  checkSameOrigin(deps, request);
  const session = await findSession(deps.db, deps.clock, token);
  if (!session) return undefined;
  if ('expired' in session) throw new AppError('unauthenticated', 'Your session has expired: sign in again');
  request.sessionToken = token;
  return session.actor;
}

/** The header the console sends with every request; a page on another site cannot send it without a CORS preflight. */
export const CONSOLE_HEADER = 'x-momentum-client';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request authenticated by the session cookie must come from the console: the browser says the
 * request is same-origin (Sec-Fetch-Site, Origin) and it carries the console's header, which another site's form or
 * fetch cannot add. API keys are not cookies: they are unaffected.
 */
function checkSameOrigin(deps: AppDeps, request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  const own = [`${request.protocol}://${request.host}`, new URL(deps.config.publicUrl).origin];
  const crossSite = (site !== undefined && site !== 'same-origin' && site !== 'none') || (origin !== undefined && !own.includes(origin));
  if (crossSite || request.headers[CONSOLE_HEADER] === undefined) {
    throw new AppError(
      'forbidden',
      crossSite
        ? 'A change signed in by cookie must come from the Momentum console itself, not from another site'
        : `A change signed in by cookie must come from the Momentum console (the ${CONSOLE_HEADER} header); scripts use an API key`,
    );
  }
}

function allowed(actor: Actor, access: Access): boolean {
  if (actor.type === 'api_key') {
    if (access === 'ingest') return actor.scopes.includes('ingest') || actor.scopes.includes('admin');
    return actor.scopes.includes('admin');
  }
  switch (access) {
    case 'ingest':
    case 'read':
      return true;
    case 'write':
      return actor.roles.some((role) => role !== 'executive');
    case 'admin':
      return actor.roles.includes('admin');
    default:
      return false;
  }
}

function forbiddenMessage(actor: Actor, access: Access): string {
  if (actor.type === 'api_key') return `This API key lacks the scope this route needs (${access === 'ingest' ? 'ingest' : 'admin'})`;
  return access === 'admin' ? 'Only workspace admins can do this' : 'Your roles do not allow this change';
}
