import { type Expression, type SqlBool, sql } from 'kysely';
import rrulePackage from 'rrule';
import type { Db } from '../../db/client.ts';
import { inTransaction, retryingConflicts } from '../../db/tx.ts';
import type { Clock } from '../../lib/clock.ts';
import { fixedClock } from '../../lib/clock.ts';
import { compileFilter } from '../accounts/accounts.queries.ts';
import { listCustomFields } from '../customfields/customfields.ts';
import { type InteractionInput, recordInteractionEvents } from '../events/events.ts';
import { readSchedule } from '../models/models.lint.ts';
import { durationHours, type MomentDef } from '../models/models.schema.ts';
import { listRunnableVersions, type RunnableVersion } from '../models/models.ts';
import {
  type AnchoredSchedule,
  absenceEventCandidates,
  absenceMetricCandidates,
  anchoredCandidates,
  type Candidates,
  calendarCandidates,
  criteriaSql,
  engagedIn,
  eventCandidates,
  expectationCandidates,
  type InstanceRule,
  type MetricSource,
  metricCandidates,
  openInstances,
} from './engine.queries.ts';

const { RRule } = rrulePackage;

export const instanceRules: InstanceRule[] = ['scheduled', 'event', 'metric', 'absence', 'expectation'];

export interface SweepReport {
  asOf: string;
  workspaces: number;
  /** Accounts newly engaged by a model. */
  engaged: number;
  phaseChanges: number;
  opened: Record<InstanceRule, number>;
  byMoment: { model: string; moment: string; rule: InstanceRule; opened: number }[];
  /** Milliseconds spent per step (engage, phases, time rules, events). */
  timings: { engage: number; phases: number; rules: number; events: number };
}

const emptyCounts = (): Record<InstanceRule, number> => ({ scheduled: 0, event: 0, metric: 0, absence: 0, expectation: 0 });

function newReport(asOf: Date): SweepReport {
  return {
    asOf: asOf.toISOString(),
    workspaces: 0,
    engaged: 0,
    phaseChanges: 0,
    opened: emptyCounts(),
    byMoment: [],
    timings: { engage: 0, phases: 0, rules: 0, events: 0 },
  };
}

function count(report: SweepReport, v: RunnableVersion, m: MomentDef, rule: InstanceRule, n: number) {
  if (n === 0) return;
  report.opened[rule] += n;
  const row = report.byMoment.find((r) => r.model === v.key && r.moment === m.id && r.rule === rule);
  if (row) row.opened += n;
  else report.byMoment.push({ model: v.key, moment: m.id, rule, opened: n });
}

/** Workspaces with a model to run. */
async function workspacesWithModels(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('model_versions')
    .select('workspace_id')
    .distinct()
    .where((eb) => eb.or([eb('status', '=', 'active'), eb('superseded_by', 'is not', null)]))
    .execute();
  return rows.map((r) => r.workspace_id);
}

/**
 * The time-driven sweep as of the clock's time: engages accounts, advances phases whose exit criteria hold, and
 * opens the instances of scheduled, absence, expectation and metric rules (and catches up on event rules).
 * Every statement is set-based and idempotent: a rerun, a retry or a concurrent sweep opens nothing twice.
 */
export async function sweep(db: Db, clock: Clock, options: { workspaceId?: string | undefined } = {}): Promise<SweepReport> {
  const asOf = clock.now();
  const report = newReport(asOf);
  const workspaces = options.workspaceId ? [options.workspaceId] : await workspacesWithModels(db);
  for (const ws of workspaces) {
    const versions = await listRunnableVersions(db, ws);
    if (versions.length === 0) continue;
    report.workspaces++;
    let t = performance.now();
    const lap = (step: keyof SweepReport['timings']) => {
      const now = performance.now();
      report.timings[step] += Math.round(now - t);
      t = now;
    };
    report.engaged += await engageAccounts(db, ws, versions, asOf);
    lap('engage');
    report.phaseChanges += await advancePhases(db, ws, versions, asOf);
    lap('phases');
    await runTimeRules(db, ws, versions, asOf, report);
    lap('rules');
    await evaluateEventsSince(db, ws, versions, asOf, report);
    lap('events');
  }
  return report;
}

