import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { systemClock } from '../lib/clock.ts';
import { randomToken } from '../lib/crypto.ts';
import { createTelemetry, listenMetrics, type MetricsListener } from '../modules/telemetry/telemetry.ts';
import { startWorker, type Worker } from '../worker.ts';
import { UserError } from './command.ts';
import { ensureDemo } from './demo.ts';
import { acquireLock, releaseLock, updateLock } from './lock.ts';
import { exitAnywayAfterGrace } from './shutdown.ts';

export interface ServeOptions {
  worker: boolean;
  demo: boolean;
}

/** `momentum serve`: migrate, seed the demo on an empty database, serve console + API, run the worker. */
export async function serve(options: ServeOptions): Promise<void> {
  const config = loadConfig();
  const started = performance.now();
  if (!config.databaseUrl) {
    const holder = acquireLock(config.dataDir, { kind: 'serve' });
    if (holder) {
      throw new UserError(
        holder.kind === 'serve'
          ? `Momentum is already running on ${config.dataDir} (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}).`
          : `A momentum command (pid ${holder.pid}) is using ${config.dataDir}; start again when it finishes.`,
      );
    }
  }
  let database: Database | undefined;
  let worker: Worker | undefined;
  let metricsListener: MetricsListener | undefined;
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, waitSeconds: config.databaseWaitSeconds, onWait: console.log });
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) console.log(`Applied ${applied.length} migration(s).`);
    const demo = options.demo ? await ensureDemo({ db: database.db, clock: systemClock, config }) : undefined;
    const controlToken = randomToken();
    const telemetry = createTelemetry();
    telemetry.watchPool(database.poolStats);
    const workerState = options.worker ? () => worker?.state() ?? ('starting' as const) : undefined;
    const app = await buildApp({ db: database.db, clock: systemClock, config, controlToken, telemetry, workerState }, { logger: true, web: true });
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    if (!config.databaseUrl) updateLock(config.dataDir, { kind: 'serve', url, controlToken });
    if (options.worker)
      worker = await startWorker(
        { db: database.db, clock: systemClock, queue: database.queue, telemetry, webhooks: { allowPrivate: config.webhooksAllowPrivate }, config },
        { info: (m) => app.log.info(m), error: (m) => app.log.error(m) },
      );

    if (config.metricsPort !== undefined) metricsListener = await listenMetrics(telemetry, { port: config.metricsPort, host: config.host });

    console.log(`\nMomentum is running at ${url}  (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    console.log(`  console  ${url}/\n  API      ${url}/api/v1  (reference: ${url}/docs)`);
    console.log(`  database ${config.databaseUrl ? 'PostgreSQL' : `embedded, ${config.dataDir}`}${options.worker ? '  (worker running)' : ''}`);
    if (metricsListener) console.log(`  metrics  http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${metricsListener.port}/metrics`);
    if (demo) console.log(`  sign in  ${demo.email} / ${demo.password}`);

    const shutdown = async (signal: string) => {
      app.log.info(`${signal}: shutting down (finishing requests in flight and running jobs)`);
      exitAnywayAfterGrace((m) => app.log.error(m));
      await app.close();
      await metricsListener?.close();
      await worker?.stop();
      await database?.close();
      if (!config.databaseUrl) releaseLock(config.dataDir);
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
  } catch (error) {
    await metricsListener?.close().catch(() => undefined);
    await worker?.stop().catch(() => undefined);
    await database?.close().catch(() => undefined);
    if (!config.databaseUrl) releaseLock(config.dataDir);
    throw error;
  }
}
