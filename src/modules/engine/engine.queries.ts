import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { durationHours, type MetricCondition, type MomentDef, type PhaseCriteria, type PropertyCondition } from '../models/models.schema.ts';
import type { RunnableVersion } from '../models/models.ts';
import type { MomentRule } from '../moments/moments.schema.ts';

// Set-based SQL for the engine: one statement per rule of a model version, over every engaged account at once.
// The engine reads the activity tables (events, event_rollups, event_property_sums, metric_definitions), the
// account team and contract start dates directly: a set-based sweep cannot go through per-account operations.

/** The rules a model's moments open by: every moment rule but a member's ad-hoc task. */
export type InstanceRule = Exclude<MomentRule, 'task'>;

/** A candidate row: account_id, occurrence (the idempotency key's tail), due_at and evidence. */
export interface Candidates {
  rule: InstanceRule;
  status: 'open' | 'escalated';
  role: string;
  select: RawBuilder<unknown>;
}

export const hours = (duration: string) => sql`(${durationHours(duration)} * interval '1 hour')`;
const isoText = (expr: RawBuilder<unknown>) => sql`to_char((${expr}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')`;

/** The engagements a moment runs for: this version, this phase, not ended. */
export function engagedIn(ws: string, v: RunnableVersion, phase: string, alias = 'g') {
  const g = sql.raw(alias);
  return sql`${g}.workspace_id = ${ws}::uuid and ${g}.model_version_id = ${v.id}::uuid and ${g}.phase = ${phase} and ${g}.ended_at is null`;
}

/** An instance just opened, as the engine's events about it need it. */
export interface OpenedInstance {
  id: string;
  account_id: string;
  due_at: Date;
  assignee_member_id: string | null;
  evidence: Record<string, unknown>;
}

/**
 * Inserts one instance per candidate occurrence; an occurrence already opened (by a retry, a concurrent sweep) is
 * skipped. Returns the instances this statement opened.
 */
export async function openInstances(
  db: Db,
  ws: string,
  v: RunnableVersion,
  m: MomentDef,
  asOf: Date,
  c: Candidates,
  when?: Expression<SqlBool>,
): Promise<OpenedInstance[]> {
  const result = await sql<OpenedInstance>`
    with candidates as (
      select k.*, ${`${v.modelId}:${m.id}:`} || k.account_id::text || ':' || k.occurrence as key from (${c.select}) k
    ),
    fresh as (
      -- Occurrences already opened are skipped before the insert (the unique key still guards races).
      select c.* from candidates c
      where not exists (select 1 from moment_instances x where x.workspace_id = ${ws}::uuid and x.idempotency_key = c.key)
    ),
    opened as (
      insert into moment_instances (workspace_id, id, account_id, model_id, model_version_id, moment_id, phase, rule, idempotency_key,
        opened_at, due_at, assignee_role, assignee_member_id, status, evidence)
      select ${ws}::uuid, gen_random_uuid(), c.account_id, ${v.modelId}::uuid, ${v.id}::uuid, ${m.id}, ${m.phase}, ${c.rule},
        c.key,
        ${asOf}::timestamptz, c.due_at, ${c.role}, t.member_id, ${c.status}, c.evidence
      from fresh c
      left join account_team t on t.workspace_id = ${ws}::uuid and t.account_id = c.account_id and t.role = ${c.role}
      ${when ? sql`where exists (select 1 from accounts where accounts.workspace_id = ${ws}::uuid and accounts.id = c.account_id and ${when})` : sql``}
      order by c.account_id
      on conflict (workspace_id, idempotency_key) do nothing
      returning id, account_id, due_at, assignee_member_id, evidence
    )${
      c.rule === 'scheduled'
        ? sql`,
    -- A recurring moment still open when its next occurrence opens was missed.
    superseded as (
      update moment_instances p set status = 'missed'
      where p.workspace_id = ${ws}::uuid and p.account_id in (select account_id from opened)
        and p.model_id = ${v.modelId}::uuid and p.moment_id = ${m.id} and p.status = 'open' and p.opened_at < ${asOf}::timestamptz
    )`
        : sql``
    }
    select id, account_id, due_at, assignee_member_id, evidence from opened`.execute(db);
  return result.rows;
}

