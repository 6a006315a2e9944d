import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const WEB_DIST = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Serves the built console; unknown page paths get the app shell (client-side routing). */
export function serveWeb() {
  return async (app: FastifyInstance) => {
    // Built assets and the app shells are public; the data behind them is not.
    app.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), access: 'public' };
    });
    if (!existsSync(WEB_DIST)) {
      app.get('/', { config: { access: 'public' } }, async (_req, reply) =>
        reply.type('text/plain').send('The console is not built: run `npm run build` (npm start does this for you).'),
      );
      return;
    }
    await app.register(fastifyStatic, { root: WEB_DIST, wildcard: false, index: ['index.html'] });
    app.get('/*', { config: { access: 'public' } }, async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      if (path.startsWith('/api/') || path.startsWith('/v1/') || path.startsWith('/portal/v1/')) {
        return reply.status(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${path}` } });
      }
      return reply.sendFile('index.html');
    });
  };
}
