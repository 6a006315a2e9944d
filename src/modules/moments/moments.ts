import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import { type Actor, isLead } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { findAccount } from '../accounts/accounts.ts';
import { recordAudit } from '../audit/audit.ts';
import { recordInteractionEvent } from '../events/events.ts';
import { requireActiveMember } from '../members/members.ts';
import type { ModelDefinition, MomentDef } from '../models/models.schema.ts';
import { runEmailAction, runEnrolAction } from '../streams/streams.actions.ts';
import { callWorkspaceWebhook } from '../webhooks/webhooks.jobs.ts';
import type { MomentActionPayload } from '../webhooks/webhooks.schema.ts';
import type { PrivateTargets } from '../webhooks/webhooks.send.ts';
import type { MomentInstanceShape, MomentTask, MomentView } from './moments.schema.ts';

export type MomentInstance = MomentInstanceShape;

export type { MomentView } from './moments.schema.ts';

function base(db: Db, workspaceId: string) {
  return (
    db
      .selectFrom('moment_instances as i')
      // Ad-hoc tasks have no model (left joins).
      .leftJoin('model_versions as v', (j) => j.onRef('v.workspace_id', '=', 'i.workspace_id').onRef('v.id', '=', 'i.model_version_id'))
      .leftJoin('models as m', (j) => j.onRef('m.workspace_id', '=', 'i.workspace_id').onRef('m.id', '=', 'i.model_id'))
      .innerJoin('accounts as a', (j) => j.onRef('a.workspace_id', '=', 'i.workspace_id').onRef('a.id', '=', 'i.account_id'))
      .leftJoin('members as mb', (j) => j.onRef('mb.workspace_id', '=', 'i.workspace_id').onRef('mb.id', '=', 'i.assignee_member_id'))
      .selectAll('i')
      .select(['v.version', 'v.definition', 'm.key as model_key', 'a.name as account_name', 'mb.name as assignee_name'])
      .where('i.workspace_id', '=', workspaceId)
  );
}

type Row = Awaited<ReturnType<ReturnType<typeof base>['executeTakeFirstOrThrow']>>;

function momentOf(def: ModelDefinition | null, id: string): MomentDef | undefined {
  return def?.moments.find((m) => m.id === id);
}

function toInstance(r: Row, now: Date): MomentInstance {
  const m = momentOf(r.definition, r.moment_id);
  return {
    id: r.id,
    account: { id: r.account_id, name: r.account_name },
    model: r.model_id && r.model_key !== null && r.version !== null ? { id: r.model_id, key: r.model_key, version: r.version } : null,
    moment: {
      id: r.moment_id,
      name: r.title ?? m?.name ?? r.moment_id,
      phase: r.phase,
      channel: r.channel ?? m?.channel ?? 'other',
      digital: m?.digital ?? false,
      objective: r.description ?? m?.objective ?? null,
      expectedOutcome: m?.expectedOutcome ?? null,
      effortMinutes: m?.effortMinutes ?? 0,
      playbook: m?.playbook ?? [],
    },
    rule: r.rule,
    createdBy: r.created_by,
    openedAt: r.opened_at.toISOString(),
    dueAt: r.due_at.toISOString(),
    overdue: (r.status === 'open' || r.status === 'escalated') && r.due_at.getTime() < now.getTime(),
    assignee: { role: r.assignee_role, memberId: r.assignee_member_id, name: r.assignee_name },
    status: r.status,
    evidence: r.evidence as Record<string, unknown>,
    notes: r.notes,
    outcome: r.outcome,
    completedAt: r.completed_at?.toISOString() ?? null,
    completedBy: r.completed_by,
  };
}

export interface InboxFilter {
  /** Whose moments: the actor's own (default), another member's, or the whole team's — leads only for others. */
  member?: string | 'team' | undefined;
  accountId?: string | undefined;
  modelId?: string | undefined;
  rule?: MomentInstance['rule'] | undefined;
}

/**
 * The inbox ("My moments"): due within 7 days, overdue, upcoming (later), escalated, all open, or completed (done,
 * skipped or missed; newest first, with their notes); the actor's own, or for leads any member's or the whole team's,
 * optionally of one account, model or rule type.
 */