/** Calendar schedules: the latest occurrence (computed once, the same for everyone) for accounts in the phase since before it. */
export function calendarCandidates(ws: string, v: RunnableVersion, m: MomentDef, occurrence: Date): RawBuilder<unknown> {
  return sql`
    select g.account_id, ${`s:${occurrence.toISOString()}`}::text as occurrence,
      ${occurrence}::timestamptz + ${hours(m.due)} as due_at,
      jsonb_build_object('occurrence', ${occurrence.toISOString()}::text) as evidence
    from engagements g
    where ${engagedIn(ws, v, m.phase)} and g.phase_entered_at <= ${occurrence}::timestamptz`;
}

export interface AnchoredSchedule {
  anchor: 'engaged' | 'phase_start' | 'contract_start';
  offsetHours: number;
  unit: 'hour' | 'month';
  /** Hours or months between occurrences. */
  step: number;
  count: number | null;
}

/** Schedules counted from a per-account date ("every 3 months from contract start"): the latest occurrence, computed in SQL. */
export function anchoredCandidates(ws: string, v: RunnableVersion, m: MomentDef, s: AnchoredSchedule, asOf: Date): RawBuilder<unknown> {
  const anchor =
    s.anchor === 'engaged'
      ? sql`g.engaged_at`
      : s.anchor === 'phase_start'
        ? sql`g.phase_entered_at`
        : sql`(select min(k.start_date)::timestamptz from contracts k
               where k.workspace_id = g.workspace_id and k.account_id = g.account_id and k.status = 'active')`;
  const elapsed =
    s.unit === 'hour'
      ? sql`floor(extract(epoch from (${asOf}::timestamptz - b.base)) / ${s.step * 3600}::int)::int`
      : sql`floor((extract(year from age(${asOf}::timestamptz, b.base)) * 12 + extract(month from age(${asOf}::timestamptz, b.base))) / ${s.step}::int)::int`;
  const k = s.count === null ? elapsed : sql`least(${elapsed}, ${s.count - 1})`;
  const occurrence =
    s.unit === 'hour' ? sql`(b.base + (o.k * ${s.step}::int) * interval '1 hour')` : sql`(b.base + (o.k * ${s.step}::int) * interval '1 month')`;
  return sql`
    select b.account_id, 's:' || ${isoText(sql`${occurrence}`)} as occurrence, ${occurrence} + ${hours(m.due)} as due_at,
      jsonb_build_object('occurrence', ${occurrence}, 'anchor', ${s.anchor}::text, 'anchorAt', b.base) as evidence
    from (
      select g.account_id, g.phase_entered_at, ${anchor} + ${s.offsetHours} * interval '1 hour' as base
      from engagements g where ${engagedIn(ws, v, m.phase)}
    ) b
    cross join lateral (select (${k})::int as k) o
    where b.base is not null and b.base <= ${asOf}::timestamptz and ${occurrence} >= b.phase_entered_at`;
}

/**
 * "No event X for a duration": first the engaged accounts with no such event within the duration (an index probe
 * each), then, for those silent accounts only, their last such event (or the phase start) dates the occurrence.
 * `seen` is false when the workspace has never received X: every account is silent and none has a last event.
 */
export function absenceEventCandidates(
  ws: string,
  v: RunnableVersion,
  m: MomentDef,
  event: string,
  duration: string,
  asOf: Date,
  seen: boolean,
): RawBuilder<unknown> {
  const since = sql`(${asOf}::timestamptz - ${hours(duration)})`;
  const today = sql`(${asOf}::timestamptz at time zone 'UTC')::date`;
  const silent = sql`
    select g.account_id, g.phase_entered_at from engagements g
    where ${engagedIn(ws, v, m.phase)} and g.phase_entered_at <= ${since}
      ${
        seen
          ? sql`and not exists (
        select 1 from event_rollups r
        where r.workspace_id = ${ws}::uuid and r.account_id = g.account_id and r.day >= (${since} at time zone 'UTC')::date and r.day <= ${today}
          and r.name = ${event} and r.last_at > ${since} and r.last_at <= ${asOf}::timestamptz)`
          : sql``
      }
    offset 0`;
  const last = seen
    ? sql`select max(r.last_at) as last_at from event_rollups r
        where r.workspace_id = ${ws}::uuid and r.account_id = s.account_id and r.day <= ${today} and r.name = ${event} and r.last_at <= ${asOf}::timestamptz`
    : sql`select null::timestamptz as last_at`;
  return sql`
    select s.account_id, 'a:' || ${isoText(sql`greatest(l.last_at, s.phase_entered_at)`)} as occurrence,
      greatest(l.last_at, s.phase_entered_at) + ${hours(duration)} + ${hours(m.due)} as due_at,
      jsonb_build_object('event', ${event}::text, 'lastSeenAt', l.last_at, 'for', ${duration}::text) as evidence
    from (${silent}) s
    cross join lateral (${last}) l
    where greatest(l.last_at, s.phase_entered_at) <= ${since}`;
}

