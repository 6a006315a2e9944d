import { z } from 'zod';
import type { Db } from '../db/client.ts';
import type { Clock } from '../lib/clock.ts';
import { purgeExpiredSessions } from '../modules/members/members.ts';

export interface JobContext {
  db: Db;
  clock: Clock;
}

/** A background job: name `<module>.<action>`, payload schema, retry policy, optional cron schedule. */
export interface JobSpec<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  retryLimit: number;
  retryDelaySeconds: number;
  /** Cron in UTC; a schedule key per job so racing workers cannot double-run a tick. */
  cron?: string;
  handle(ctx: JobContext, payload: z.infer<S>): Promise<unknown>;
}

const job = <S extends z.ZodType>(spec: JobSpec<S>): JobSpec => spec as unknown as JobSpec;

/** Every job and schedule Momentum runs. */
export const jobCatalog: JobSpec[] = [
  job({
    name: 'members.purge-sessions',
    payload: z.object({}).passthrough(),
    retryLimit: 3,
    retryDelaySeconds: 60,
    cron: '17 * * * *',
    handle: async ({ db, clock }) => ({ deleted: await purgeExpiredSessions(db, clock) }),
  }),
];
