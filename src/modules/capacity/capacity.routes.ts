import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { capacitySchema, capacityUpdateSchema } from './capacity.schema.ts';
import { getCapacity, updateCapacity } from './capacity.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };
const tags = ['capacity'];

/** The team's capacity per role (hours per member per month), which the forecast sets effort against: /api/v1/capacity. */
export const capacityRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/capacity',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getCapacity',
        tags,
        summary: "Each team role's capacity per month: active members × hours per member",
        response: { 200: capacitySchema, ...errors },
      },
    },
    async (request) => getCapacity(db, actorOf(request)),
  );
  app.put(
    '/capacity',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'updateCapacity',
        tags,
        summary: 'Set the hours per member per month of some roles (the others keep theirs)',
        body: capacityUpdateSchema,
        response: { 200: capacitySchema, ...errors },
      },
    },
    async (request) => updateCapacity(db, clock, actorOf(request), request.body),
  );
});
