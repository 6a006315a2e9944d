import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { systemClock } from '../lib/clock.ts';
import { createTelemetry, listenMetrics } from '../modules/telemetry/telemetry.ts';
import { startWorker } from '../worker.ts';
import { UserError } from './command.ts';
import { exitAnywayAfterGrace } from './shutdown.ts';

/** `momentum worker`: consumes jobs alone; run several against one PostgreSQL to scale out. */
export async function runWorker(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    throw new UserError(
      '`momentum worker` alone needs DATABASE_URL (PostgreSQL). On the embedded database, `momentum serve` runs the worker in the same process.',
    );
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, poolSize: 4, waitSeconds: config.databaseWaitSeconds, onWait: console.log });
  await migrateToLatest(database.db);
  const log = { info: (m: string) => console.log(m), error: (m: string) => console.error(m) };
  const telemetry = createTelemetry();
  telemetry.watchPool(database.poolStats);
  const worker = await startWorker(
    { db: database.db, clock: systemClock, queue: database.queue, telemetry, webhooks: { allowPrivate: config.webhooksAllowPrivate }, config },
    log,
  );
  // The worker has no other HTTP server: METRICS_PORT is how Prometheus sees its jobs and queues.
  const metrics = config.metricsPort === undefined ? undefined : await listenMetrics(telemetry, { port: config.metricsPort, host: config.host });
  if (metrics) log.info(`worker: metrics on http://${config.host}:${metrics.port}/metrics`);
  const stop = async () => {
    log.info('worker: shutting down (finishing running jobs)');
    exitAnywayAfterGrace(log.error);
    await metrics?.close();
    await worker.stop();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
