import { readFileSync } from 'node:fs';
import type { Db } from '../../db/client.ts';
import { migrationStatus } from '../../db/migrate.ts';
import { type Actor, systemActor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { listAudit, recordAudit } from '../audit/audit.ts';
import { listWorkspaceIds } from '../workspaces/workspaces.ts';
import type { BackupRecord, SystemStatus } from './system.schema.ts';

export const MOMENTUM_VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const DAY_MS = 24 * 3600 * 1000;

export interface BackupDetails {
  file: string;
  rows: number;
  bytes: number | null;
  schema: string;
}

/**
 * A backup covers every workspace, so each workspace's audit log records it (a copy of its data exists, and where).
 * Admins see them under Settings > System. Written after the snapshot: a backup file never holds its own record.
 */
export async function recordBackup(db: Db, clock: Clock, details: BackupDetails): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (const workspaceId of await listWorkspaceIds(tx)) {
      await recordAudit(tx, clock, systemActor(workspaceId, 'momentum backup'), {
        action: 'database.backed_up',
        entityType: 'database',
        entityId: null,
        after: details,
      });
    }
  });
}

export interface SystemContext {
  kind: 'pglite' | 'postgres';
  startedAt: Date;
  workerState?: (() => 'starting' | 'running' | 'stopped') | undefined;
}

/** The installation as an admin checks it: version, database, schema, worker, and the backups taken. */
export async function systemStatus(db: Db, clock: Clock, actor: Actor, context: SystemContext): Promise<SystemStatus> {
  const migrations = await migrationStatus(db);
  const applied = migrations.filter((m) => m.applied);
  const pending = migrations.filter((m) => !m.applied).map((m) => m.name);
  const recorded = await listAudit(db, actor, { entityType: 'database', limit: 50 });
  const backups: BackupRecord[] = recorded.items
    .filter((entry) => entry.action === 'database.backed_up')
    .slice(0, 10)
    .map((entry) => {
      const details = (entry.after ?? {}) as Partial<BackupDetails>;
      return {
        at: entry.at,
        file: details.file ?? '',
        rows: details.rows ?? 0,
        bytes: details.bytes ?? null,
        schema: details.schema ?? '',
        by: entry.actor.name,
      };
    });
  const lastBackup = backups[0];
  const worker = context.workerState?.() ?? 'elsewhere';
  return {
    version: MOMENTUM_VERSION,
    database: context.kind === 'pglite' ? 'embedded' : 'postgresql',
    schema: { current: applied.at(-1)?.name ?? null, applied: applied.length, pending },
    worker,
    ready: pending.length === 0 && (worker === 'running' || worker === 'elsewhere'),
    startedAt: context.startedAt.toISOString(),
    backups,
    daysSinceBackup: lastBackup ? Math.floor((clock.now().getTime() - new Date(lastBackup.at).getTime()) / DAY_MS) : null,
  };
}
