import { defineRoutes } from '../../http/types.ts';
import { safeEqual } from '../../lib/crypto.ts';
import { AppError } from '../../lib/errors.ts';

/**
 * GET /metrics for Prometheus, with `Authorization: Bearer $METRICS_TOKEN`. Public at the authorisation layer (the
 * token is not an API key): the route checks the token itself. Without METRICS_TOKEN it answers 404 (METRICS_PORT
 * serves metrics without a token on a separate port instead).
 */
export const telemetryRoutes = defineRoutes((app, { config, telemetry }) => {
  app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    if (!config.metricsToken || !telemetry) throw new AppError('not_found', 'Metrics are off on this port: set METRICS_TOKEN to serve /metrics here');
    const [scheme, token] = (request.headers.authorization ?? '').split(' ', 2);
    if (scheme?.toLowerCase() !== 'bearer' || !token || !safeEqual(token.trim(), config.metricsToken)) {
      throw new AppError('unauthenticated', 'Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>"');
    }
    return reply.type(telemetry.registry.contentType).send(await telemetry.registry.metrics());
  });
});
