import { sql } from 'kysely';
import { z } from 'zod';
import { pendingMigrations } from '../db/migrate.ts';
import { defineRoutes } from './types.ts';

export const healthRoutes = defineRoutes((app, { db, workerState }) => {
  // Once the schema is current it stays current for this process (a new migration comes with a new binary).
  let migrated = false;
  // Liveness: the process answers. It never waits on the database, so a long backup or import on the embedded
  // database (one connection) does not get a healthy server restarted; /readyz is the check that reads the database.
  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true, response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  /**
   * Ready for traffic: the database answers, every migration of this version is applied and, where this process runs
   * the worker, the worker runs (load balancers, compose, Kubernetes). While shutting down Fastify answers 503 itself.
   */
  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        hide: true,
        response: { 200: z.object({ status: z.literal('ready') }), 503: z.object({ status: z.literal('unavailable'), reason: z.string() }) },
      },
    },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(db);
      } catch {
        return reply.status(503).send({ status: 'unavailable' as const, reason: 'the database does not answer' });
      }
      if (!migrated) {
        const pending = await pendingMigrations(db).catch(() => ['(unknown)']);
        if (pending.length > 0) return reply.status(503).send({ status: 'unavailable' as const, reason: `migrations pending: ${pending.join(', ')}` });
        migrated = true;
      }
      const worker = workerState?.();
      if (worker && worker !== 'running') return reply.status(503).send({ status: 'unavailable' as const, reason: `the worker is ${worker}` });
      return { status: 'ready' as const };
    },
  );
});