export interface MetricSource {
  kind: 'count' | 'distinct_users' | 'sum' | 'last_seen';
  eventName: string;
  property: string | null;
}

/**
 * A metric's value per account over the window ending at `end` (day granularity, from the daily rollups). One
 * aggregate over the window's days (read in day order through the name index), joined to the engagements.
 */
function metricValues(ws: string, metric: MetricSource, end: RawBuilder<unknown>, windowHours: number): RawBuilder<unknown> {
  const where = sql`r.workspace_id = ${ws}::uuid and r.name = ${metric.eventName}
    and r.day > ((${end}) - ${windowHours} * interval '1 hour')::date and r.day <= (${end})::date`;
  if (metric.kind === 'sum') {
    return sql`select r.account_id, sum(r.sum)::float8 as value from event_property_sums r where ${where} and r.property = ${metric.property} group by r.account_id`;
  }
  const value = metric.kind === 'distinct_users' ? sql`count(distinct r.user_key)` : sql`sum(r.count)`;
  return sql`select r.account_id, ${value}::float8 as value from event_rollups r where ${where} group by r.account_id`;
}

/** One account's metric value (engagement g) over the window ending at `end`, by the rollups' primary key: for a few accounts. */
function metricValueOf(ws: string, metric: MetricSource, end: RawBuilder<unknown>, windowHours: number): RawBuilder<unknown> {
  const where = sql`r.workspace_id = ${ws}::uuid and r.account_id = g.account_id
    and r.day > ((${end}) - ${windowHours} * interval '1 hour')::date and r.day <= (${end})::date and r.name = ${metric.eventName}`;
  if (metric.kind === 'sum') return sql`select sum(r.sum)::float8 as value from event_property_sums r where ${where} and r.property = ${metric.property}`;
  const value = metric.kind === 'distinct_users' ? sql`count(distinct r.user_key)` : sql`sum(r.count)`;
  return sql`select ${value}::float8 as value from event_rollups r where ${where}`;
}

/** "Metric below Y for a duration": the metric over the last duration is below Y; one occurrence per duration. */
export function absenceMetricCandidates(
  ws: string,
  v: RunnableVersion,
  m: MomentDef,
  metric: MetricSource,
  key: string,
  below: number,
  duration: string,
  asOf: Date,
) {
  const h = durationHours(duration);
  return sql`
    select g.account_id, 'am:' || floor(extract(epoch from ${asOf}::timestamptz) / ${h * 3600})::bigint::text as occurrence,
      ${asOf}::timestamptz + ${hours(m.due)} as due_at,
      jsonb_build_object('metric', ${key}::text, 'value', coalesce(cur.value, 0), 'below', ${below}::float8, 'for', ${duration}::text) as evidence
    from engagements g
    left join (${metricValues(ws, metric, sql`${asOf}::timestamptz`, h)}) cur on cur.account_id = g.account_id
    where ${engagedIn(ws, v, m.phase)} and g.phase_entered_at + ${hours(duration)} <= ${asOf}::timestamptz and coalesce(cur.value, 0) < ${below}`;
}