export async function listMyMoments(db: Db, clock: Clock, actor: Actor, view: MomentView, limit = 100, filter: InboxFilter = {}): Promise<MomentInstance[]> {
  const self = memberOf(actor);
  const member = filter.member ?? self;
  if (member !== self && !isLead(actor)) throw new AppError('forbidden', "Only admins and executives see other members' moments");
  const now = clock.now();
  const week = new Date(now.getTime() + 7 * 86_400_000);
  let q = base(db, actor.workspaceId);
  if (member !== 'team') q = q.where('i.assignee_member_id', '=', member);
  if (filter.accountId) q = q.where('i.account_id', '=', filter.accountId);
  if (filter.modelId) q = q.where('i.model_id', '=', filter.modelId);
  if (filter.rule) q = q.where('i.rule', '=', filter.rule);
  if (view === 'completed') {
    const rows = await q.where('i.status', 'in', ['done', 'skipped', 'missed']).orderBy('i.completed_at', 'desc').orderBy('i.id').limit(limit).execute();
    return rows.map((r) => toInstance(r, now));
  }
  if (view === 'due') q = q.where('i.status', '=', 'open').where('i.due_at', '>=', now).where('i.due_at', '<', week);
  else if (view === 'upcoming') q = q.where('i.status', '=', 'open').where('i.due_at', '>=', week);
  else if (view === 'overdue') q = q.where('i.status', 'in', ['open', 'escalated']).where('i.due_at', '<', now);
  else if (view === 'escalated') q = q.where('i.status', '=', 'escalated');
  else q = q.where('i.status', 'in', ['open', 'escalated']);
  const rows = await q.orderBy('i.due_at').orderBy('i.id').limit(limit).execute();
  return rows.map((r) => toInstance(r, now));
}

/** Hands an open moment to another active member (a lead, or whoever holds it now, may); audited. */
export async function reassignMoment(db: Db, clock: Clock, actor: Actor, id: string, memberId: string): Promise<MomentInstance> {
  return inTransaction(db, async (tx) => {
    const before = await getMomentInstance(tx, clock, actor, id);
    if (before.status !== 'open' && before.status !== 'escalated')
      throw new AppError('conflict', `This moment is already ${before.status}: only an open one can be reassigned`);
    if (actor.type === 'member' && !isLead(actor) && before.assignee.memberId !== actor.id) {
      throw new AppError('forbidden', 'Only the member it is assigned to, an admin or an executive can reassign this moment');
    }
    const target = await requireActiveMember(tx, actor.workspaceId, memberId);
    await tx
      .updateTable('moment_instances')
      .set({ assignee_member_id: target.id })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .execute();
    const after = await getMomentInstance(tx, clock, actor, id);
    await recordAudit(tx, clock, actor, {
      action: 'moment.reassigned',
      entityType: 'moment_instance',
      entityId: id,
      before: { assignee: before.assignee },
      after: { assignee: after.assignee },
    });
    return after;
  });
}

/** The moment id of every ad-hoc task (tasks have no model, so no moment definition). */
const TASK_MOMENT_ID = 'task';

/** Today's end (UTC) for a date-only due date, else the instant given. */
function dueInstant(dueAt: string): Date {
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(dueAt) ? `${dueAt}T23:59:59.999Z` : dueAt);
}

/**
 * Creates an ad-hoc task on an account: a moment instance with no model, assigned to a member (the creator by
 * default), due when the member says; it sits in the assignee's inbox with the model's moments and is completed the
 * same way. Audited.
 */
