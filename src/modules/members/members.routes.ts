import { z } from 'zod';
import { SESSION_COOKIE } from '../../http/auth.ts';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { AppError } from '../../lib/errors.ts';
import { getWorkspace } from '../workspaces/workspaces.ts';
import {
  memberCreateSchema,
  memberListSchema,
  memberSchema,
  memberUpdateSchema,
  meSchema,
  passwordChangeSchema,
  signInResultSchema,
  signInSchema,
} from './members.schema.ts';
import { createMember, getMember, listMembers, signIn, signOut, updateMember } from './members.ts';

const idParams = z.object({ id: z.uuid() });
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

export const authRoutes = defineRoutes((app, { db, clock, config }) => {
  app.post(
    '/auth/sign-in',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'signIn',
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the session cookie',
        body: signInSchema,
        response: { 200: signInResultSchema, ...errors },
      },
    },
    async (request, reply) => {
      const session = await signIn(db, clock, request.body.email, request.body.password, request.ip);
      reply.setCookie(SESSION_COOKIE, session.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: config.publicUrl.startsWith('https://'),
        expires: session.expiresAt,
      });
      const workspace = await getWorkspace(db, session.workspaceId);
      return { member: session.member, workspace: { id: workspace.id, name: workspace.name } };
    },
  );

  app.post(
    '/auth/sign-out',
    {
      config: { access: 'read' },
      schema: { operationId: 'signOut', tags: ['auth'], summary: 'End the current session', response: { 204: z.null(), ...errors } },
    },
    async (request, reply) => {
      if (request.sessionToken) await signOut(db, clock, actorOf(request), request.sessionToken);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getMe',
        tags: ['auth'],
        summary: 'The signed-in member (or API key) and workspace',
        response: { 200: meSchema, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const workspace = await getWorkspace(db, actor.workspaceId);
      const member = actor.type === 'member' && actor.id ? await getMember(db, actor, actor.id) : null;
      return {
        actor: { type: actor.type, id: actor.id, name: actor.name, roles: [...actor.roles] },
        member,
        workspace: { id: workspace.id, name: workspace.name },
      };
    },
  );

  app.post(
    '/me/password',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'changeMyPassword',
        tags: ['auth'],
        body: passwordChangeSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      if (actor.type !== 'member' || !actor.id) throw new AppError('bad_request', 'Only a signed-in member has a password');
      const me = await getMember(db, actor, actor.id);
      await signIn(db, clock, me.email, request.body.currentPassword, request.ip).catch(() => {
        throw new AppError('validation_failed', 'currentPassword: is incorrect', [{ path: 'body.currentPassword', message: 'is incorrect' }]);
      });
      await updateMember(db, clock, actor, actor.id, { password: request.body.newPassword });
      return reply.status(204).send(null);
    },
  );
});

export const membersRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/members',
    {
      config: { access: 'read' },
      schema: { operationId: 'listMembers', tags: ['members'], response: { 200: memberListSchema, ...errors } },
    },
    async (request) => ({ items: await listMembers(db, actorOf(request)) }),
  );

  app.post(
    '/members',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'createMember',
        tags: ['members'],
        body: memberCreateSchema,
        response: { 201: memberSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createMember(db, clock, actorOf(request), request.body)),
  );

  app.patch(
    '/members/:id',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'updateMember',
        tags: ['members'],
        params: idParams,
        body: memberUpdateSchema,
        response: { 200: memberSchema, ...errors },
      },
    },
    async (request) => updateMember(db, clock, actorOf(request), request.params.id, request.body),
  );
});
