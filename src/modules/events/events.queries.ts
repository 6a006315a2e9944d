import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/client.ts';

/**
 * The rollup upserts, fed by a CTE named `changed` (columns account_id, name, timestamp, user_key, properties, future)
 * that holds events newly stored or newly attached to an account. Rows are sorted so that concurrent batches lock
 * rollup rows in the same order (no deadlocks between them).
 */
function rollupCtes(workspaceId: string): RawBuilder<unknown> {
  return sql`
  rolled as (
    insert into event_rollups (workspace_id, account_id, day, name, user_key, count, last_at)
    select ${workspaceId}::uuid, account_id, (timestamp at time zone 'UTC')::date, name, user_key, count(*)::int, max(timestamp)
    from changed
    where account_id is not null and name is not null and not future
    group by 2, 3, 4, 5
    order by 2, 3, 4, 5
    on conflict (workspace_id, account_id, day, name, user_key)
    do update set count = event_rollups.count + excluded.count, last_at = greatest(event_rollups.last_at, excluded.last_at)
  ),
  summed as (
    insert into event_property_sums (workspace_id, account_id, day, name, property, sum)
    select ${workspaceId}::uuid, c.account_id, (c.timestamp at time zone 'UTC')::date, c.name, p.property, sum((c.properties ->> p.property)::float8)
    from changed c
    join event_summed_properties p on p.workspace_id = ${workspaceId}::uuid and p.name = c.name
    where c.account_id is not null and not c.future and jsonb_typeof(c.properties -> p.property) = 'number'
    group by 2, 3, 4, 5
    order by 2, 3, 4, 5
    on conflict (workspace_id, account_id, day, name, property)
    do update set sum = event_property_sums.sum + excluded.sum
  )`;
}

/**
 * Stores event rows (a JSON array, see EventRow) in one statement: attaches each to its user's contact and account,
 * skips messageIds this source already sent, and updates the daily rollups. Rows may carry `r` (which request they
 * came from) and `received_at`; returns how many rows were new per `r` (null for untagged rows).
 */
async function insertRows(db: Db, workspaceId: string, source: string, receivedAt: Date, rowsJson: string): Promise<{ r: number | null; inserted: number }[]> {
  return insertFrom(
    db,
    workspaceId,
    source,
    receivedAt,
    sql`select * from json_to_recordset(${rowsJson}::json) as t(
      r int, received_at timestamptz,
      id uuid, message_id text, type text, name text, user_id text, anonymous_id text, group_id text, contact_id uuid, account_id uuid,
      properties jsonb, traits jsonb, context jsonb, timestamp timestamptz, original_timestamp timestamptz, sent_at timestamptz,
      future boolean, channel text, digital boolean)`,
  );
}

/** The same insert fed by any select with the columns of json_to_recordset above (a set-based caller's own rows). */
async function insertFrom(
  db: Db,
  workspaceId: string,
  source: string,
  receivedAt: Date,
  input: RawBuilder<unknown>,
): Promise<{ r: number | null; inserted: number }[]> {
  const result = await sql<{ r: number | null; inserted: number }>`
  with input as (${input}),
  changed as (
    insert into events (workspace_id, id, source, message_id, type, name, user_id, anonymous_id, group_id, contact_id, account_id,
      properties, traits, context, timestamp, original_timestamp, sent_at, received_at, future, channel, digital)
    select ${workspaceId}::uuid, t.id, ${source}, t.message_id, t.type, t.name, t.user_id, t.anonymous_id, t.group_id,
      coalesce(t.contact_id, iu.contact_id, ia.contact_id), coalesce(t.account_id, iu.account_id, ia.account_id),
      coalesce(t.properties, '{}'::jsonb), t.traits, coalesce(t.context, '{}'::jsonb), t.timestamp, t.original_timestamp, t.sent_at,
      coalesce(t.received_at, ${receivedAt}::timestamptz), t.future, t.channel, t.digital
    from input t
    left join event_identities iu on iu.workspace_id = ${workspaceId}::uuid and iu.kind = 'user' and iu.external_id = t.user_id
    left join event_identities ia on ia.workspace_id = ${workspaceId}::uuid and ia.kind = 'anonymous' and ia.external_id = t.anonymous_id
    order by t.message_id
    on conflict (workspace_id, source, message_id) do nothing
    returning message_id, account_id, name, timestamp, coalesce(user_id, anonymous_id, contact_id::text, '') as user_key, properties, future
  ),
  ${rollupCtes(workspaceId)}
  select r, count(*)::int as inserted from (
    select distinct on (c.message_id) i.r from changed c join input i on i.message_id = c.message_id order by c.message_id, i.r
  ) stored group by r`.execute(db);
  return result.rows;
}