export async function createTask(db: Db, clock: Clock, actor: Actor, input: MomentTask): Promise<MomentInstance> {
  const creator = memberOf(actor);
  const now = clock.now();
  const due = dueInstant(input.dueAt);
  if (due.getTime() < now.getTime())
    throw new AppError('validation_failed', 'dueAt: a new task cannot be due in the past', [{ path: 'body.dueAt', message: 'is in the past' }]);
  return inTransaction(db, async (tx) => {
    const account = await findAccount(tx, actor, input.accountId);
    if (!account)
      throw new AppError('validation_failed', 'accountId: no account of this workspace has this id', [
        { path: 'body.accountId', message: 'no account of this workspace has this id' },
      ]);
    const assignee = await requireActiveMember(tx, actor.workspaceId, input.assigneeMemberId ?? creator, 'body.assigneeMemberId');
    const id = newId();
    await tx
      .insertInto('moment_instances')
      .values({
        workspace_id: actor.workspaceId,
        id,
        account_id: account.id,
        model_id: null,
        model_version_id: null,
        moment_id: TASK_MOMENT_ID,
        phase: '',
        rule: 'task',
        idempotency_key: `task:${id}`,
        opened_at: now,
        due_at: due,
        assignee_role: 'member',
        assignee_member_id: assignee.id,
        status: 'open',
        title: input.title,
        description: input.description || null,
        channel: input.channel,
        created_by: creator,
      })
      .execute();
    // Like the engine's moments, a task's opening is an event (timeline, webhooks, other rules see it).
    await recordInteractionEvent(tx, clock, actor.workspaceId, {
      accountId: account.id,
      name: 'Moment Opened',
      channel: 'other',
      digital: false,
      occurredAt: now,
      properties: {
        moment: TASK_MOMENT_ID,
        instance: id,
        rule: 'task',
        momentName: input.title,
        dueAt: due.toISOString(),
        assigneeMemberId: assignee.id,
        summary: `Task for ${assignee.name}: ${input.title}`,
      },
      key: `opened:${id}`,
      source: 'moments',
    });
    const task = await getMomentInstance(tx, clock, actor, id);
    await recordAudit(tx, clock, actor, { action: 'moment.task_created', entityType: 'moment_instance', entityId: id, after: task });
    return task;
  });
}

/** A member's open moments in numbers: overdue, due within 7 days, escalated, all open; and how many fall due each of the next 8 weeks. */
export async function myMomentLoad(db: Db, clock: Clock, actor: Actor): Promise<{ counts: MomentCounts; weeks: number[] }> {
  const memberId = memberOf(actor);
  const now = clock.now();
  const week = 7 * 86_400_000;
  const rows = await sql<{ overdue: number; due_week: number; escalated: number; open: number; weeks: number[] | null }>`
    select count(*) filter (where due_at < ${now}::timestamptz)::int as overdue,
      count(*) filter (where due_at >= ${now}::timestamptz and due_at < ${new Date(now.getTime() + week)}::timestamptz)::int as due_week,
      count(*) filter (where status = 'escalated')::int as escalated,
      count(*)::int as open,
      (select array_agg(coalesce(n, 0) order by w) from generate_series(0, 7) w left join (
        select floor(extract(epoch from (due_at - ${now}::timestamptz)) / 604800)::int as k, count(*)::int as n
        from moment_instances where workspace_id = ${actor.workspaceId}::uuid and assignee_member_id = ${memberId}
          and status in ('open', 'escalated') and due_at >= ${now}::timestamptz group by 1) d on d.k = w) as weeks
    from moment_instances
    where workspace_id = ${actor.workspaceId}::uuid and assignee_member_id = ${memberId} and status in ('open', 'escalated')`.execute(db);
  const r = rows.rows[0];
  return {
    counts: { overdue: r?.overdue ?? 0, dueThisWeek: r?.due_week ?? 0, escalated: r?.escalated ?? 0, open: r?.open ?? 0 },
    weeks: r?.weeks ?? Array.from({ length: 8 }, () => 0),
  };
}

/**
 * Recent alerts for a member: moments escalated, or opened by what a customer did or failed to do (event, metric and
 * absence rules), in the last `days` days, on the member's accounts or assigned to them; newest first.
 */
export async function listMomentAlerts(db: Db, clock: Clock, actor: Actor, days = 14, limit = 10): Promise<MomentInstance[]> {
  const memberId = memberOf(actor);
  const now = clock.now();
  const rows = await base(db, actor.workspaceId)
    .where('i.opened_at', '>=', new Date(now.getTime() - days * 86_400_000))
    .where((eb) => eb.or([eb('i.status', '=', 'escalated'), eb('i.rule', 'in', ['event', 'metric', 'absence'])]))
    .where((eb) =>
      eb.or([
        eb('i.assignee_member_id', '=', memberId),
        eb.exists(
          eb
            .selectFrom('account_team as t')
            .select(sql`1`.as('one'))
            .whereRef('t.workspace_id', '=', 'i.workspace_id')
            .whereRef('t.account_id', '=', 'i.account_id')
            .where('t.member_id', '=', memberId),
        ),
      ]),
    )
    .orderBy('i.opened_at', 'desc')
    .orderBy('i.id')
    .limit(limit)
    .execute();
  return rows.map((r) => toInstance(r, now));
}