/** Engages accounts that no running model engages yet: the highest-precedence active model whose segment matches. */
export async function engageAccounts(db: Db, ws: string, versions: RunnableVersion[], asOf: Date): Promise<number> {
  const fields = await listCustomFields(db, ws, 'account');
  const runnable = versions.map((v) => v.id);
  const engaging = versions.filter((v) => v.engages).sort((a, b) => (b.definition.precedence ?? 0) - (a.definition.precedence ?? 0));
  let total = 0;
  for (const v of engaging) {
    const where = compileFilter(v.definition.segment, fields, fixedClock(asOf));
    const phases = v.definition.phases;
    // The latest phase the account's own phase field (or a phase's entry criteria) places it in; otherwise the first.
    const whens = [...phases].reverse().map((p) => sql`when accounts.phase = ${p.entry?.accountPhase ?? p.key} then ${p.key}`);
    const phase = sql`case ${sql.join(whens, sql` `)} else ${phases[0]?.key ?? 'onboarding'} end`;
    const result = await sql<{ n: number }>`
      with engaged as (
        insert into engagements (workspace_id, account_id, model_id, model_version_id, phase, phase_entered_at, engaged_at, ended_at)
        select accounts.workspace_id, accounts.id, ${v.modelId}::uuid, ${v.id}::uuid, ${phase}, ${asOf}::timestamptz, ${asOf}::timestamptz, null
        from accounts
        where accounts.workspace_id = ${ws}::uuid and accounts.created_at <= ${asOf}::timestamptz and ${where}
          -- Only accounts no running version engages: a cheap anti-join, so the minute sweep does not re-insert everyone.
          and not exists (select 1 from engagements e where e.workspace_id = accounts.workspace_id and e.account_id = accounts.id
            and e.model_version_id = any(${runnable}::uuid[]))
        order by accounts.id
        on conflict (workspace_id, account_id) do update set model_id = excluded.model_id, model_version_id = excluded.model_version_id,
          phase = excluded.phase, phase_entered_at = excluded.phase_entered_at, engaged_at = excluded.engaged_at, ended_at = null
        where not (engagements.model_version_id = any(${runnable}::uuid[]))
        returning account_id, phase
      ),
      history as (
        insert into engagement_phases (workspace_id, account_id, model_version_id, phase, entered_at)
        select ${ws}::uuid, account_id, ${v.id}::uuid, phase, ${asOf}::timestamptz from engaged
        on conflict do nothing
      ),
      synced as (
        update accounts a set phase = e.phase from engaged e
        where a.workspace_id = ${ws}::uuid and a.id = e.account_id and a.phase <> e.phase
      )
      select count(*)::int as n from engaged`.execute(db);
    total += result.rows[0]?.n ?? 0;
  }
  return total;
}

/** Two sweeps moving the same engagements at once may deadlock on PostgreSQL: the loser retries (its WHERE then finds nothing to move). */
const SWEEP_RETRY_MS = 10;

/**
 * Moves engagements to their next phase when the current phase's exit criteria hold, and follows a member's manual
 * change of an account's phase (to another phase of its model). Each transition is recorded as an event.
 */
