import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import { systemActor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { compileFilter } from '../accounts/accounts.queries.ts';
import { allConditions } from '../accounts/accounts.schema.ts';
import { gate } from '../consent/consent.gate.ts';
import { listCustomFields } from '../customfields/customfields.ts';
import { enqueueMessages, type OutgoingMessage } from '../messaging/messaging.outbox.ts';
import { findSegment } from '../segments/segments.ts';
import { renderTemplate } from '../templates/templates.ts';
import { recordStreamEvents } from './streams.events.ts';
import type { StoredStep } from './streams.table.ts';
import { stepDelayMs } from './streams.ts';

/** Enrolments taken per transaction: their exits, consent, rendering and enqueueing are one batch. */
const BATCH = 200;

export interface EntryReport {
  streams: number;
  enrolled: number;
}

/**
 * The segment entry rule of every active stream: contacts (with one of its personas, still at their company) of accounts
 * in its segment who were never enrolled enter now. One INSERT … SELECT per stream, its anti-join on the enrolments'
 * unique index: the work is the segment's filter plus the new matches, and nothing is enrolled twice (re-entry is off).
 */
export async function enrolFromSegments(db: Db, clock: Clock, options: { workspaceId?: string } = {}): Promise<EntryReport> {
  const now = clock.now();
  let q = db
    .selectFrom('streams')
    .select(['workspace_id', 'id', 'key', 'name', 'entry_segment_id', 'entry_personas', 'steps'])
    .where('status', '=', 'active')
    .where('entry_segment_id', 'is not', null);
  if (options.workspaceId) q = q.where('workspace_id', '=', options.workspaceId);
  const streams = await q.execute();
  let enrolled = 0;
  for (const stream of streams) {
    const segment = await findSegment(db, systemActor(stream.workspace_id), stream.entry_segment_id as string);
    const first = stream.steps[0];
    if (!segment || !first) continue;
    const needsFields = allConditions(segment.filter).some((c) => c.field.startsWith('custom.'));
    const fields = needsFields ? await listCustomFields(db, stream.workspace_id, 'account') : [];
    let where: ReturnType<typeof compileFilter>;
    try {
      where = compileFilter(segment.filter, fields, clock);
    } catch {
      continue; // A segment naming a custom field since deleted matches nothing until it is fixed.
    }
    let select = db
      .selectFrom('contacts as c')
      .innerJoin('accounts', (j) => j.onRef('accounts.workspace_id', '=', 'c.workspace_id').onRef('accounts.id', '=', 'c.account_id'))
      .where('c.workspace_id', '=', stream.workspace_id)
      .where('c.left_at', 'is', null)
      .where(where)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('stream_enrolments as e')
              .select('e.id')
              .whereRef('e.workspace_id', '=', 'c.workspace_id')
              .where('e.stream_id', '=', stream.id)
              .whereRef('e.contact_id', '=', 'c.id'),
          ),
        ),
      )
      .select([
        'c.workspace_id',
        sql<string>`gen_random_uuid()`.as('id'),
        sql<string>`${stream.id}::uuid`.as('stream_id'),
        'c.id as contact_id',
        'c.account_id',
        sql<string>`'segment'`.as('source'),
        sql<string>`${segment.id}`.as('source_id'),
        sql<Date>`${now}::timestamptz`.as('entered_at'),
        sql<number>`0`.as('step'),
        sql<Date>`${new Date(now.getTime() + stepDelayMs(first))}::timestamptz`.as('next_at'),
      ]);
    if (stream.entry_personas.length > 0) select = select.where('c.persona', 'in', stream.entry_personas);
    const result = await db
      .insertInto('stream_enrolments')
      .columns(['workspace_id', 'id', 'stream_id', 'contact_id', 'account_id', 'source', 'source_id', 'entered_at', 'step', 'next_at'])
      .expression(select)
      .onConflict((oc) => oc.columns(['workspace_id', 'stream_id', 'contact_id']).doNothing())
      .returning(['id', 'contact_id', 'account_id'])
      .execute();
    enrolled += result.length;
    await recordStreamEvents(
      db,
      clock,
      stream.workspace_id,
      'Stream Entered',
      stream,
      result.map((r) => ({ enrolmentId: r.id, contactId: r.contact_id, accountId: r.account_id, extra: { source: 'segment' } })),
    );
    await db.updateTable('streams').set({ entry_checked_at: now }).where('workspace_id', '=', stream.workspace_id).where('id', '=', stream.id).execute();
  }
  return { streams: streams.length, enrolled };
}

