import { z } from 'zod';

/** A backup as the audit log records it (the System page lists them). */
export const backupRecordSchema = z.object({
  at: z.string(),
  file: z.string(),
  rows: z.number(),
  bytes: z.number().nullable(),
  schema: z.string(),
  by: z.string(),
});

/** GET /api/v1/system: what an admin checks before trusting the installation (the console's Settings > System). */
export const systemStatusSchema = z
  .object({
    version: z.string(),
    database: z.enum(['embedded', 'postgresql']),
    schema: z.object({ current: z.string().nullable(), applied: z.number(), pending: z.array(z.string()) }),
    /** The worker in this server process: `elsewhere` when it runs as separate `momentum worker` processes. */
    worker: z.enum(['starting', 'running', 'stopped', 'elsewhere']),
    ready: z.boolean(),
    startedAt: z.string(),
    /** The latest backups of this database, newest first. */
    backups: z.array(backupRecordSchema),
    /** Days since the last backup; null when there has been none. */
    daysSinceBackup: z.number().nullable(),
  })
  .meta({ id: 'SystemStatus' });

export type SystemStatus = z.infer<typeof systemStatusSchema>;
export type BackupRecord = z.infer<typeof backupRecordSchema>;