export async function advancePhases(db: Db, ws: string, versions: RunnableVersion[], asOf: Date): Promise<number> {
  let total = 0;
  for (const v of versions) {
    const phases = v.definition.phases;
    // Manual moves: the account's phase field names another phase of this model (one statement per version).
    total += await retryingConflicts(
      () =>
        inTransaction(db, async (tx) => {
          const moved = await sql<{ account_id: string; from: string; to: string }>`
        update engagements g set phase = a.phase, phase_entered_at = ${asOf}::timestamptz
        from accounts a, engagements old
        where g.workspace_id = ${ws}::uuid and g.model_version_id = ${v.id}::uuid and g.ended_at is null and g.phase_entered_at < ${asOf}::timestamptz
          and a.workspace_id = g.workspace_id and a.id = g.account_id and a.phase <> g.phase and a.phase = any(${phases.map((p) => p.key)}::text[])
          and old.workspace_id = g.workspace_id and old.account_id = g.account_id
        returning g.account_id, old.phase as from, a.phase as to`.execute(tx);
          const groups = new Map<string, { from: string; to: string; ids: string[] }>();
          for (const r of moved.rows) {
            const group = groups.get(`${r.from}>${r.to}`) ?? { from: r.from, to: r.to, ids: [] };
            group.ids.push(r.account_id);
            groups.set(`${r.from}>${r.to}`, group);
          }
          for (const g of groups.values()) await recordTransition(tx, ws, v, g.from, g.to, g.ids, asOf);
          return moved.rows.length;
        }),
      SWEEP_RETRY_MS,
    );
    for (let i = 0; i < phases.length - 1; i++) {
      const from = phases[i];
      const to = phases[i + 1];
      const condition = from?.exit ? criteriaSql(v, from.exit, asOf) : undefined;
      if (!from || !to || !condition) continue;
      total += await retryingConflicts(
        () =>
          inTransaction(db, async (tx) => {
            const moved = await sql<{ account_id: string }>`
          update engagements g set phase = ${to.key}, phase_entered_at = ${asOf}::timestamptz
          where ${engagedIn(ws, v, from.key)} and g.phase_entered_at < ${asOf}::timestamptz and ${condition}
          returning g.account_id`.execute(tx);
            const ids = moved.rows.map((r) => r.account_id);
            if (ids.length > 0) await recordTransition(tx, ws, v, from.key, to.key, ids, asOf);
            return ids.length;
          }),
        SWEEP_RETRY_MS,
      );
    }
  }
  return total;
}

/** The phase history, the accounts' phase field and a "Phase Entered" event for engagements that just moved. */
async function recordTransition(tx: Db, ws: string, v: RunnableVersion, from: string, to: string, ids: string[], asOf: Date) {
  await sql`update engagement_phases set exited_at = ${asOf}::timestamptz
    where workspace_id = ${ws}::uuid and account_id = any(${ids}::uuid[]) and model_version_id = ${v.id}::uuid and phase = ${from} and exited_at is null`.execute(
    tx,
  );
  await sql`insert into engagement_phases (workspace_id, account_id, model_version_id, phase, entered_at)
    select ${ws}::uuid, id, ${v.id}::uuid, ${to}, ${asOf}::timestamptz from unnest(${ids}::uuid[]) as id
    on conflict do nothing`.execute(tx);
  await sql`update accounts set phase = ${to} where workspace_id = ${ws}::uuid and id = any(${ids}::uuid[]) and phase <> ${to}`.execute(tx);
  await recordPhaseEvents(tx, ws, v, from, to, ids, asOf);
}

/** Phase transitions are events ("Phase Entered"), so metrics, timelines and other rules see them. */
async function recordPhaseEvents(db: Db, ws: string, v: RunnableVersion, from: string, to: string, accountIds: string[], asOf: Date) {
  const at = asOf.toISOString();
  await recordInteractionEvents(
    db,
    { now: () => asOf },
    ws,
    accountIds.map((accountId) => ({
      accountId,
      name: 'Phase Entered',
      channel: 'other' as const,
      digital: false,
      occurredAt: asOf,
      properties: { model: v.key, version: v.version, from, to },
      key: `phase:${v.modelId}:${accountId}:${to}:${at}`,
      source: 'engine',
    })),
  );
}

const metricCache = new WeakMap<RunnableVersion[], Map<string, MetricSource | null>>();

