import type { Db } from '../../db/client.ts';
import { retryingConflicts } from '../../db/tx.ts';
import { insertTaggedEventRows } from './events.queries.ts';

interface Pending {
  workspaceId: string;
  source: string;
  receivedAt: Date;
  jsons: string[];
  resolve(stored: number): void;
  reject(error: unknown): void;
}

export interface EventWriter {
  /** Stores validated event rows (EventRow JSON); resolves with how many were new, after they are committed. */
  write(workspaceId: string, source: string, receivedAt: Date, jsons: string[]): Promise<number>;
}

/**
 * Group commit for ingestion: batches that arrive while earlier ones are being written are written together, one
 * statement (and so one commit) per workspace and source, and each caller is answered after its commit. PGlite has one
 * connection and flushes to disk on every commit, so this multiplies its throughput under concurrent clients; on
 * PostgreSQL several `lanes` write at once, as its pool and group commit allow.
 */
export function createEventWriter(db: Db, options: { lanes: number; maxRows?: number }): EventWriter {
  const queue: Pending[] = [];
  const maxRows = options.maxRows ?? 5000;
  let active = 0;

  async function writeGroup(jobs: Pending[]): Promise<Map<number, number>> {
    const first = jobs[0] as Pending;
    const tagged = jobs.flatMap((job, r) => {
      const prefix = `{"r":${r},"received_at":"${job.receivedAt.toISOString()}",`;
      return job.jsons.map((json) => prefix + json.slice(1));
    });
    return retryingConflicts(() => insertTaggedEventRows(db, first.workspaceId, first.source, `[${tagged.join(',')}]`));
  }

  async function settle(jobs: Pending[]) {
    try {
      const counts = await writeGroup(jobs);
      for (const [r, job] of jobs.entries()) job.resolve(counts.get(r) ?? 0);
    } catch (error) {
      // One request's rows must not fail the others': written together they failed, so each is tried alone.
      if (jobs.length === 1) (jobs[0] as Pending).reject(error);
      else for (const job of jobs) await settle([job]);
    }
  }

  async function drain() {
    active++;
    try {
      while (queue.length > 0) {
        const taken: Pending[] = [];
        let rows = 0;
        while (queue.length > 0 && (taken.length === 0 || rows + (queue[0] as Pending).jsons.length <= maxRows)) {
          const job = queue.shift() as Pending;
          taken.push(job);
          rows += job.jsons.length;
        }
        const groups = new Map<string, Pending[]>();
        for (const job of taken) {
          const key = `${job.workspaceId}\n${job.source}`;
          groups.set(key, [...(groups.get(key) ?? []), job]);
        }
        for (const jobs of groups.values()) await settle(jobs);
      }
    } finally {
      active--;
    }
  }

  return {
    write(workspaceId, source, receivedAt, jsons) {
      return new Promise<number>((resolve, reject) => {
        queue.push({ workspaceId, source, receivedAt, jsons, resolve, reject });
        if (active < options.lanes) void drain();
      });
    },
  };
}