/**
 * Stores one interaction event per row of `accounts` (a select of `account_id uuid, properties jsonb`) in one
 * statement, whatever the number of accounts: message id `keyPrefix:account_id`, properties the common ones merged
 * with the row's. Returns how many were new.
 */
export async function insertAccountEventRows(
  db: Db,
  workspaceId: string,
  source: string,
  at: Date,
  accounts: RawBuilder<unknown>,
  event: { name: string; keyPrefix: string; properties: Record<string, unknown>; channel: string; digital: boolean; idPrefix: string },
): Promise<number> {
  const rows = await insertFrom(
    db,
    workspaceId,
    source,
    at,
    sql`select null::int as r, null::timestamptz as received_at,
      (${event.idPrefix} || substr(gen_random_uuid()::text, 16))::uuid as id, ${event.keyPrefix} || ':' || a.account_id::text as message_id,
      'interaction'::text as type, ${event.name}::text as name, null::text as user_id, null::text as anonymous_id, null::text as group_id,
      null::uuid as contact_id, a.account_id::uuid as account_id, ${JSON.stringify(event.properties)}::jsonb || coalesce(a.properties, '{}'::jsonb) as properties,
      null::jsonb as traits, '{}'::jsonb as context, ${at}::timestamptz as timestamp, ${at}::timestamptz as original_timestamp,
      null::timestamptz as sent_at, false as future, ${event.channel}::text as channel, ${event.digital}::boolean as digital
    from (${accounts}) a`,
  );
  return rows.reduce((sum, row) => sum + row.inserted, 0);
}

/** Stores one batch of event rows (a JSON array of EventRow) received at receivedAt; returns how many were new. */
export async function insertEventRows(db: Db, workspaceId: string, source: string, receivedAt: Date, rowsJson: string): Promise<number> {
  const rows = await insertRows(db, workspaceId, source, receivedAt, rowsJson);
  return rows.reduce((sum, row) => sum + row.inserted, 0);
}

/**
 * Stores the batches of several requests (rows tagged with `r` and `received_at`) in one statement; returns how many
 * rows of each request were new (a messageId repeated across them counts for the first).
 */
export async function insertTaggedEventRows(db: Db, workspaceId: string, source: string, rowsJson: string): Promise<Map<number, number>> {
  const rows = await insertRows(db, workspaceId, source, new Date(0), rowsJson);
  return new Map(rows.filter((row) => row.r !== null).map((row) => [row.r as number, row.inserted]));
}

/**
 * Attaches the not-yet-attached events of every id linked to this user (its userId, anonymousIds, aliases) to the
 * contact and account now known, and rolls them up. Returns how many events were attached to the account.
 */
export async function attachUserEvents(db: Db, workspaceId: string, userId: string, contactId: string | null, accountId: string | null): Promise<number> {
  if (!accountId && !contactId) return 0;
  const result = await sql<{ attached: number }>`
  with linked as (
    select kind, external_id from event_identities where workspace_id = ${workspaceId}::uuid and user_id = ${userId}
  ),
  changed as (
    update events e set account_id = ${accountId}::uuid, contact_id = coalesce(e.contact_id, ${contactId}::uuid)
    where e.workspace_id = ${workspaceId}::uuid and e.account_id is null
      and (e.user_id in (select external_id from linked where kind = 'user') or e.anonymous_id in (select external_id from linked where kind = 'anonymous'))
    returning e.account_id, e.name, e.timestamp, coalesce(e.user_id, e.anonymous_id, e.contact_id::text, '') as user_key, e.properties, e.future
  ),
  ${rollupCtes(workspaceId)}
  select count(*)::int as attached from changed where account_id is not null`.execute(db);
  return result.rows[0]?.attached ?? 0;
}