async function metricSource(db: Db, ws: string, versions: RunnableVersion[], key: string): Promise<MetricSource | null> {
  let cache = metricCache.get(versions);
  if (!cache) {
    cache = new Map();
    metricCache.set(versions, cache);
  }
  if (!cache.has(key)) {
    const row = await db
      .selectFrom('metric_definitions')
      .select(['kind', 'event_name', 'property'])
      .where('workspace_id', '=', ws)
      .where('key', '=', key)
      .executeTakeFirst();
    cache.set(key, row && row.kind !== 'last_seen' ? { kind: row.kind, eventName: row.event_name, property: row.property } : null);
  }
  return cache.get(key) ?? null;
}

/** Whether the workspace ever received an event of this name (one probe of the rollups' name index). */
async function eventNameSeen(db: Db, ws: string, name: string): Promise<boolean> {
  const row = await sql<{ seen: boolean }>`
    select exists (select 1 from event_rollups where workspace_id = ${ws}::uuid and name = ${name}) as seen`.execute(db);
  return row.rows[0]?.seen ?? false;
}

function anchoredSchedule(rule: Extract<MomentDef['start'], { type: 'scheduled' }>): AnchoredSchedule {
  const { rule: r } = readSchedule(rule);
  const interval = r.options.interval || 1;
  const freq = r.options.freq;
  const [unit, step]: ['hour' | 'month', number] =
    freq === RRule.YEARLY
      ? ['month', 12 * interval]
      : freq === RRule.MONTHLY
        ? ['month', interval]
        : freq === RRule.WEEKLY
          ? ['hour', 168 * interval]
          : ['hour', 24 * interval];
  return {
    anchor: rule.anchor as AnchoredSchedule['anchor'],
    offsetHours: rule.offset ? durationHours(rule.offset) : 0,
    unit,
    step,
    count: r.options.count ?? null,
  };
}

/** The candidates of one moment's time-driven rule as of asOf, or undefined when its rule is not time-driven. */
async function timeCandidates(db: Db, ws: string, versions: RunnableVersion[], v: RunnableVersion, m: MomentDef, asOf: Date): Promise<Candidates | undefined> {
  const rule = m.start;
  const role = m.owner ?? 'csm';
  switch (rule.type) {
    case 'scheduled': {
      if (rule.anchor === 'calendar') {
        const occurrence = readSchedule(rule).rule.before(asOf, true);
        if (!occurrence) return undefined;
        return { rule: 'scheduled', status: 'open', role, select: calendarCandidates(ws, v, m, occurrence) };
      }
      return { rule: 'scheduled', status: 'open', role, select: anchoredCandidates(ws, v, m, anchoredSchedule(rule), asOf) };
    }
    case 'absence': {
      if (rule.event) {
        const seen = await eventNameSeen(db, ws, rule.event);
        return { rule: 'absence', status: 'open', role, select: absenceEventCandidates(ws, v, m, rule.event, rule.for, asOf, seen) };
      }
      if (!rule.metric) return undefined;
      const source = await metricSource(db, ws, versions, rule.metric.key);
      if (!source) return undefined;
      return { rule: 'absence', status: 'open', role, select: absenceMetricCandidates(ws, v, m, source, rule.metric.key, rule.metric.below, rule.for, asOf) };
    }
    case 'expectation':
      return { rule: 'expectation', status: 'escalated', role: rule.escalateTo, select: expectationCandidates(ws, v, m, rule, asOf) };
    case 'event': {
      if (!rule.metric) return undefined;
      const source = await metricSource(db, ws, versions, rule.metric.key);
      if (!source) return undefined;
      return { rule: 'metric', status: 'open', role, select: metricCandidates(ws, v, m, source, rule.metric, rule.cooldown, asOf, null) };
    }
  }
}

/** The candidate queries of every time-driven rule as of asOf (the benchmark runs them alone, without the inserts). */
export async function listTimeCandidates(db: Db, ws: string, asOf: Date): Promise<{ model: string; moment: string; candidates: Candidates }[]> {
  const versions = await listRunnableVersions(db, ws);
  const out: { model: string; moment: string; candidates: Candidates }[] = [];
  for (const v of versions) {
    for (const m of v.definition.moments) {
      const candidates = await timeCandidates(db, ws, versions, v, m, asOf);
      if (candidates) out.push({ model: v.key, moment: m.id, candidates });
    }
  }
  return out;
}

