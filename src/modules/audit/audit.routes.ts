import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { listAudit } from './audit.ts';

const auditEntrySchema = z
  .object({
    id: z.number(),
    at: z.string(),
    actor: z.object({ type: z.string(), id: z.string().nullable(), name: z.string() }),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
  })
  .meta({ id: 'AuditEntry' });

export const auditRoutes = defineRoutes((app, { db }) => {
  app.get(
    '/audit',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'listAudit',
        tags: ['audit'],
        summary: 'The audit log: every write, who, when, before and after (newest first)',
        querystring: z.strictObject({
          entityType: z.string().max(50).optional(),
          entityId: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.coerce.number().int().positive().optional(),
        }),
        response: {
          200: z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return listAudit(db, actorOf(request), { entityType: q.entityType, entityId: q.entityId, limit: q.limit, before: q.cursor });
    },
  );
});