export interface MomentCounts {
  overdue: number;
  dueThisWeek: number;
  escalated: number;
  open: number;
}

/** The team's open and overdue moments per member (active members, busiest first), and those no member holds. */
export async function teamMomentLoad(
  db: Db,
  clock: Clock,
  workspaceId: string,
): Promise<{ memberId: string | null; name: string; open: number; overdue: number }[]> {
  const now = clock.now();
  const rows = await sql<{ member_id: string | null; name: string | null; open: number; overdue: number }>`
    select i.assignee_member_id as member_id, mb.name, count(*)::int as open, count(*) filter (where i.due_at < ${now}::timestamptz)::int as overdue
    from moment_instances i left join members mb on mb.workspace_id = i.workspace_id and mb.id = i.assignee_member_id
    where i.workspace_id = ${workspaceId}::uuid and i.status in ('open', 'escalated') and (mb.id is null or mb.disabled_at is null)
    group by 1, 2 order by open desc, name`.execute(db);
  return rows.rows.map((r) => ({ memberId: r.member_id, name: r.name ?? 'Unassigned', open: r.open, overdue: r.overdue }));
}

function memberOf(actor: Actor): string {
  if (actor.type !== 'member' || !actor.id) throw new AppError('bad_request', 'This is a member’s view: sign in as a member');
  return actor.id;
}

/** An account's moments, newest first. */
export async function listAccountMoments(db: Db, clock: Clock, actor: Actor, accountId: string, limit = 200): Promise<MomentInstance[]> {
  const rows = await base(db, actor.workspaceId).where('i.account_id', '=', accountId).orderBy('i.opened_at', 'desc').orderBy('i.id').limit(limit).execute();
  return rows.map((r) => toInstance(r, clock.now()));
}

export async function getMomentInstance(db: Db, clock: Clock, actor: Actor, id: string): Promise<MomentInstance> {
  const row = await base(db, actor.workspaceId).where('i.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Moment');
  return toInstance(row, clock.now());
}

export interface CompleteInput {
  status: 'done' | 'skipped' | 'missed';
  notes?: string | undefined;
  outcome?: string | undefined;
}

/** Completes (or skips) an open moment with notes; the completion is an event ("Moment Completed") so time between moments can be measured. */
export async function completeMoment(db: Db, clock: Clock, actor: Actor, id: string, input: CompleteInput): Promise<MomentInstance> {
  return inTransaction(db, async (tx) => {
    const before = await getMomentInstance(tx, clock, actor, id);
    if (before.status !== 'open' && before.status !== 'escalated') throw new AppError('conflict', `This moment is already ${before.status}`);
    const now = clock.now();
    await tx
      .updateTable('moment_instances')
      .set({ status: input.status, notes: input.notes ?? null, outcome: input.outcome ?? null, completed_at: now, completed_by: actor.name })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .where('status', 'in', ['open', 'escalated'])
      .execute();
    if (input.status === 'done') {
      await recordInteractionEvent(tx, clock, actor.workspaceId, {
        accountId: before.account.id,
        name: 'Moment Completed',
        channel: before.moment.channel as 'other',
        digital: before.moment.digital,
        occurredAt: now,
        properties: { moment: before.moment.id, model: before.model?.key ?? null, instance: id, openedAt: before.openedAt },
        key: `moment:${id}`,
        source: 'moments',
      });
    }
    const after = await getMomentInstance(tx, clock, actor, id);
    await recordAudit(tx, clock, actor, {
      action: `moment.${input.status}`,
      entityType: 'moment_instance',
      entityId: id,
      before: { status: before.status },
      after: { status: after.status, notes: after.notes, outcome: after.outcome },
    });
    return after;
  });
}

