import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { Actor } from '../../lib/actor.ts';
import { messageStatsBySource } from '../messaging/messaging.stats.ts';
import type { StreamStats } from './streams.schema.ts';
import { getStream } from './streams.ts';

/**
 * A stream's funnel: contacts who entered, each step's messages (from the outbox: sent, opened by people, clicked …,
 * and those the gate excluded, by reason), completed, and enrolments that exited early, by reason.
 */
export async function streamStats(db: Db, actor: Actor, id: string): Promise<StreamStats> {
  const stream = await getStream(db, actor, id);
  const exits = await db
    .selectFrom('stream_enrolments')
    .select(['exit_reason', sql<number>`count(*)::int`.as('n')])
    .where('workspace_id', '=', actor.workspaceId)
    .where('stream_id', '=', id)
    .where('exited_at', 'is not', null)
    .groupBy('exit_reason')
    .execute();
  const reached = await db
    .selectFrom('stream_enrolments')
    .select(['step', sql<number>`count(*)::int`.as('n')])
    .where('workspace_id', '=', actor.workspaceId)
    .where('stream_id', '=', id)
    .groupBy('step')
    .execute();
  // Enrolments whose `step` is past index i have had step i.
  const past = (i: number) => reached.filter((r) => r.step > i).reduce((sum, r) => sum + r.n, 0);
  const bySource = await messageStatsBySource(db, actor.workspaceId, { sourceType: 'stream_step', sourceIds: stream.steps.map((s) => s.id) });
  const steps = [];
  for (const [index, step] of stream.steps.entries()) {
    const s = bySource.get(step.id);
    if (!s) continue;
    steps.push({
      id: step.id,
      index,
      template: step.template,
      delay: step.delay,
      reached: past(index),
      queued: s.queued,
      sent: s.sent,
      delivered: s.delivered,
      opened: s.opened,
      machineOpened: s.machineOpened,
      clicked: s.clicked,
      unsubscribed: s.unsubscribed,
      bounced: s.bounced,
      excluded: s.excluded as Record<string, number>,
    });
  }
  const { active, completed, exited } = stream.enrolments;
  return {
    entered: active + completed + exited,
    active,
    completed,
    exited: Object.fromEntries(exits.map((e) => [e.exit_reason ?? 'unknown', e.n])),
    steps,
  };
}
