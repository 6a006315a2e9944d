import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { homeSchema } from './home.schema.ts';
import { getHome } from './home.ts';

export const homeRoutes = defineRoutes((app, { db, clock }) => {
  app.get(
    '/home',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getHome',
        tags: ['moments'],
        summary: "The signed-in member's home page: my moments in numbers and by week, my renewals, recent alerts, the team's load for leads",
        response: { 200: homeSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request) => getHome(db, clock, actorOf(request)),
  );
});
