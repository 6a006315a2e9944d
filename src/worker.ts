import { fromKysely, PgBoss } from 'pg-boss';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import { type JobContext, jobCatalog } from './jobs/catalog.ts';
import type { Clock } from './lib/clock.ts';

export interface Worker {
  boss: PgBoss;
  stop(): Promise<void>;
}

export interface WorkerLog {
  info(message: string): void;
  error(message: string): void;
}

/**
 * Starts pg-boss, creates the catalog's queues and schedules, and consumes them.
 * On PostgreSQL pg-boss has its own small pool; on PGlite it shares the app's single connection.
 */
export async function startWorker(deps: { db: Db; clock: Clock; config: Config }, log: WorkerLog): Promise<Worker> {
  const boss = deps.config.databaseUrl ? new PgBoss({ connectionString: deps.config.databaseUrl, max: 4 }) : new PgBoss({ db: fromKysely(deps.db as never) });
  boss.on('error', (error: Error) => log.error(`worker: ${error.message}`));
  await boss.start();
  const ctx: JobContext = { db: deps.db, clock: deps.clock };
  for (const spec of jobCatalog) {
    await boss.createQueue(spec.name, { retryLimit: spec.retryLimit, retryDelay: spec.retryDelaySeconds, retryBackoff: true });
    await boss.work(spec.name, async (jobs) => {
      for (const job of jobs) await spec.handle(ctx, spec.payload.parse(job.data ?? {}));
    });
    if (spec.cron) await boss.schedule(spec.name, spec.cron, {}, { tz: 'UTC' });
  }
  log.info(`worker: consuming ${jobCatalog.length} queue(s)`);
  return { boss, stop: () => boss.stop({ graceful: true, timeout: 10_000 }) };
}
