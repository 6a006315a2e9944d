import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import { rebuildRollups } from './events.queries.ts';

// Read side of the daily rollups, for the metrics module: nothing here scans raw events except the explicit rebuilds.

/**
 * Starts keeping daily sums of a numeric property of an event (a 'sum' metric needs them), backfilled from the raw
 * events still kept. Idempotent.
 */
export async function registerSummedProperty(db: Db, workspaceId: string, name: string, property: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const added = await tx
      .insertInto('event_summed_properties')
      .values({ workspace_id: workspaceId, name, property })
      .onConflict((oc) => oc.doNothing())
      .returning('property')
      .executeTakeFirst();
    if (!added) return;
    await sql`
      insert into event_property_sums (workspace_id, account_id, day, name, property, sum)
      select workspace_id, account_id, (timestamp at time zone 'UTC')::date, name, ${property}, sum((properties ->> ${property})::float8)
      from events
      where workspace_id = ${workspaceId}::uuid and name = ${name} and account_id is not null and not future
        and jsonb_typeof(properties -> ${property}) = 'number'
      group by 1, 2, 3, 4
      on conflict (workspace_id, account_id, day, name, property) do update set sum = excluded.sum`.execute(tx);
  });
}

/** Stops keeping sums no metric needs any more (the sums kept so far go with it). */
export async function unregisterSummedProperty(db: Db, workspaceId: string, name: string, property: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.deleteFrom('event_summed_properties').where('workspace_id', '=', workspaceId).where('name', '=', name).where('property', '=', property).execute();
    await tx.deleteFrom('event_property_sums').where('workspace_id', '=', workspaceId).where('name', '=', name).where('property', '=', property).execute();
  });
}

export interface DailyStat {
  name: string;
  day: string;
  count: number;
  users: number;
}

/** Per event name and day (UTC) for one account: how many events and how many distinct users. */
export async function dailyEventStats(db: Db, workspaceId: string, accountId: string, names: string[], fromDay: string, toDay: string): Promise<DailyStat[]> {
  if (names.length === 0) return [];
  const result = await sql<DailyStat>`
    select name, day::text as day, sum(count)::int as count, (count(distinct user_key) filter (where user_key <> ''))::int as users
    from event_rollups
    where workspace_id = ${workspaceId}::uuid and account_id = ${accountId}::uuid and name = any(${names}::text[])
      and day between ${fromDay}::date and ${toDay}::date
    group by name, day`.execute(db);
  return result.rows;
}

export interface WindowUsers {
  name: string;
  /** Distinct users per window, keyed by the window's first day. */
  users: Record<string, number>;
}

/** Distinct users of each event over windows ending on toDay (exact: from the per-day user sets). */
export async function distinctUsers(
  db: Db,
  workspaceId: string,
  accountId: string,
  names: string[],
  fromDays: string[],
  toDay: string,
  extra?: { from: string; to: string },
) {
  if (names.length === 0) return new Map<string, { windows: number[]; extra: number }>();
  const first = [...fromDays, ...(extra ? [extra.from] : [])].sort()[0] ?? toDay;
  const windows = fromDays.map((d) => sql`(count(distinct user_key) filter (where user_key <> '' and day >= ${d}::date and day <= ${toDay}::date))::int`);
  const extraCol = extra
    ? sql`(count(distinct user_key) filter (where user_key <> '' and day >= ${extra.from}::date and day <= ${extra.to}::date))::int`
    : sql`0`;
  const result = await sql<{ name: string; w: number[]; extra: number }>`
    select name, array[${sql.join(windows)}] as w, ${extraCol} as extra
    from event_rollups
    where workspace_id = ${workspaceId}::uuid and account_id = ${accountId}::uuid and name = any(${names}::text[])
      and day between ${first}::date and ${toDay}::date
    group by name`.execute(db);
  return new Map(result.rows.map((r) => [r.name, { windows: r.w.map(Number), extra: Number(r.extra) }]));
}

/** When each event was last seen for this account (all rollup history, kept beyond raw-event retention). */
export async function lastSeen(db: Db, workspaceId: string, accountId: string, names: string[]): Promise<Map<string, Date>> {
  if (names.length === 0) return new Map();
  const result = await sql<{ name: string; at: Date }>`
    select name, max(last_at) as at from event_rollups
    where workspace_id = ${workspaceId}::uuid and account_id = ${accountId}::uuid and name = any(${names}::text[])
    group by name`.execute(db);
  return new Map(result.rows.map((r) => [r.name, new Date(r.at)]));
}

export interface DailySum {
  name: string;
  property: string;
  day: string;
  sum: number;
}

/** Daily sums of the registered numeric properties for one account. */
export async function dailyPropertySums(db: Db, workspaceId: string, accountId: string, fromDay: string, toDay: string): Promise<DailySum[]> {
  const result = await sql<DailySum>`
    select name, property, day::text as day, sum
    from event_property_sums
    where workspace_id = ${workspaceId}::uuid and account_id = ${accountId}::uuid and day between ${fromDay}::date and ${toDay}::date`.execute(db);
  return result.rows.map((r) => ({ ...r, sum: Number(r.sum) }));
}

/** Recomputes the workspace's rollups from its raw events (`momentum metrics rebuild`). */
export async function rebuildEventRollups(db: Db, workspaceId: string) {
  return inTransaction(db, (tx) => rebuildRollups(tx, workspaceId));
}
