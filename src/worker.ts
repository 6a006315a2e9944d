import { PgBoss } from 'pg-boss';
import type { Config } from './config.ts';
import type { Db, QueueBackend } from './db/client.ts';
import { type JobContext, jobCatalog } from './jobs/catalog.ts';
import type { Clock } from './lib/clock.ts';
import type { Telemetry } from './modules/telemetry/telemetry.ts';

export interface Worker {
  boss: PgBoss;
  /** 'stopped' once pg-boss has stopped, whether asked to or not (/readyz reports it). */
  state(): 'running' | 'stopped';
  stop(): Promise<void>;
}

export interface WorkerLog {
  info(message: string): void;
  error(message: string): void;
}

/**
 * Starts pg-boss, creates the catalog's queues and schedules, and consumes them.
 */
export async function startWorker(
  deps: { db: Db; clock: Clock; queue: QueueBackend; telemetry?: Telemetry | undefined; webhooks?: JobContext['webhooks']; config?: Config | undefined },
  log: WorkerLog,
): Promise<Worker> {
  const boss = new PgBoss('connectionString' in deps.queue ? { connectionString: deps.queue.connectionString, max: 4 } : deps.queue);
  boss.on('error', (error: Error) => log.error(`worker: ${error.message}`));
  let stopped = false;
  boss.once('stopped', () => {
    stopped = true;
  });
  await boss.start();
  const ctx: JobContext = { db: deps.db, clock: deps.clock, webhooks: deps.webhooks, config: deps.config };
  for (const spec of jobCatalog) {
    await boss.createQueue(spec.name, { retryLimit: spec.retryLimit, retryDelay: spec.retryDelaySeconds, retryBackoff: true });
    await boss.work(spec.name, async (jobs) => {
      for (const job of jobs) {
        const run = () => spec.handle(ctx, spec.payload.parse(job.data ?? {}));
        await (deps.telemetry ? deps.telemetry.timeJob(spec.name, run) : run());
      }
    });
    if (spec.cron) await boss.schedule(spec.name, spec.cron, {}, { tz: 'UTC' });
  }
  deps.telemetry?.watchQueues(() => boss.getQueues(jobCatalog.map((spec) => spec.name)));
  log.info(`worker: consuming ${jobCatalog.length} queue(s)`);
  return {
    boss,
    state: () => (stopped ? 'stopped' : 'running'),
    // stop() returns before the graceful shutdown finishes; 'stopped' marks its end (pool closed).
    stop: async () => {
      const finished = new Promise<void>((resolve) => boss.once('stopped', () => resolve()));
      await boss.stop({ graceful: true, timeout: 10_000 });
      await finished;
    },
  };
}