/**
 * Attaches the events still unattached of every user whose identity was learnt since `since` (and of its
 * anonymousIds and aliases) to the contact and account now known, in one statement per workspace, and rolls them up.
 * Catches the events a concurrent ingest committed while the identify or group call was being committed.
 */
export async function attachRecentIdentities(db: Db, workspaceId: string, since: Date): Promise<number> {
  const result = await sql<{ attached: number }>`
  with recent as (
    select user_id, contact_id, account_id from event_identities
    where workspace_id = ${workspaceId}::uuid and kind = 'user' and updated_at > ${since}::timestamptz
      and (account_id is not null or contact_id is not null)
  ),
  linked as (
    select i.kind, i.external_id, r.contact_id, r.account_id from event_identities i
    join recent r on i.workspace_id = ${workspaceId}::uuid and i.user_id = r.user_id
  ),
  changed as (
    update events e set account_id = l.account_id, contact_id = coalesce(e.contact_id, l.contact_id)
    from linked l
    where e.workspace_id = ${workspaceId}::uuid and e.account_id is null
      and ((l.kind = 'user' and e.user_id = l.external_id) or (l.kind = 'anonymous' and e.anonymous_id = l.external_id))
    returning e.account_id, e.name, e.timestamp, coalesce(e.user_id, e.anonymous_id, e.contact_id::text, '') as user_key, e.properties, e.future
  ),
  ${rollupCtes(workspaceId)}
  select count(*)::int as attached from changed where account_id is not null`.execute(db);
  return result.rows[0]?.attached ?? 0;
}

/** Recomputes a workspace's rollups from the raw events still kept (older rollup days, whose raw events were purged, stay). */
export async function rebuildRollups(db: Db, workspaceId: string): Promise<{ rollups: number; sums: number; fromDay: string | null }> {
  const first = await sql<{ day: string | null }>`
    select (min(timestamp) at time zone 'UTC')::date::text as day from events where workspace_id = ${workspaceId}::uuid`.execute(db);
  const fromDay = first.rows[0]?.day ?? null;
  if (!fromDay) return { rollups: 0, sums: 0, fromDay };
  await sql`delete from event_rollups where workspace_id = ${workspaceId}::uuid and day >= ${fromDay}::date`.execute(db);
  await sql`delete from event_property_sums where workspace_id = ${workspaceId}::uuid and day >= ${fromDay}::date`.execute(db);
  const rollups = await sql`
    insert into event_rollups (workspace_id, account_id, day, name, user_key, count, last_at)
    select workspace_id, account_id, (timestamp at time zone 'UTC')::date, name, coalesce(user_id, anonymous_id, contact_id::text, ''), count(*)::int, max(timestamp)
    from events
    where workspace_id = ${workspaceId}::uuid and account_id is not null and name is not null and not future
    group by 1, 2, 3, 4, 5`.execute(db);
  const sums = await sql`
    insert into event_property_sums (workspace_id, account_id, day, name, property, sum)
    select e.workspace_id, e.account_id, (e.timestamp at time zone 'UTC')::date, e.name, p.property, sum((e.properties ->> p.property)::float8)
    from events e
    join event_summed_properties p on p.workspace_id = e.workspace_id and p.name = e.name
    where e.workspace_id = ${workspaceId}::uuid and e.account_id is not null and not e.future and jsonb_typeof(e.properties -> p.property) = 'number'
    group by 1, 2, 3, 4, 5`.execute(db);
  return { rollups: Number(rollups.numAffectedRows ?? 0), sums: Number(sums.numAffectedRows ?? 0), fromDay };
}

/** The name and email of each of these contacts of the workspace (the contacts of one page of events). */
export async function contactNames(db: Db, workspaceId: string, ids: string[]): Promise<Map<string, { id: string; name: string; email: string }>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db.selectFrom('contacts').select(['id', 'name', 'email']).where('workspace_id', '=', workspaceId).where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, email: r.email }]));
}
