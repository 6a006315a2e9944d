import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { MetricKind, MetricPreview, MetricWarning, SeenEvent } from './metrics.schema.ts';

// What a metric definition would show, on the workspace's real data, before (or after) it is saved: the daily rollups
// for counts, users and last seen, the kept daily sums for a property another metric already sums, and otherwise a
// bounded read of the latest raw events. Every query here is bounded by an index on (workspace_id, name, ...).

const DAY = 86_400_000;
/** Raw events a preview of a new sum reads at most (the saved metric sums them all, backfilled). */
export const PREVIEW_RAW_LIMIT = 50_000;
/** Latest events of a name looked at to tell whether a property is ever there, and a number. */
const PROPERTY_SAMPLE = 1_000;
/** Event names listed at most (alphabetical). */
const SEEN_NAMES_LIMIT = 500;

export interface MetricDraft {
  kind: MetricKind;
  eventName: string;
  property: string | null;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const normalized = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '');

/** The event names that have arrived in the workspace (raw events kept), alphabetical, with when each last arrived. */
export async function seenEventNames(db: Db, workspaceId: string, limit = SEEN_NAMES_LIMIT): Promise<SeenEvent[]> {
  // A skip scan over events_name_received_idx: one index probe per distinct name, whatever the number of events.
  const result = await sql<{ name: string; last: Date | null }>`
    with recursive seen(name) as (
      select min(name) from events where workspace_id = ${workspaceId}::uuid
      union all
      select (select min(e.name) from events e where e.workspace_id = ${workspaceId}::uuid and e.name > s.name) from seen s where s.name is not null
    )
    select s.name, (select max(e.received_at) from events e where e.workspace_id = ${workspaceId}::uuid and e.name = s.name) as last
    from (select name from seen where name is not null limit ${limit}) s`.execute(db);
  return result.rows.map((r) => ({ name: r.name, lastReceivedAt: r.last ? new Date(r.last).toISOString() : null }));
}

/** When the event last happened on an account (rollups) and last arrived at all (raw events). */
async function eventSightings(db: Db, workspaceId: string, name: string): Promise<{ onAccount: Date | null; received: Date | null }> {
  const result = await sql<{ on_account: Date | null; received: Date | null }>`
    select
      (select max(last_at) from event_rollups where workspace_id = ${workspaceId}::uuid and name = ${name}
        and day = (select max(day) from event_rollups where workspace_id = ${workspaceId}::uuid and name = ${name})) as on_account,
      (select max(received_at) from events where workspace_id = ${workspaceId}::uuid and name = ${name}) as received`.execute(db);
  const row = result.rows[0];
  return { onAccount: row?.on_account ? new Date(row.on_account) : null, received: row?.received ? new Date(row.received) : null };
}

/** Of the latest events of a name: how many carry the property, and how many as a number. */
async function propertySample(db: Db, workspaceId: string, name: string, property: string) {
  const result = await sql<{ events: number; present: number; numeric: number }>`
    select count(*)::int as events, (count(*) filter (where properties ? ${property}))::int as present,
      (count(*) filter (where jsonb_typeof(properties -> ${property}) = 'number'))::int as numeric
    from (select properties from events where workspace_id = ${workspaceId}::uuid and name = ${name}
      order by received_at desc limit ${PROPERTY_SAMPLE}) latest`.execute(db);
  return result.rows[0] ?? { events: 0, present: 0, numeric: 0 };
}

/**
 * What is worth knowing about a definition before relying on it: an event never seen (a typo, or not sent yet), seen
 * but never on an account, a summed property never seen or never a number. Warnings, never refusals: a metric may be
 * defined before its events are sent.
 */
export async function metricWarnings(db: Db, workspaceId: string, draft: MetricDraft): Promise<MetricWarning[]> {
  const sightings = await eventSightings(db, workspaceId, draft.eventName);
  return warningsFor(db, workspaceId, draft, sightings);
}