/** Metric conditions: a threshold over the window, or a change against the previous window. */
export function metricCandidates(
  ws: string,
  v: RunnableVersion,
  m: MomentDef,
  metric: MetricSource,
  cond: MetricCondition,
  cooldown: string | undefined,
  asOf: Date,
  accounts: string[] | null,
) {
  const w = durationHours(cond.window);
  const bucket = durationHours(cooldown ?? '1d') * 3600;
  const test =
    cond.change !== undefined
      ? cond.change < 0
        ? sql`coalesce(prev.value, 0) > 0 and (coalesce(cur.value, 0) - prev.value) * 100.0 / prev.value <= ${cond.change}`
        : sql`coalesce(prev.value, 0) > 0 and (coalesce(cur.value, 0) - prev.value) * 100.0 / prev.value >= ${cond.change}`
      : sql`coalesce(cur.value, 0) ${sql.raw({ lt: '<', lte: '<=', gt: '>', gte: '>=' }[cond.op ?? 'lt'])} ${cond.value ?? 0}`;
  return sql`
    select g.account_id, 'm:' || floor(extract(epoch from ${asOf}::timestamptz) / ${bucket})::bigint::text as occurrence,
      ${asOf}::timestamptz + ${hours(m.due)} as due_at,
      jsonb_build_object('metric', ${cond.key}::text, 'value', coalesce(cur.value, 0), 'previous', prev.value, 'window', ${cond.window}::text) as evidence
    from engagements g
    ${
      accounts
        ? // Streaming: the few accounts whose events just arrived, each by its own rollup rows.
          sql`cross join lateral (${metricValueOf(ws, metric, sql`${asOf}::timestamptz`, w)}) cur
    cross join lateral (${metricValueOf(ws, metric, sql`${asOf}::timestamptz - ${w} * interval '1 hour'`, w)}) prev`
        : sql`left join (${metricValues(ws, metric, sql`${asOf}::timestamptz`, w)}) cur on cur.account_id = g.account_id
    left join (${metricValues(ws, metric, sql`${asOf}::timestamptz - ${w} * interval '1 hour'`, w)}) prev on prev.account_id = g.account_id`
    }
    where ${engagedIn(ws, v, m.phase)}
      ${accounts ? sql`and g.account_id = any(${accounts}::uuid[])` : sql``}
      and ${test}
      ${cooldown ? notInCooldown(ws, v, m, cooldown, sql`${asOf}::timestamptz`) : sql``}`;
}

function notInCooldown(ws: string, v: RunnableVersion, m: MomentDef, cooldown: string, at: RawBuilder<unknown>) {
  return sql`and not exists (select 1 from moment_instances p where p.workspace_id = ${ws}::uuid and p.account_id = g.account_id
    and p.model_id = ${v.modelId}::uuid and p.moment_id = ${m.id} and p.opened_at > ${at} - ${hours(cooldown)})`;
}

/** Property conditions on an event, as SQL over its jsonb properties. */
export function propertyConditions(conditions: PropertyCondition[], alias = 'e'): RawBuilder<unknown> {
  const parts = conditions.map((c) => {
    const field = sql`${sql.raw(alias)}.properties -> ${c.property}`;
    const values = Array.isArray(c.value) ? c.value : [c.value];
    switch (c.op) {
      case 'exists':
        return sql`${sql.raw(alias)}.properties ? ${c.property}`;
      case 'in':
        return sql`${field} = any(array[${sql.join(values.map((x) => sql`${JSON.stringify(x)}::jsonb`))}])`;
      case 'eq':
        return sql`${field} = ${JSON.stringify(c.value)}::jsonb`;
      case 'neq':
        return sql`${field} is distinct from ${JSON.stringify(c.value)}::jsonb`;
      default: {
        const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[c.op];
        return sql`(jsonb_typeof(${field}) = 'number' and (${field})::text::numeric ${sql.raw(op)} ${Number(c.value)})`;
      }
    }
  });
  return parts.length === 0 ? sql`true` : sql.join(parts, sql` and `);
}

/** Event rules over the events received in (from, to]: one instance per event (or per account and cooldown). */
export function eventCandidates(
  ws: string,
  v: RunnableVersion,
  m: MomentDef,
  event: string,
  where: PropertyCondition[],
  cooldown: string | undefined,
  from: Date,
  to: Date,
) {
  return sql`
    select distinct on (g.account_id${cooldown ? sql`` : sql`, e.id`}) g.account_id, 'ev:' || e.id::text as occurrence,
      ${to}::timestamptz + ${hours(m.due)} as due_at,
      jsonb_build_object('eventIds', jsonb_build_array(e.id), 'event', e.name, 'at', e.timestamp, 'properties', e.properties) as evidence
    from events e
    join engagements g on g.workspace_id = e.workspace_id and g.account_id = e.account_id
    where e.workspace_id = ${ws}::uuid and e.received_at > ${from}::timestamptz and e.received_at <= ${to}::timestamptz
      and e.name = ${event} and e.account_id is not null and e.timestamp >= g.engaged_at
      and ${engagedIn(ws, v, m.phase)} and ${propertyConditions(where)}
      ${cooldown ? notInCooldown(ws, v, m, cooldown, sql`e.timestamp`) : sql``}
    order by g.account_id${cooldown ? sql`` : sql`, e.id`}, e.timestamp, e.id`;
}