/** A moment's own account filter (`when`), compiled once per sweep. */
async function whenFilter(db: Db, ws: string, m: MomentDef, asOf: Date): Promise<Expression<SqlBool> | undefined> {
  if (!m.when) return undefined;
  return compileFilter(m.when, await listCustomFields(db, ws, 'account'), fixedClock(asOf), 'when');
}

/**
 * Opens a moment's candidate occurrences and records what happened as events, in the sweep's transaction: "Moment
 * Opened" (or "Moment Escalated" for an expectation that was not met), and "Metric Threshold Crossed" when a metric
 * condition opened it, so webhooks, timelines and other rules see them.
 */
async function open(db: Db, ws: string, v: RunnableVersion, m: MomentDef, asOf: Date, c: Candidates, report: SweepReport) {
  const opened = await openInstances(db, ws, v, m, asOf, c, await whenFilter(db, ws, m, asOf));
  count(report, v, m, c.rule, opened.length);
  if (opened.length === 0) return;
  const name = c.status === 'escalated' ? 'Moment Escalated' : 'Moment Opened';
  const inputs: InteractionInput[] = opened.flatMap((i) => {
    const common = { model: v.key, version: v.version, moment: m.id, instance: i.id, rule: c.rule };
    const opening: InteractionInput = {
      accountId: i.account_id,
      name,
      channel: 'other',
      digital: false,
      occurredAt: asOf,
      properties: {
        ...common,
        momentName: m.name,
        phase: m.phase,
        dueAt: new Date(i.due_at).toISOString(),
        assigneeRole: c.role,
        assigneeMemberId: i.assignee_member_id,
        evidence: i.evidence,
        summary: `${name === 'Moment Escalated' ? 'Escalated' : 'Opened'}: ${m.name}`,
      },
      key: `${c.status === 'escalated' ? 'escalated' : 'opened'}:${i.id}`,
      source: 'engine',
    };
    // Metric conditions (a metric rule, or an absence measured by a metric) record the crossing itself too.
    if (typeof i.evidence.metric !== 'string') return [opening];
    const crossing: InteractionInput = {
      ...opening,
      name: 'Metric Threshold Crossed',
      properties: { ...common, ...i.evidence, summary: `${i.evidence.metric} crossed its threshold (${m.name})` },
      key: `metric:${i.id}`,
    };
    return [opening, crossing];
  });
  await recordInteractionEvents(db, { now: () => asOf }, ws, inputs);
}

async function runTimeRules(db: Db, ws: string, versions: RunnableVersion[], asOf: Date, report: SweepReport) {
  for (const v of versions) {
    for (const m of v.definition.moments) {
      const candidates = await timeCandidates(db, ws, versions, v, m, asOf);
      if (candidates) await open(db, ws, v, m, asOf, candidates, report);
    }
  }
}

/**
 * Late-committing ingest transactions are caught by re-reading this far behind the cursor (idempotency keys absorb
 * the overlap). An ingest request commits within seconds of arriving (64 in flight at most, then 429), so a minute
 * is ample; a longer window made every evaluation re-read minutes of events at high ingest rates.
 */
const LOOKBACK_MS = 60 * 1000;

