import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';

export interface MessageStats {
  /** Every message written for the source (queued, sent, failed and excluded). */
  total: number;
  queued: number;
  sent: number;
  /** Sent and not bounced. */
  delivered: number;
  failed: number;
  /** Opened by a person: the first open was not a privacy proxy or pre-fetch. */
  opened: number;
  /** Opened only by a machine (Apple Mail Privacy Protection, image proxies): never read as interest. */
  machineOpened: number;
  clicked: number;
  unsubscribed: number;
  bounced: number;
  complained: number;
  /** Excluded by the gate (or the template's missing data), by reason. */
  excluded: Record<string, number>;
}

const empty = (): MessageStats => ({
  total: 0,
  queued: 0,
  sent: 0,
  delivered: 0,
  failed: 0,
  opened: 0,
  machineOpened: 0,
  clicked: 0,
  unsubscribed: 0,
  bounced: 0,
  complained: 0,
  excluded: {},
});

interface StatsRow {
  source_id: string;
  status: string;
  reason: string | null;
  n: number;
  sent: number;
  delivered: number;
  opened: number;
  machine: number;
  clicked: number;
  unsubscribed: number;
  bounced: number;
  complained: number;
}

async function rows(db: Db | Tx, workspaceId: string, sourceType: string, sourceIds: string[] | undefined): Promise<StatsRow[]> {
  const filter = sourceIds ? sql`and source_id = any(${sourceIds}::text[])` : sql``;
  const result = await sql<StatsRow>`
    select source_id, status, reason, count(*)::int as n,
      count(*) filter (where sent_at is not null)::int as sent,
      count(*) filter (where sent_at is not null and bounced_at is null)::int as delivered,
      count(*) filter (where opened_at is not null and machine_open is not true)::int as opened,
      count(*) filter (where opened_at is not null and machine_open is true)::int as machine,
      count(*) filter (where clicked_at is not null)::int as clicked,
      count(*) filter (where unsubscribed_at is not null)::int as unsubscribed,
      count(*) filter (where bounced_at is not null)::int as bounced,
      count(*) filter (where complained_at is not null)::int as complained
    from messages where workspace_id = ${workspaceId}::uuid and source_type = ${sourceType} ${filter}
    group by source_id, status, reason`.execute(db as Db);
  return result.rows;
}

function add(stats: MessageStats, r: StatsRow): void {
  stats.total += r.n;
  if (r.status === 'queued') stats.queued += r.n;
  if (r.status === 'failed') stats.failed += r.n;
  if (r.status === 'excluded') stats.excluded[r.reason ?? 'unknown'] = (stats.excluded[r.reason ?? 'unknown'] ?? 0) + r.n;
  stats.sent += r.sent;
  stats.delivered += r.delivered;
  stats.opened += r.opened;
  stats.machineOpened += r.machine;
  stats.clicked += r.clicked;
  stats.unsubscribed += r.unsubscribed;
  stats.bounced += r.bounced;
  stats.complained += r.complained;
}

/**
 * What happened to a source's messages (a campaign, a stream step, a moment ...): one source (`sourceId`), several
 * together (`sourceIds`), or every source of the type. Counts are of messages (a message opened twice counts once).
 */
export async function messageStats(
  db: Db | Tx,
  workspaceId: string,
  filter: { sourceType: string; sourceId?: string; sourceIds?: string[] },
): Promise<MessageStats> {
  const ids = filter.sourceId !== undefined ? [filter.sourceId] : filter.sourceIds;
  const stats = empty();
  if (ids && ids.length === 0) return stats;
  for (const r of await rows(db, workspaceId, filter.sourceType, ids)) add(stats, r);
  return stats;
}

/** The stats of each of several sources of one type, in one query (ids without messages get zeros). */
export async function messageStatsBySource(
  db: Db | Tx,
  workspaceId: string,
  filter: { sourceType: string; sourceIds: string[] },
): Promise<Map<string, MessageStats>> {
  const result = new Map(filter.sourceIds.map((id) => [id, empty()]));
  if (filter.sourceIds.length === 0) return result;
  for (const r of await rows(db, workspaceId, filter.sourceType, filter.sourceIds)) {
    const stats = result.get(r.source_id) ?? empty();
    add(stats, r);
    result.set(r.source_id, stats);
  }
  return result;
}

/** How many of a source's messages are still queued, counted up to `cap` (a partial index keeps it to the queue). */
export async function queuedCount(db: Db | Tx, workspaceId: string, source: { type: string; id: string }, cap: number): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from (select 1 from messages where workspace_id = ${workspaceId}::uuid and source_type = ${source.type}
      and source_id = ${source.id} and status = 'queued' limit ${cap}) q`.execute(db as Db);
  return result.rows[0]?.n ?? 0;
}
