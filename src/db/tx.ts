import type { Transaction } from 'kysely';
import type { Db } from './client.ts';
import type { DB } from './schema.ts';

export type Tx = Transaction<DB>;

/** Runs fn in a transaction, joining the caller's when there is one (imports wrap many writes in one). */
export function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Tx);
  return db.transaction().execute(fn);
}
