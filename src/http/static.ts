import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import compress from '@fastify/compress';
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
    // Only the console's files are compressed (this plugin's scope): API answers stay as they are, and the CLI's
    // streamed output through /control/run is not held back by a compressor.
    await app.register(compress, { global: true, encodings: ['br', 'gzip'] });
    await app.register(fastifyStatic, {
      root: WEB_DIST,
      wildcard: false,
      index: ['index.html'],
      // Vite names built assets after their content: cache them for good; the app shell is revalidated every time.
      setHeaders: (reply, path) => {
        reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    app.get('/*', { config: { access: 'public' } }, async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      if (path.startsWith('/api/') || path.startsWith('/v1/') || path.startsWith('/portal/v1/')) {
        // Ingestion (/v1) answers pages on any origin, its 404s included (see events.routes.ts).
        if (path.startsWith('/v1/')) reply.header('access-control-allow-origin', '*');
        return reply.status(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${path}` } });
      }
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  };
}