async function warningsFor(
  db: Db,
  workspaceId: string,
  draft: MetricDraft,
  sightings: { onAccount: Date | null; received: Date | null },
): Promise<MetricWarning[]> {
  const warnings: MetricWarning[] = [];
  const name = draft.eventName;
  if (!sightings.received && !sightings.onAccount) {
    const wanted = normalized(name);
    const near = wanted ? (await seenEventNames(db, workspaceId)).find((e) => normalized(e.name) === wanted) : undefined;
    warnings.push({
      path: 'eventName',
      message:
        `No event named "${name}" has been seen in this workspace yet: the metric will count from the first one that arrives.` +
        (near ? ` Did you mean "${near.name}"?` : ' Event names are case-sensitive.'),
    });
  } else if (!sightings.onAccount) {
    warnings.push({
      path: 'eventName',
      message: `"${name}" events have arrived, but none from a user grouped into an account: metrics count only the events on an account (send a group call for the user).`,
    });
  }
  if (draft.kind === 'sum' && draft.property) {
    const property = draft.property;
    if (!sightings.received) {
      if (sightings.onAccount === null)
        warnings.push({ path: 'property', message: `No "${name}" event has arrived yet, so no value of "${property}" has been seen.` });
    } else {
      const sample = await propertySample(db, workspaceId, name, property);
      if (sample.present === 0)
        warnings.push({
          path: 'property',
          message: `None of the latest ${sample.events} "${name}" events has a property named "${property}" (property names are case-sensitive).`,
        });
      else if (sample.numeric === 0)
        warnings.push({
          path: 'property',
          message: `"${property}" is never a number in the latest "${name}" events: a sum adds up numbers only, so it stays 0.`,
        });
    }
  }
  return warnings;
}

/** The rows a preview aggregates: (account_id, day, user_key, n events, v summed value, last_at), for the window. */
function previewSource(workspaceId: string, draft: MetricDraft, fromDay: string, toDay: string, summed: boolean): RawBuilder<unknown> {
  if (draft.kind === 'sum' && summed)
    return sql`select account_id, day, ''::text as user_key, 0 as n, sum as v, null::timestamptz as last_at from event_property_sums
      where workspace_id = ${workspaceId}::uuid and name = ${draft.eventName} and property = ${draft.property}
        and day between ${fromDay}::date and ${toDay}::date`;
  if (draft.kind === 'sum') {
    // Not summed yet: the latest raw events of the window (an event is never dated more than a day after it arrived,
    // so one received before the window's first day minus one is not in the window).
    const since = new Date(Date.parse(`${fromDay}T00:00:00Z`) - DAY);
    return sql`select account_id, (timestamp at time zone 'UTC')::date as day, ''::text as user_key, 1 as n,
        (properties ->> ${draft.property})::float8 as v, null::timestamptz as last_at
      from (select account_id, timestamp, properties from events
        where workspace_id = ${workspaceId}::uuid and name = ${draft.eventName} and received_at >= ${since}::timestamptz
        order by received_at desc limit ${PREVIEW_RAW_LIMIT}) latest
      where account_id is not null and (timestamp at time zone 'UTC')::date between ${fromDay}::date and ${toDay}::date
        and jsonb_typeof(properties -> ${draft.property}) = 'number'`;
  }
  return sql`select account_id, day, user_key, count as n, 0::float8 as v, last_at from event_rollups
    where workspace_id = ${workspaceId}::uuid and name = ${draft.eventName} and day between ${fromDay}::date and ${toDay}::date`;
}

/** The measure of a group of source rows, as the metric's kind has it. */
function measure(kind: MetricKind): RawBuilder<number> {
  if (kind === 'distinct_users') return sql<number>`(count(distinct user_key) filter (where user_key <> ''))::float8`;
  if (kind === 'sum') return sql<number>`coalesce(sum(v), 0)::float8`;
  return sql<number>`coalesce(sum(n), 0)::float8`;
}

