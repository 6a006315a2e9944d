import type { Selectable } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { getAccount } from '../accounts/accounts.ts';
import { recordAudit } from '../audit/audit.ts';
import {
  dailyEventStats,
  dailyPropertySums,
  distinctUsers,
  lastSeen,
  rebuildEventRollups,
  registerSummedProperty,
  unregisterSummedProperty,
} from '../events/events.stats.ts';
import { metricWarnings, previewMetric, seenEventNames } from './metrics.preview.ts';
import type { MetricKind, MetricPreview, MetricSaved, SeenEvent } from './metrics.schema.ts';
import type { MetricDefinitionsTable } from './metrics.table.ts';

export { type MetricKind, metricKinds } from './metrics.schema.ts';
/** Rolling windows, in days, ending today (UTC). */
export const metricWindows = [7, 28, 90] as const;
const HISTORY_DAYS = 90;
const DAY = 86_400_000;

export interface Metric {
  id: string;
  key: string;
  label: string;
  kind: MetricKind;
  eventName: string;
  property: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface MetricInput {
  key: string;
  label: string;
  kind: MetricKind;
  eventName: string;
  property?: string | null | undefined;
}

function toMetric(row: Selectable<MetricDefinitionsTable>): Metric {
  return {
    id: row.id,
    key: row.key,
    label: row.label,
    kind: row.kind,
    eventName: row.event_name,
    property: row.property,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function checkProperty(input: { kind: MetricKind; property?: string | null | undefined }): string | null {
  if (input.kind === 'sum' && !input.property)
    throw new AppError('validation_failed', 'property: a sum metric names the property it sums', [
      { path: 'body.property', message: 'is required for a sum metric' },
    ]);
  if (input.kind !== 'sum' && input.property)
    throw new AppError('validation_failed', 'property: only a sum metric has a property', [{ path: 'body.property', message: 'is only for sum metrics' }]);
  return input.kind === 'sum' ? (input.property ?? null) : null;
}

function duplicateKey(error: unknown): never {
  if (isUniqueViolation(error))
    throw new AppError('conflict', 'Another metric already has this key', [{ path: 'key', message: 'is already used by another metric' }]);
  throw error;
}

export async function listMetrics(db: Db, actor: Actor): Promise<Metric[]> {
  const rows = await db.selectFrom('metric_definitions').selectAll().where('workspace_id', '=', actor.workspaceId).orderBy('label').execute();
  return rows.map(toMetric);
}

export async function getMetric(db: Db, actor: Actor, id: string): Promise<Metric> {
  const row = await db.selectFrom('metric_definitions').selectAll().where('workspace_id', '=', actor.workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Metric');
  return toMetric(row);
}

/** Defines a metric; a sum metric starts daily sums of its property, backfilled from the raw events kept. */
export async function createMetric(db: Db, clock: Clock, actor: Actor, input: MetricInput): Promise<Metric> {
  const property = checkProperty(input);
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const row = await tx
      .insertInto('metric_definitions')
      .values({
        workspace_id: actor.workspaceId,
        id: newId(),
        key: input.key,
        label: input.label,
        kind: input.kind,
        event_name: input.eventName,
        property,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(duplicateKey);
    if (property) await registerSummedProperty(tx, actor.workspaceId, input.eventName, property);
    const metric = toMetric(row);
    await recordAudit(tx, clock, actor, { action: 'metric.created', entityType: 'metric', entityId: metric.id, after: metric });
    return metric;
  });
}

/** Sums no remaining metric uses are dropped. */
async function releaseSums(tx: Db, workspaceId: string, metric: Metric) {
  if (!metric.property) return;
  const still = await tx
    .selectFrom('metric_definitions')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('event_name', '=', metric.eventName)
    .where('property', '=', metric.property)
    .executeTakeFirst();
  if (!still) await unregisterSummedProperty(tx, workspaceId, metric.eventName, metric.property);
}

export async function updateMetric(db: Db, clock: Clock, actor: Actor, id: string, input: Partial<MetricInput>): Promise<Metric> {
  return inTransaction(db, async (tx) => {
    const before = await getMetric(tx, actor, id);
    const kind = input.kind ?? before.kind;
    const property = checkProperty({ kind, property: input.property !== undefined ? input.property : before.property });
    const row = await tx
      .updateTable('metric_definitions')
      .set({
        ...(input.key !== undefined && { key: input.key }),
        ...(input.label !== undefined && { label: input.label }),
        ...(input.eventName !== undefined && { event_name: input.eventName }),
        kind,
        property,
        updated_at: clock.now(),
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(duplicateKey);
    const after = toMetric(row);
    if (after.property) await registerSummedProperty(tx, actor.workspaceId, after.eventName, after.property);
    await releaseSums(tx, actor.workspaceId, before);
    await recordAudit(tx, clock, actor, { action: 'metric.updated', entityType: 'metric', entityId: id, before, after });
    return after;
  });
}

export async function deleteMetric(db: Db, clock: Clock, actor: Actor, id: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const before = await getMetric(tx, actor, id);
    await tx.deleteFrom('metric_definitions').where('workspace_id', '=', actor.workspaceId).where('id', '=', id).execute();
    await releaseSums(tx, actor.workspaceId, before);
    await recordAudit(tx, clock, actor, { action: 'metric.deleted', entityType: 'metric', entityId: id, before });
  });
}

export interface MetricValue extends Metric {
  /** Value over the last 7, 28 and 90 days (for last_seen: whether seen in the window, 1 or 0). */
  windows: { '7d': number; '28d': number; '90d': number };
  /** Change of the last 7 days against the 7 before, as a fraction (0.25 = +25%); null when the week before had nothing. */
  weekOverWeek: number | null;
  lastSeenAt: string | null;
  /** One point per day (UTC), oldest first, zero-filled: the sparkline. */
  history: { day: string; value: number }[];
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Every metric's value for one account as of the clock: windows, week-over-week change, last seen and daily history. */
export async function accountMetrics(
  db: Db,
  clock: Clock,
  actor: Actor,
  accountId: string,
): Promise<{ accountId: string; asOf: string; metrics: MetricValue[] }> {
  await getAccount(db, actor, accountId);
  const metrics = await listMetrics(db, actor);
  const now = clock.now();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const toDay = dayOf(today);
  const days = Array.from({ length: HISTORY_DAYS }, (_, i) => dayOf(today - (HISTORY_DAYS - 1 - i) * DAY));
  const fromDay = days[0] as string;
  const windowStart = (n: number) => dayOf(today - (n - 1) * DAY);
  const prevWeek = { from: dayOf(today - 13 * DAY), to: dayOf(today - 7 * DAY) };
  const names = [...new Set(metrics.map((m) => m.eventName))];
  const [daily, users, seen, sums] = await Promise.all([
    dailyEventStats(db, actor.workspaceId, accountId, names, fromDay, toDay),
    distinctUsers(
      db,
      actor.workspaceId,
      accountId,
      names.filter((n) => metrics.some((m) => m.eventName === n && m.kind === 'distinct_users')),
      metricWindows.map(windowStart),
      toDay,
      prevWeek,
    ),
    lastSeen(db, actor.workspaceId, accountId, names),
    metrics.some((m) => m.kind === 'sum') ? dailyPropertySums(db, actor.workspaceId, accountId, fromDay, toDay) : Promise.resolve([]),
  ]);
  const values = metrics.map((m): MetricValue => {
    const perDay = new Map<string, number>();
    if (m.kind === 'sum') for (const s of sums) if (s.name === m.eventName && s.property === m.property) perDay.set(s.day, s.sum);
    for (const d of daily) if (d.name === m.eventName && m.kind !== 'sum') perDay.set(d.day, m.kind === 'distinct_users' ? d.users : d.count);
    const history = days.map((day) => ({ day, value: perDay.get(day) ?? 0 }));
    const total = (from: string, to = toDay) => history.filter((h) => h.day >= from && h.day <= to).reduce((a, h) => a + h.value, 0);
    const last = seen.get(m.eventName) ?? null;
    let windows: MetricValue['windows'];
    let thisWeek: number;
    let weekBefore: number;
    if (m.kind === 'distinct_users') {
      const u = users.get(m.eventName);
      windows = { '7d': u?.windows[0] ?? 0, '28d': u?.windows[1] ?? 0, '90d': u?.windows[2] ?? 0 };
      thisWeek = windows['7d'];
      weekBefore = u?.extra ?? 0;
    } else if (m.kind === 'last_seen') {
      const seenWithin = (n: number) => (last && last.getTime() >= today - (n - 1) * DAY ? 1 : 0);
      windows = { '7d': seenWithin(7), '28d': seenWithin(28), '90d': seenWithin(90) };
      thisWeek = total(windowStart(7));
      weekBefore = total(prevWeek.from, prevWeek.to);
    } else {
      windows = { '7d': total(windowStart(7)), '28d': total(windowStart(28)), '90d': total(windowStart(90)) };
      thisWeek = windows['7d'];
      weekBefore = total(prevWeek.from, prevWeek.to);
    }
    const weekOverWeek = weekBefore === 0 ? null : Math.round(((thisWeek - weekBefore) / weekBefore) * 10_000) / 10_000;
    return { ...m, windows, weekOverWeek, lastSeenAt: last?.toISOString() ?? null, history };
  });
  return { accountId, asOf: now.toISOString(), metrics: values };
}

/** A metric as saved, with the warnings about its definition (an event never seen ...): they never refuse it. */
export async function withWarnings(db: Db, actor: Actor, metric: Metric): Promise<MetricSaved> {
  return { ...metric, warnings: await metricWarnings(db, actor.workspaceId, metric) };
}

/** What a definition (saved or not) would show on the workspace's data over the last `days` days, with its warnings. */
export async function previewMetricDefinition(
  db: Db,
  clock: Clock,
  actor: Actor,
  input: { kind: MetricKind; eventName: string; property?: string | null | undefined; days: number },
): Promise<MetricPreview> {
  const property = checkProperty(input);
  return previewMetric(db, clock.now(), actor.workspaceId, { kind: input.kind, eventName: input.eventName, property }, input.days);
}

/** The event names seen in the workspace, for choosing a metric's event. */
export async function listSeenEvents(db: Db, actor: Actor): Promise<SeenEvent[]> {
  return seenEventNames(db, actor.workspaceId);
}

/** Recomputes every rollup of the workspace from its raw events (days older than the raw events kept stay as they are). */
export async function rebuildMetrics(db: Db, workspaceId: string) {
  return rebuildEventRollups(db, workspaceId);
}
