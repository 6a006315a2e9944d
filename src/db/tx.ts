import type { Transaction } from 'kysely';
import type { Db } from './client.ts';
import type { DB } from './schema.ts';

export type Tx = Transaction<DB>;

/** Runs fn in a transaction, joining the caller's when there is one (imports wrap many writes in one). */
export function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Tx);
  return db.transaction().execute(fn);
}

const RETRYABLE = new Set(['40P01', '40001']); // deadlock_detected, serialization_failure

/**
 * Runs fn again (up to 4 retries, jittered backoff from `baseMs`) when PostgreSQL picks it as a deadlock or
 * serialisation loser; concurrent writers to the same rows (ingest batches, racing sweeps) rely on it.
 */
export async function retryingConflicts<T>(fn: () => Promise<T>, baseMs = 5): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt < 4 && RETRYABLE.has((error as { code?: string }).code ?? '')) {
        await new Promise((resolve) => setTimeout(resolve, baseMs + Math.random() * 4 * baseMs * (attempt + 1)));
        continue;
      }
      throw error;
    }
  }
}
