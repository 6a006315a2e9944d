import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import {
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  PGliteDialect,
  PostgresDialect,
  type QueryCompiler,
  sql,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import { fromPglite, type Db as IDatabase } from 'pg-boss';
import type { DB } from './schema.ts';

export type Db = Kysely<DB>;

/** What pg-boss needs to reach this database: its own pool on PostgreSQL, the shared connection on PGlite. */
export type QueueBackend = { connectionString: string } | { db: IDatabase; backend: 'pglite' };

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  queue: QueueBackend;
  /** Connections in use for metrics: PostgreSQL's pool, or PGlite's one connection and the callers queued for it. */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

// Numeric and bigint come back as JS numbers (ARR, quantities and counts stay well inside 2^53).
pg.types.setTypeParser(1700, (v) => Number.parseFloat(v));
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
// Dates (not timestamps) stay 'YYYY-MM-DD' strings: no time zone shift.
pg.types.setTypeParser(1082, (v) => v);

export interface OpenOptions {
  /** postgres://... for a server; otherwise the embedded database. */
  databaseUrl?: string | undefined;
  /** Embedded database directory; undefined with no databaseUrl means in memory (tests). */
  dataDir?: string | undefined;
  poolSize?: number;
  /**
   * PostgreSQL only: how long to wait for the server to answer (it may still be starting, e.g. beside Momentum in a
   * compose file), retrying with a message through onWait; then opening fails with the last error. 0: do not wait.
   */
  waitSeconds?: number;
  onWait?: (message: string) => void;
}

export class DatabaseUnavailableError extends Error {}

/** Where a connection string points, without its password (for messages). */
export function describeServer(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'the DATABASE_URL server';
  }
}

async function waitForServer(db: Db, databaseUrl: string, seconds: number, onWait: (message: string) => void): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let delay = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`select 1`.execute(db);
      if (attempt > 1) onWait(`PostgreSQL at ${describeServer(databaseUrl)} answered.`);
      return;
    } catch (error) {
      const reason = (error as { code?: string; message?: string }).code ?? (error as Error).message;
      // A wrong password or a missing database will not fix itself: fail at once.
      const permanent = ['28P01', '28000', '3D000'].includes((error as { code?: string }).code ?? '');
      if (permanent || Date.now() + delay > deadline) {
        throw new DatabaseUnavailableError(
          `PostgreSQL at ${describeServer(databaseUrl)} ${permanent ? 'refused the connection' : seconds > 0 ? `did not answer within ${seconds} s` : 'does not answer'}: ${(error as Error).message}. Check DATABASE_URL and that the server is running${permanent || seconds === 0 ? '' : ' (DATABASE_WAIT_SECONDS waits longer)'}.`,
          { cause: error },
        );
      }
      onWait(`Waiting for PostgreSQL at ${describeServer(databaseUrl)} (${reason}); attempt ${attempt}, retrying in ${(delay / 1000).toFixed(1)} s`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
}

/** The only code that knows PGlite from PostgreSQL. */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    // An idle connection dropped by the server (restart, failover) is discarded by the pool; the next query reconnects.
    pool.on('error', () => undefined);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    if (options.waitSeconds !== undefined) {
      await waitForServer(db, options.databaseUrl, options.waitSeconds, options.onWait ?? (() => undefined)).catch(async (error) => {
        await db.destroy();
        throw error;
      });
    }
    const poolStats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
    return { db, kind: 'postgres', queue: { connectionString: options.databaseUrl }, poolStats, close: () => db.destroy() };
  }
  let dataDir: string | undefined;
  if (options.dataDir) {
    dataDir = join(options.dataDir, 'pgdata');
    mkdirSync(dataDir, { recursive: true });
  }
  const pglite = await PGlite.create({ dataDir, extensions: { pg_trgm }, parsers: pgliteParsers });
  const lock = new Lock();
  const db = new Kysely<DB>({ dialect: exclusive(new PGliteDialect({ pglite }), lock) });
  // pg-boss's own PGlite adapter (multi-statement DDL goes through exec), each call holding the same lock.
  const boss = fromPglite(pglite);
  const queueDb: IDatabase = { ...boss, executeSql: (text, values) => lock.run(() => boss.executeSql(text, values)) };
  const poolStats = () => ({ total: 1, idle: lock.holders === 0 ? 1 : 0, waiting: Math.max(0, lock.holders - 1) });
  // Kysely closes PGlite only once a query has run; a database opened and closed without one (a command refused
  // before its first query) would keep PGlite's timers, and the process, alive.
  const close = async () => {
    await db.destroy();
    if (!pglite.closed) await pglite.close();
  };
  return { db, kind: 'pglite', queue: { db: queueDb, backend: 'pglite' }, poolStats, close };
}

const pgliteParsers = {
  1700: (v: string) => Number.parseFloat(v),
  20: (v: string) => Number.parseInt(v, 10),
  1082: (v: string) => v,
};

/**
 * PGlite is one connection. Kysely's PGlite driver hands that connection to every caller, so a
 * query issued while another caller's transaction is open would run inside it. A mutex around
 * acquire/release gives each caller (a query, or a whole transaction) exclusive use.
 */
function exclusive(dialect: Dialect, lock: Lock): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => new ExclusiveDriver(dialect.createDriver(), lock),
  };
}

/** A FIFO mutex. */
class Lock {
  #tail: Promise<void> = Promise.resolve();
  /** Callers holding or waiting for the lock (metrics). */
  holders = 0;

  async acquire(): Promise<() => void> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holders++;
    await previous;
    return () => {
      this.holders--;
      release();
    };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

class ExclusiveDriver implements Driver {
  #inner: Driver;
  #lock: Lock;
  #release: (() => void) | undefined;

  constructor(inner: Driver, lock: Lock) {
    this.#inner = inner;
    this.#lock = lock;
  }
  init() {
    return this.#inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    this.#release = await this.#lock.acquire();
    return this.#inner.acquireConnection();
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.#inner.releaseConnection(connection);
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    return this.#inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection) {
    return this.#inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection) {
    return this.#inner.rollbackTransaction(connection);
  }
  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.#inner.savepoint?.(connection, name, compile) ?? Promise.resolve();
  }
  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.#inner.rollbackToSavepoint?.(connection, name, compile) ?? Promise.resolve();
  }
  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.#inner.releaseSavepoint?.(connection, name, compile) ?? Promise.resolve();
  }
  destroy() {
    return this.#inner.destroy();
  }
}