interface Claimed {
  workspace_id: string;
  id: string;
  stream_id: string;
  contact_id: string;
  account_id: string | null;
  step: number;
  stream_key: string;
  stream_name: string;
  list_id: string;
  steps: StoredStep[];
  exit_reason: string | null;
}

export interface StepReport {
  /** Enrolments whose due step was handled (queued, or excluded by the gate). */
  sent: number;
  exited: number;
  completed: number;
}

/**
 * Sends every due step of active streams (the `streams.send-due` job, every minute). Per batch, in one transaction:
 * the due enrolments are locked (a concurrent run skips them), exits are checked FIRST (an exit event or phase change on
 * the account since entry, an unsubscribe from the stream's list, a suppressed address), then each step's template is
 * rendered and enqueued with the dedupe key `stream:<enrolment>:<step>` (so a rerun after a crash cannot send a step
 * twice), and the enrolment moves to its next step, due after that step's delay.
 */
export async function sendDueSteps(db: Db, clock: Clock, options: { budgetMs?: number; workspaceId?: string } = {}): Promise<StepReport> {
  const report: StepReport = { sent: 0, exited: 0, completed: 0 };
  const started = Date.now();
  for (;;) {
    const n = await inTransaction(db, (tx) => sendBatch(tx, clock, report, options));
    if (n < BATCH || Date.now() - started > (options.budgetMs ?? 45_000)) return report;
  }
}

