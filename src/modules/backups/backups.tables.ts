import { createHash } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';

// Backups work on every table of the schema, whatever module owns it: they read the catalogue, not the table types.
// biome-ignore lint/suspicious/noExplicitAny: a backup copies tables generically, before or after the typed schema exists.
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: as above.
type AnyTx = Transaction<any>;

export interface TableInfo {
  name: string;
  /** Every column, in table order (row JSON carries them all). */
  columns: string[];
  /** The columns a restore writes: generated columns are computed again. */
  insertable: string[];
  primaryKey: string[];
  /** `generated always as identity` columns: restored with OVERRIDING SYSTEM VALUE, their sequence moved past. */
  identity: string[];
}

/** Tables Momentum's migrations own but a backup does not carry: the migrator's bookkeeping (a restore migrates). */
const SKIPPED = new Set(['kysely_migration', 'kysely_migration_lock']);

/** Rows read per query: bounded memory whatever the table size. */
export const BATCH_ROWS = 2000;

/** The schema's tables in dependency order (a table after those its foreign keys reference). */
export async function listTables(db: AnyDb | AnyTx): Promise<TableInfo[]> {
  const tables = await sql<{ name: string; deps: string[] }>`
    select c.relname::text as name,
      coalesce(array_agg(distinct r.relname::text) filter (where r.relname is not null and r.relname <> c.relname), '{}') as deps
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_constraint k on k.conrelid = c.oid and k.contype = 'f'
    left join pg_class r on r.oid = k.confrelid
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
    group by c.relname
    order by c.relname`.execute(db);
  const columns = await sql<{ table: string; name: string; generated: string; identity: string; pk: number | null }>`
    select c.relname::text as table, a.attname::text as name, a.attgenerated::text as generated, a.attidentity::text as identity,
      array_position(i.indkey::int2[], a.attnum) as pk
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_index i on i.indrelid = c.oid and i.indisprimary
    where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum`.execute(db);
  const infos = new Map<string, TableInfo & { deps: string[] }>();
  for (const t of tables.rows) {
    if (SKIPPED.has(t.name)) continue;
    const own = columns.rows.filter((c) => c.table === t.name);
    infos.set(t.name, {
      name: t.name,
      deps: t.deps.filter((d) => !SKIPPED.has(d)),
      columns: own.map((c) => c.name),
      insertable: own.filter((c) => c.generated === '').map((c) => c.name),
      primaryKey: own
        .filter((c) => c.pk !== null)
        .sort((a, b) => (a.pk ?? 0) - (b.pk ?? 0))
        .map((c) => c.name),
      identity: own.filter((c) => c.identity === 'a').map((c) => c.name),
    });
  }
  const ordered: TableInfo[] = [];
  const placed = new Set<string>();
  while (placed.size < infos.size) {
    const ready = [...infos.values()].filter((t) => !placed.has(t.name) && t.deps.every((d) => placed.has(d) || !infos.has(d)));
    if (ready.length === 0) throw new Error(`Foreign keys form a cycle among: ${[...infos.keys()].filter((n) => !placed.has(n)).join(', ')}`);
    for (const { deps: _deps, ...table } of ready) {
      ordered.push(table);
      placed.add(table.name);
    }
  }
  return ordered;
}

/** Row JSON is compared across databases and files: timestamps in UTC make the same row the same text. */
export async function setUtc(tx: AnyTx): Promise<void> {
  await sql`set local timezone to 'UTC'`.execute(tx);
}

/**
 * A table's rows as JSON text, in primary key order, a batch at a time (keyset paging: each query starts after the
 * last row of the previous one, so reading costs the same at any depth). Call inside one transaction for a snapshot.
 */
export async function* readRows(tx: AnyTx, table: TableInfo): AsyncGenerator<string[]> {
  const name = sql.table(table.name);
  const key = table.primaryKey.length > 0 ? table.primaryKey : table.columns;
  const keyList = sql.join(key.map((c) => sql.ref(`t.${c}`)));
  let after: string | undefined;
  for (;;) {
    const from =
      after === undefined
        ? sql``
        : sql`where (${keyList}) > (select ${sql.join(key.map((c) => sql.ref(`p.${c}`)))} from json_populate_record(null::${name}, ${after}::json) p)`;
    const { rows } = await sql<{ j: string }>`select row_to_json(t)::text as j from ${name} t ${from} order by ${keyList} limit ${BATCH_ROWS}`.execute(tx);
    if (rows.length === 0) return;
    const lines = rows.map((r) => r.j);
    yield lines;
    if (rows.length < BATCH_ROWS) return;
    after = lines[lines.length - 1];
  }
}

/** Writes rows (JSON text of whole rows, as readRows gives them) into a table. */
export async function insertRows(tx: AnyTx, table: TableInfo, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  const columns = sql.join(table.insertable.map((c) => sql.ref(c)));
  const override = table.identity.length > 0 ? sql`overriding system value` : sql``;
  await sql`insert into ${sql.table(table.name)} (${columns}) ${override}
    select ${columns} from json_populate_recordset(null::${sql.table(table.name)}, ${`[${lines.join(',')}]`}::json)`.execute(tx);
}

/** After rows with explicit identity values, the next generated value must come after them. */
export async function advanceIdentities(tx: AnyTx, table: TableInfo): Promise<void> {
  for (const column of table.identity) {
    await sql`select setval(pg_get_serial_sequence(${table.name}, ${column}), coalesce((select max(${sql.ref(column)}) from ${sql.table(table.name)}), 0) + 1, false)`.execute(
      tx,
    );
  }
}

export async function countRows(db: AnyDb | AnyTx, table: TableInfo): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table.name)}`.execute(db);
  return rows[0]?.n ?? 0;
}

/** A running SHA-256 of a table's rows, line by line, as a backup file records it. */
export function rowDigest() {
  const hash = createHash('sha256');
  return {
    add(lines: string[]) {
      for (const line of lines) hash.update(`${line}\n`);
    },
    hex: () => hash.digest('hex'),
  };
}
