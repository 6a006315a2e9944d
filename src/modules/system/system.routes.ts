import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { systemStatusSchema } from './system.schema.ts';
import { systemStatus } from './system.ts';

export const systemRoutes = defineRoutes((app, { db, clock, config, workerState }) => {
  const startedAt = clock.now();
  app.get(
    '/system',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'getSystemStatus',
        tags: ['system'],
        summary: 'The installation: version, database, schema version, worker, and the backups recorded',
        response: { 200: systemStatusSchema, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request) => systemStatus(db, clock, actorOf(request), { kind: config.databaseUrl ? 'postgres' : 'pglite', startedAt, workerState }),
  );
});