async function sendBatch(tx: Tx, clock: Clock, report: StepReport, options: { workspaceId?: string }): Promise<number> {
  const now = clock.now();
  const workspaceId = options.workspaceId;
  const claimed = await sql<Claimed>`
    select e.workspace_id, e.id, e.stream_id, e.contact_id, e.account_id, e.step, s.key as stream_key, s.name as stream_name, s.list_id, s.steps,
      coalesce(
        (select 'event:' || ev.name from events ev
          where ev.workspace_id = e.workspace_id and ev.account_id = e.account_id and ev.name = any(s.exit_events)
            and ev.timestamp >= e.entered_at and ev.timestamp <= ${now}::timestamptz
          order by ev.timestamp limit 1),
        (select 'phase:' || (ev.properties ->> 'to') from events ev
          where cardinality(s.exit_phases) > 0 and ev.workspace_id = e.workspace_id and ev.account_id = e.account_id
            and ev.name = 'Phase Entered' and ev.timestamp >= e.entered_at and ev.timestamp <= ${now}::timestamptz
            and ('*' = any(s.exit_phases) or ev.properties ->> 'to' = any(s.exit_phases))
          order by ev.timestamp limit 1)
      ) as exit_reason
    from stream_enrolments e
    join streams s on s.workspace_id = e.workspace_id and s.id = e.stream_id
    where e.next_at <= ${now}::timestamptz and e.completed_at is null and e.exited_at is null and s.status = 'active'
      ${workspaceId ? sql`and e.workspace_id = ${workspaceId}::uuid` : sql``}
    order by e.next_at, e.id
    limit ${BATCH}
    for update of e skip locked`.execute(tx);
  const rows = claimed.rows;
  const exits = new Map<string, string>();
  for (const r of rows) if (r.exit_reason) exits.set(r.id, r.exit_reason);
  // Consent for the stream's list, asked once per stream in the batch: an unsubscribe or a suppression ends the enrolment.
  const byStream = Map.groupBy(
    rows.filter((r) => !exits.has(r.id)),
    (r) => `${r.workspace_id}/${r.stream_id}`,
  );
  for (const group of byStream.values()) {
    const first = group[0] as Claimed;
    const decisions = await gate(
      tx,
      first.workspace_id,
      { kind: 'list', listId: first.list_id },
      group.map((r) => r.contact_id),
    );
    const refused = new Map(decisions.flatMap((d) => (d.allowed ? [] : [[d.recipientId, d.reason] as const])));
    for (const r of group) {
      const reason = refused.get(r.contact_id);
      if (reason === 'withdrawn') exits.set(r.id, 'unsubscribed');
      else if (reason === 'suppressed') exits.set(r.id, 'suppressed');
    }
  }
  if (exits.size > 0) {
    const ids = [...exits.keys()];
    await sql`update stream_enrolments e set exited_at = ${now}::timestamptz, exit_reason = x.reason, next_at = null
      from (select unnest(${ids}::uuid[]) as id, unnest(${ids.map((id) => exits.get(id) as string)}::text[]) as reason) x
      where e.workspace_id = any(${[...new Set(rows.map((r) => r.workspace_id))]}::uuid[]) and e.id = x.id`.execute(tx);
    report.exited += exits.size;
    for (const group of Map.groupBy(
      rows.filter((r) => exits.has(r.id)),
      (r) => `${r.workspace_id}/${r.stream_id}`,
    ).values()) {
      const first = group[0] as Claimed;
      await recordStreamEvents(
        tx,
        clock,
        first.workspace_id,
        'Stream Exited',
        { key: first.stream_key, name: first.stream_name },
        group.map((r) => ({ enrolmentId: r.id, contactId: r.contact_id, accountId: r.account_id, extra: { reason: exits.get(r.id) as string } })),
      );
    }
  }
  // The rest get their step: rendered per (stream, step), enqueued, and moved on.
  const toSend = Map.groupBy(
    rows.filter((r) => !exits.has(r.id) && r.step < r.steps.length),
    (r) => `${r.workspace_id}/${r.stream_id}/${r.step}`,
  );
  for (const group of toSend.values()) {
    const first = group[0] as Claimed;
    const step = first.steps[first.step] as StoredStep;
    // A template deleted since the step was saved cannot block the other streams: its messages are excluded
    // (missing data: the template), so the funnel shows why, and the enrolments move on.
    const rendered = await renderTemplate(
      tx,
      first.workspace_id,
      step.template,
      group.map((r) => r.contact_id),
      { clock },
    ).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'not_found') return new Map<string, { missing: string[] }>();
      throw error;
    });
    const messages: OutgoingMessage[] = group.map((r) => ({
      recipientId: r.contact_id,
      purpose: { kind: 'list', listId: r.list_id },
      source: { type: 'stream_step', id: step.id, label: `${r.stream_name} · step ${r.step + 1}` },
      dedupeKey: `stream:${r.id}:${r.step}`,
      content: rendered.get(r.contact_id) ?? { missing: rendered.size === 0 ? [`template ${step.template}`] : ['contact'] },
    }));
    await enqueueMessages(tx, clock, first.workspace_id, messages);
    const next = first.steps[first.step + 1];
    const ids = group.map((r) => r.id);
    await tx
      .updateTable('stream_enrolments')
      .set({
        step: first.step + 1,
        last_sent_at: now,
        next_at: next ? new Date(now.getTime() + stepDelayMs(next)) : null,
        completed_at: next ? null : now,
      })
      .where('workspace_id', '=', first.workspace_id)
      .where('id', 'in', ids)
      .where('step', '=', first.step)
      .execute();
    report.sent += group.length;
    if (!next) {
      report.completed += group.length;
      await recordStreamEvents(
        tx,
        clock,
        first.workspace_id,
        'Stream Completed',
        { key: first.stream_key, name: first.stream_name },
        group.map((r) => ({ enrolmentId: r.id, contactId: r.contact_id, accountId: r.account_id })),
      );
    }
  }
  return rows.length;
}