/** Whether another metric already keeps daily sums of this property (event_property_sums has them). */
async function isSummed(db: Db, workspaceId: string, name: string, property: string): Promise<boolean> {
  const row = await db
    .selectFrom('event_summed_properties')
    .select('property')
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', name)
    .where('property', '=', property)
    .executeTakeFirst();
  return row !== undefined;
}

async function rawEventsInWindow(db: Db, workspaceId: string, name: string, fromDay: string): Promise<number> {
  const since = new Date(Date.parse(`${fromDay}T00:00:00Z`) - DAY);
  const result = await sql<{ n: number }>`
    select count(*)::int as n from (select 1 from events where workspace_id = ${workspaceId}::uuid and name = ${name}
      and received_at >= ${since}::timestamptz limit ${PREVIEW_RAW_LIMIT + 1}) latest`.execute(db);
  return result.rows[0]?.n ?? 0;
}

/** What the metric would show over the last `days` days (UTC) ending today, workspace-wide, with its warnings. */
export async function previewMetric(db: Db, now: Date, workspaceId: string, draft: MetricDraft, days: number): Promise<MetricPreview> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const dayList = Array.from({ length: days }, (_, i) => dayOf(today - (days - 1 - i) * DAY));
  const fromDay = dayList[0] as string;
  const toDay = dayOf(today);
  const summed = draft.kind === 'sum' && draft.property !== null && (await isSummed(db, workspaceId, draft.eventName, draft.property));
  const source = previewSource(workspaceId, draft, fromDay, toDay, summed);
  const value = measure(draft.kind);
  const lastSeenOrder = draft.kind === 'last_seen' ? sql`max(last_at) desc nulls last, value desc` : sql`value desc, max(last_at) desc nulls last`;
  const [daily, totals, top, sightings, scanned] = await Promise.all([
    sql<{ day: string; value: number }>`select day::text as day, ${value} as value from (${source}) s group by day`.execute(db),
    sql<{ total: number; accounts: number }>`
      select ${value} as total, count(distinct account_id)::int as accounts from (${source}) s`.execute(db),
    sql<{ id: string; name: string | null; value: number; last_at: Date | null }>`
      select s.account_id as id, max(a.name) as name, ${value} as value, max(s.last_at) as last_at
      from (${source}) s
      left join accounts a on a.workspace_id = ${workspaceId}::uuid and a.id = s.account_id
      group by s.account_id
      order by ${lastSeenOrder}, s.account_id
      limit 5`.execute(db),
    eventSightings(db, workspaceId, draft.eventName),
    draft.kind === 'sum' && !summed ? rawEventsInWindow(db, workspaceId, draft.eventName, fromDay) : Promise.resolve(0),
  ]);
  const perDay = new Map(daily.rows.map((r) => [r.day, Number(r.value)]));
  const accounts = totals.rows[0]?.accounts ?? 0;
  const warnings = await warningsFor(db, workspaceId, draft, sightings);
  if (scanned > PREVIEW_RAW_LIMIT)
    warnings.push({
      path: null,
      message: `The preview adds up the latest ${PREVIEW_RAW_LIMIT.toLocaleString('en-US')} "${draft.eventName}" events of the window only; the saved metric sums them all.`,
    });
  return {
    days,
    from: fromDay,
    to: toDay,
    total: draft.kind === 'last_seen' ? accounts : Number(totals.rows[0]?.total ?? 0),
    history: dayList.map((day) => ({ day, value: perDay.get(day) ?? 0 })),
    accounts,
    topAccounts: top.rows.map((r) => ({
      id: r.id,
      name: r.name ?? 'Deleted account',
      value: Number(r.value),
      lastSeenAt: r.last_at ? new Date(r.last_at).toISOString() : null,
    })),
    lastSeenAt: sightings.onAccount?.toISOString() ?? null,
    lastReceivedAt: sightings.received?.toISOString() ?? null,
    warnings,
  };
}