async function evaluateEventsSince(db: Db, ws: string, versions: RunnableVersion[], asOf: Date, report: SweepReport) {
  const cursor = await db.selectFrom('engine_cursors').select('position').where('workspace_id', '=', ws).where('name', '=', 'events').executeTakeFirst();
  const from = new Date(Math.min((cursor?.position ?? asOf).getTime(), asOf.getTime()) - LOOKBACK_MS);
  for (const v of versions) {
    for (const m of v.definition.moments) {
      const rule = m.start;
      if (rule.type !== 'event' || !rule.event) continue;
      const select = eventCandidates(ws, v, m, rule.event, rule.where, rule.cooldown, from, asOf);
      const candidates: Candidates = { rule: 'event', status: 'open', role: m.owner ?? 'csm', select };
      await open(db, ws, v, m, asOf, candidates, report);
    }
  }
  const hasMetricRules = versions.some((v) => v.definition.moments.some((m) => m.start.type === 'event' && m.start.metric));
  if (hasMetricRules) {
    const touched = await sql<{ account_id: string }>`
      select distinct account_id from events where workspace_id = ${ws}::uuid and received_at > ${from}::timestamptz
        and received_at <= ${asOf}::timestamptz and account_id is not null`.execute(db);
    const accounts = touched.rows.map((r) => r.account_id);
    if (accounts.length > 0) {
      for (const v of versions) {
        for (const m of v.definition.moments) {
          const rule = m.start;
          if (rule.type !== 'event' || !rule.metric) continue;
          const source = await metricSource(db, ws, versions, rule.metric.key);
          if (!source) continue;
          const select = metricCandidates(ws, v, m, source, rule.metric, rule.cooldown, asOf, accounts);
          const candidates: Candidates = { rule: 'metric', status: 'open', role: m.owner ?? 'csm', select };
          await open(db, ws, v, m, asOf, candidates, report);
        }
      }
    }
  }
  await db
    .insertInto('engine_cursors')
    .values({ workspace_id: ws, name: 'events', position: asOf })
    .onConflict((oc) => oc.columns(['workspace_id', 'name']).doUpdateSet({ position: sql`greatest(engine_cursors.position, excluded.position)` }))
    .execute();
}

/**
 * Streaming evaluation: event and metric rules over the events received since the last evaluation. The ingest path
 * (or the `engine.evaluate-events` job it enqueues) calls this right after events commit; the minute sweep catches up too.
 */
export async function evaluateNewEvents(db: Db, clock: Clock, workspaceId: string): Promise<SweepReport> {
  const asOf = clock.now();
  const report = newReport(asOf);
  const versions = await listRunnableVersions(db, workspaceId);
  if (versions.length === 0) return report;
  report.workspaces = 1;
  await evaluateEventsSince(db, workspaceId, versions, asOf, report);
  return report;
}

export interface AccountEngagement {
  accountId: string;
  model: { id: string; key: string; version: number; versionId: string } | null;
  phase: string | null;
  phaseEnteredAt: string | null;
  engagedAt: string | null;
  phases: { phase: string; enteredAt: string; exitedAt: string | null }[];
}

/** Which model version engages an account, its phase and its phase history. */
export async function getAccountEngagement(db: Db, workspaceId: string, accountId: string): Promise<AccountEngagement> {
  const g = await db
    .selectFrom('engagements')
    .innerJoin('model_versions as v', (j) => j.onRef('v.workspace_id', '=', 'engagements.workspace_id').onRef('v.id', '=', 'engagements.model_version_id'))
    .innerJoin('models as m', (j) => j.onRef('m.workspace_id', '=', 'v.workspace_id').onRef('m.id', '=', 'v.model_id'))
    .select([
      'engagements.model_version_id',
      'engagements.phase',
      'engagements.phase_entered_at',
      'engagements.engaged_at',
      'v.version',
      'm.id as model_id',
      'm.key',
    ])
    .where('engagements.workspace_id', '=', workspaceId)
    .where('engagements.account_id', '=', accountId)
    .executeTakeFirst();
  const phases = await db
    .selectFrom('engagement_phases')
    .select(['phase', 'entered_at', 'exited_at'])
    .where('workspace_id', '=', workspaceId)
    .where('account_id', '=', accountId)
    .orderBy('entered_at')
    .execute();
  return {
    accountId,
    model: g ? { id: g.model_id, key: g.key, version: g.version, versionId: g.model_version_id } : null,
    phase: g?.phase ?? null,
    phaseEnteredAt: g?.phase_entered_at.toISOString() ?? null,
    engagedAt: g?.engaged_at.toISOString() ?? null,
    phases: phases.map((p) => ({ phase: p.phase, enteredAt: p.entered_at.toISOString(), exitedAt: p.exited_at?.toISOString() ?? null })),
  };
}