const MAX_ATTEMPTS = 3;

export interface AutomationResult {
  ran: number;
  failed: number;
}

/**
 * Runs the actions of open automated moments (the `moments.run-automated` job): each instance is claimed first
 * (status done, so a concurrent worker skips it), then its action runs and the result is recorded; a failed
 * webhook is reopened for the next run, and marked missed after three attempts. A webhook is signed like every
 * outbound webhook, with the secret of the workspace's webhook endpoint registered for its URL (see docs/webhooks.md).
 * An `email` action sends its template through the consent gate and an `enrol` action enrols contacts in a stream
 * (streams.actions.ts); what they did ("sent 2, excluded 1: no consent") is the instance's outcome and evidence.
 */
export async function runAutomatedMoments(
  db: Db,
  clock: Clock,
  options: { limit?: number; webhookTimeoutMs?: number; allowPrivate?: PrivateTargets } = {},
): Promise<AutomationResult> {
  const now = clock.now();
  const claimed = await sql<{
    workspace_id: string;
    id: string;
    account_id: string;
    moment_id: string;
    definition: ModelDefinition;
    evidence: Record<string, unknown>;
  }>`
    update moment_instances i set status = 'done', completed_at = ${now}::timestamptz, completed_by = 'automation'
    from model_versions v
    where v.workspace_id = i.workspace_id and v.id = i.model_version_id
      and (i.workspace_id, i.id) in (
        select workspace_id, id from moment_instances
        where status = 'open' and assignee_role = 'automated' and opened_at <= ${now}::timestamptz
        order by opened_at limit ${options.limit ?? 100} for update skip locked)
    returning i.workspace_id, i.id, i.account_id, i.moment_id, v.definition, i.evidence`.execute(db);
  let failed = 0;
  for (const row of claimed.rows) {
    const action = momentOf(row.definition, row.moment_id)?.action ?? { type: 'record' as const };
    let outcome: string;
    let ok = true;
    let evidence: Record<string, unknown> = {};
    if (action.type === 'email' || action.type === 'enrol') {
      // Through the consent gate into the outbox (email), or into a nurture stream (enrol): the result is the outcome.
      const instance = { workspaceId: row.workspace_id, id: row.id, accountId: row.account_id };
      try {
        ({ ok, outcome, evidence } =
          action.type === 'email' ? await runEmailAction(db, clock, instance, action) : await runEnrolAction(db, clock, instance, action));
      } catch (error) {
        // Tried again at the next run (its dedupe keys keep what was queued from going twice), missed after three tries.
        ok = false;
        outcome = `failed: ${(error as Error).message}`;
      }
    } else if (action.type === 'webhook') {
      const payload: MomentActionPayload = {
        type: 'Moment Action',
        timestamp: now.toISOString(),
        instance: row.id,
        account: row.account_id,
        moment: row.moment_id,
        model: row.definition.key,
        evidence: row.evidence,
      };
      ({ ok, outcome } = await callWorkspaceWebhook(
        db,
        clock,
        { workspaceId: row.workspace_id, url: action.url, messageId: `msg_${row.id.replaceAll('-', '')}`, payload },
        { allowPrivate: options.allowPrivate ?? [], timeoutMs: options.webhookTimeoutMs },
      ));
    } else {
      outcome = action.note ?? 'recorded automatically';
    }
    const attempts = Number(row.evidence.attempts ?? 0) + 1;
    if (!ok) failed++;
    await sql`update moment_instances set outcome = ${outcome},
        status = ${ok ? 'done' : attempts >= MAX_ATTEMPTS ? 'missed' : 'open'},
        completed_at = ${ok || attempts >= MAX_ATTEMPTS ? now : null}::timestamptz,
        completed_by = ${ok || attempts >= MAX_ATTEMPTS ? 'automation' : null},
        evidence = evidence || ${JSON.stringify(evidence)}::jsonb || jsonb_build_object('attempts', ${attempts}::int)
      where workspace_id = ${row.workspace_id}::uuid and id = ${row.id}::uuid`.execute(db);
  }
  return { ran: claimed.rows.length, failed };
}