/** Expectations: fewer than `atLeast` events within the time after the anchor, once the deadline has passed. */
export function expectationCandidates(
  ws: string,
  v: RunnableVersion,
  m: MomentDef,
  rule: { event: string; where: PropertyCondition[]; atLeast: number; within: string; after: { phase: string } | { moment: string } | { contractStart: true } },
  asOf: Date,
) {
  const after = rule.after;
  const anchor =
    'phase' in after
      ? sql`select h.entered_at as at, 'p:' || ${isoText(sql`h.entered_at`)} as ref from engagement_phases h
          where h.workspace_id = g.workspace_id and h.account_id = g.account_id and h.model_version_id = g.model_version_id and h.phase = ${after.phase}
          order by h.entered_at desc limit 1`
      : 'moment' in after
        ? sql`select i.completed_at as at, 'm:' || i.id::text as ref from moment_instances i
            where i.workspace_id = g.workspace_id and i.account_id = g.account_id and i.model_id = ${v.modelId}::uuid
              and i.moment_id = ${after.moment} and i.status = 'done' and i.completed_at <= ${asOf}::timestamptz
            order by i.completed_at desc limit 1`
        : sql`select min(k.start_date)::timestamptz as at, 'c:' || min(k.start_date)::text as ref from contracts k
            where k.workspace_id = g.workspace_id and k.account_id = g.account_id and k.status = 'active' having min(k.start_date) is not null`;
  return sql`
    select g.account_id, 'e:' || a.ref as occurrence, ${asOf}::timestamptz + ${hours(m.due)} as due_at,
      jsonb_build_object('expected', ${rule.event}::text, 'atLeast', ${rule.atLeast}::int, 'seen', n.seen, 'anchorAt', a.at, 'deadline', a.at + ${hours(rule.within)}) as evidence
    from engagements g
    cross join lateral (${anchor}) a
    cross join lateral (
      select count(*)::int as seen from events e
      where e.workspace_id = g.workspace_id and e.account_id = g.account_id and e.name = ${rule.event}
        and e.timestamp >= a.at and e.timestamp < a.at + ${hours(rule.within)} and ${propertyConditions(rule.where)}
    ) n
    where ${engagedIn(ws, v, m.phase)} and a.at + ${hours(rule.within)} <= ${asOf}::timestamptz
      and a.at + ${hours(rule.within)} >= g.engaged_at and n.seen < ${rule.atLeast}`;
}

/** An exit (or entry) criteria's conditions over engagement g; undefined when it states none the engine can check. */
export function criteriaSql(v: RunnableVersion, c: PhaseCriteria, asOf: Date): RawBuilder<unknown> | undefined {
  const parts: RawBuilder<unknown>[] = [];
  if (c.after) parts.push(sql`g.phase_entered_at + ${hours(c.after)} <= ${asOf}::timestamptz`);
  if (c.momentsDone?.length) {
    parts.push(sql`(select count(distinct i.moment_id) from moment_instances i
      where i.workspace_id = g.workspace_id and i.account_id = g.account_id and i.model_id = ${v.modelId}::uuid
        and i.moment_id = any(${c.momentsDone}::text[]) and i.status = 'done' and i.completed_at >= g.phase_entered_at) = ${c.momentsDone.length}`);
  }
  if (c.event) {
    parts.push(sql`exists (select 1 from events e where e.workspace_id = g.workspace_id and e.account_id = g.account_id and e.name = ${c.event}
      and e.timestamp >= g.phase_entered_at and e.timestamp <= ${asOf}::timestamptz)`);
  }
  if (c.renewalWithin) {
    parts.push(sql`exists (select 1 from accounts a where a.workspace_id = g.workspace_id and a.id = g.account_id
      and a.next_renewal_date is not null and a.next_renewal_date <= (${asOf}::timestamptz + ${hours(c.renewalWithin)})::date)`);
  }
  return parts.length === 0 ? undefined : sql.join(parts, sql` and `);
}
