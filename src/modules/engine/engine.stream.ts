import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { evaluateNewEvents, type SweepReport } from './engine.ts';

export interface EventEvaluator {
  /** Called after ingested events commit: evaluates event and metric rules for the workspace now. */
  notify(workspaceId: string): void;
  /** Resolves when no evaluation is running (shutdown, tests). */
  idle(): Promise<void>;
}

/**
 * Streaming evaluation in the process that ingests: one evaluation per workspace at a time; events arriving during
 * it trigger one follow-up, so a burst of batches costs two evaluations, not one per batch. The minute sweep is the
 * safety net for anything missed (a crash between commit and evaluation), and instance keys make reruns harmless.
 */
export function createEventEvaluator(db: Db, clock: Clock, onError: (error: Error) => void, onEvaluated?: (report: SweepReport) => void): EventEvaluator {
  const running = new Map<string, Promise<void>>();
  const pending = new Set<string>();

  const run = (workspaceId: string): Promise<void> => {
    const job = evaluateNewEvents(db, clock, workspaceId)
      .then((report) => onEvaluated?.(report))
      .catch((error: Error) => onError(error))
      .finally(() => {
        running.delete(workspaceId);
        if (pending.delete(workspaceId)) running.set(workspaceId, run(workspaceId));
      });
    return job;
  };

  return {
    notify(workspaceId) {
      if (running.has(workspaceId)) pending.add(workspaceId);
      else running.set(workspaceId, run(workspaceId));
    },
    async idle() {
      while (running.size > 0) await Promise.all(running.values());
    },
  };
}
