import { type Selectable, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, invalid, isUniqueViolation, notFound, parseBody } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import { findListRow } from '../consent/consent.ts';
import { durationHours } from '../models/models.schema.ts';
import { findSegment } from '../segments/segments.ts';
import { recordStreamEvents } from './streams.events.ts';
import {
  type Enrolment,
  type Stream,
  type StreamCreate,
  type StreamStatusName,
  type StreamStepInput,
  type StreamUpdate,
  streamCreateSchema,
  streamUpdateSchema,
} from './streams.schema.ts';
import type { EnrolmentSource, StoredStep, StreamsTable } from './streams.table.ts';

type Row = Selectable<StreamsTable>;

const HOUR = 3_600_000;
/** When a step falls due: this long after the previous step (or the entry). */
export const stepDelayMs = (step: StoredStep): number => durationHours(step.delay as `${number}d`) * HOUR;

async function rowFor(db: Db, workspaceId: string, id: string): Promise<Row> {
  const row = await db.selectFrom('streams').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Stream');
  return row;
}

/** A stream by key (model files name streams by key), undefined when there is none. */
export async function findStreamByKey(db: Db, workspaceId: string, key: string): Promise<{ id: string; key: string; status: StreamStatusName } | undefined> {
  return db.selectFrom('streams').select(['id', 'key', 'status']).where('workspace_id', '=', workspaceId).where('key', '=', key).executeTakeFirst();
}

/** The keys of the workspace's streams (the model linter checks `enrol` actions against them). */
export async function listStreamKeys(db: Db, workspaceId: string): Promise<string[]> {
  const rows = await db.selectFrom('streams').select('key').where('workspace_id', '=', workspaceId).where('status', '<>', 'archived').execute();
  return rows.map((r) => r.key);
}

async function toStreams(db: Db, workspaceId: string, rows: Row[]): Promise<Stream[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [lists, segments, counts] = await Promise.all([
    db.selectFrom('mailing_lists').select(['id', 'key', 'name']).where('workspace_id', '=', workspaceId).execute(),
    db.selectFrom('segments').select(['id', 'name']).where('workspace_id', '=', workspaceId).execute(),
    db
      .selectFrom('stream_enrolments')
      .select([
        'stream_id',
        sql<number>`count(*) filter (where completed_at is null and exited_at is null)::int`.as('active'),
        sql<number>`count(*) filter (where completed_at is not null)::int`.as('completed'),
        sql<number>`count(*) filter (where exited_at is not null)::int`.as('exited'),
      ])
      .where('workspace_id', '=', workspaceId)
      .where('stream_id', 'in', ids)
      .groupBy('stream_id')
      .execute(),
  ]);
  const listById = new Map(lists.map((l) => [l.id, l]));
  const segmentName = new Map(segments.map((s) => [s.id, s.name]));
  const countsById = new Map(counts.map((c) => [c.stream_id, c]));
  return rows.map((r) => {
    const list = listById.get(r.list_id);
    const c = countsById.get(r.id);
    return {
      id: r.id,
      key: r.key,
      name: r.name,
      description: r.description,
      list: { id: r.list_id, key: list?.key ?? '', name: list?.name ?? '(deleted list)' },
      status: r.status,
      entry: {
        segmentId: r.entry_segment_id,
        segmentName: r.entry_segment_id ? (segmentName.get(r.entry_segment_id) ?? null) : null,
        personas: r.entry_personas,
      },
      exit: { events: r.exit_events, phases: r.exit_phases },
      steps: r.steps,
      enrolments: { active: c?.active ?? 0, completed: c?.completed ?? 0, exited: c?.exited ?? 0 },
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      activatedAt: r.activated_at?.toISOString() ?? null,
    };
  });
}

export async function listStreams(db: Db, actor: Actor): Promise<Stream[]> {
  const rows = await db.selectFrom('streams').selectAll().where('workspace_id', '=', actor.workspaceId).orderBy('name').execute();
  return toStreams(db, actor.workspaceId, rows);
}

export async function getStream(db: Db, actor: Actor, id: string): Promise<Stream> {
  const [stream] = await toStreams(db, actor.workspaceId, [await rowFor(db, actor.workspaceId, id)]);
  if (!stream) throw notFound('Stream');
  return stream;
}

async function resolveList(db: Db, workspaceId: string, idOrKey: string): Promise<string> {
  const list = await findListRow(db, workspaceId, idOrKey);
  if (!list) throw invalid('body.list', `${idOrKey} is not a mailing list of this workspace`);
  if (list.archived_at) throw invalid('body.list', `${list.key} is archived`);
  return list.id;
}

async function checkEntry(db: Db, actor: Actor, segmentId: string | null): Promise<void> {
  if (segmentId && !(await findSegment(db, actor, segmentId))) throw invalid('body.entry.segmentId', 'is not a segment of this workspace');
}

/** The template keys among these that exist (not archived) in the workspace. */
export async function findTemplateKeys(db: Db, workspaceId: string, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom('templates')
    .select('key')
    .where('workspace_id', '=', workspaceId)
    .where('key', 'in', [...new Set(keys)])
    .where('archived_at', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.key));
}

async function checkSteps(db: Db, workspaceId: string, steps: StreamStepInput[]): Promise<void> {
  const known = await findTemplateKeys(
    db,
    workspaceId,
    steps.map((s) => s.template),
  );
  const details = steps.flatMap((s, i) =>
    known.has(s.template) ? [] : [{ path: `body.steps.${i}.template`, message: `${s.template} is not a template of this workspace` }],
  );
  if (details.length > 0) throw new AppError('validation_failed', details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
}

/**
 * The steps after an edit. A draft takes any steps; once activated, contacts are part-way through it: only delays may
 * change and steps may only be added at the end (a step's id and template stay, and its stats with them).
 */
function nextSteps(row: Row, input: StreamStepInput[]): StoredStep[] {
  const steps = input.map((s) => ({ id: s.id ?? newId(), template: s.template, delay: s.delay }));
  if (row.activated_at === null) return steps;
  const details: { path: string; message: string }[] = [];
  row.steps.forEach((old, i) => {
    const now = steps[i];
    if (!now || now.id !== old.id)
      details.push({
        path: `body.steps.${i}`,
        message: `step ${i + 1} belongs to a started stream: it cannot be removed or moved (add steps at the end, or change delays)`,
      });
    else if (now.template !== old.template)
      details.push({ path: `body.steps.${i}.template`, message: `step ${i + 1} belongs to a started stream: its template cannot change` });
  });
  if (details.length > 0) throw new AppError('validation_failed', details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
  return steps;
}

function duplicateKey(error: unknown): never {
  if (isUniqueViolation(error)) throw new AppError('conflict', 'A stream with this key already exists', [{ path: 'body.key', message: 'is already used' }]);
  throw error;
}

export async function createStream(db: Db, clock: Clock, actor: Actor, body: StreamCreate): Promise<Stream> {
  const input = parseBody(streamCreateSchema, body);
  const now = clock.now();
  return inTransaction(db, async (tx) => {
    const listId = await resolveList(tx, actor.workspaceId, input.list);
    await checkEntry(tx, actor, input.entry.segmentId);
    await checkSteps(tx, actor.workspaceId, input.steps);
    const id = newId();
    await tx
      .insertInto('streams')
      .values({
        workspace_id: actor.workspaceId,
        id,
        key: input.key,
        name: input.name,
        description: input.description,
        list_id: listId,
        status: 'draft',
        entry_segment_id: input.entry.segmentId,
        entry_personas: input.entry.personas,
        exit_events: [...new Set(input.exit.events)],
        exit_phases: [...new Set(input.exit.phases)],
        steps: JSON.stringify(input.steps.map((s) => ({ id: s.id ?? newId(), template: s.template, delay: s.delay }))),
        entry_checked_at: null,
        created_at: now,
        updated_at: now,
        activated_at: null,
      })
      .execute()
      .catch(duplicateKey);
    const stream = await getStream(tx, actor, id);
    await recordAudit(tx, clock, actor, { action: 'stream.created', entityType: 'stream', entityId: id, after: stream });
    return stream;
  });
}

const transitions: Record<StreamStatusName, StreamStatusName[]> = {
  draft: ['active', 'archived'],
  active: ['paused', 'archived'],
  paused: ['active', 'archived'],
  archived: [],
};

export async function updateStream(db: Db, clock: Clock, actor: Actor, id: string, body: StreamUpdate): Promise<Stream> {
  const input = parseBody(streamUpdateSchema, body);
  const now = clock.now();
  return inTransaction(db, async (tx) => {
    const row = await rowFor(tx, actor.workspaceId, id);
    const before = await getStream(tx, actor, id);
    if (row.status === 'archived') throw new AppError('conflict', 'This stream is archived: it cannot change');
    const set: Partial<Row> = { updated_at: now };
    if (input.name !== undefined) set.name = input.name;
    if (input.description !== undefined) set.description = input.description;
    if (input.list !== undefined) {
      const listId = await resolveList(tx, actor.workspaceId, input.list);
      if (listId !== row.list_id && row.activated_at)
        throw invalid('body.list', 'cannot change once the stream has been activated (its contacts consented to the list it had)');
      set.list_id = listId;
    }
    if (input.entry !== undefined) {
      await checkEntry(tx, actor, input.entry.segmentId);
      set.entry_segment_id = input.entry.segmentId;
      set.entry_personas = input.entry.personas;
    }
    if (input.exit !== undefined) {
      set.exit_events = [...new Set(input.exit.events)];
      set.exit_phases = [...new Set(input.exit.phases)];
    }
    let steps = row.steps;
    if (input.steps !== undefined) {
      await checkSteps(tx, actor.workspaceId, input.steps);
      steps = nextSteps(row, input.steps);
      set.steps = JSON.stringify(steps) as unknown as StoredStep[];
    }
    if (input.status !== undefined && input.status !== row.status) {
      if (!transitions[row.status].includes(input.status)) throw invalid('body.status', `a ${row.status} stream cannot become ${input.status}`);
      if (input.status === 'active' && steps.length === 0) throw invalid('body.status', 'a stream needs at least one step to start');
      set.status = input.status;
      if (input.status === 'active' && !row.activated_at) set.activated_at = now;
      if (input.status === 'active') set.entry_checked_at = null;
    }
    await tx
      .updateTable('streams')
      .set(set as never)
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .execute();
    if (input.steps !== undefined) await rescheduleWaiting(tx, actor.workspaceId, id, steps);
    if (set.status === 'archived') {
      const exited = await tx
        .updateTable('stream_enrolments')
        .set({ exited_at: now, exit_reason: 'stream_archived', next_at: null })
        .where('workspace_id', '=', actor.workspaceId)
        .where('stream_id', '=', id)
        .where('completed_at', 'is', null)
        .where('exited_at', 'is', null)
        .returning(['id', 'contact_id', 'account_id'])
        .execute();
      await recordStreamEvents(
        tx,
        clock,
        actor.workspaceId,
        'Stream Exited',
        row,
        exited.map((e) => ({ enrolmentId: e.id, contactId: e.contact_id, accountId: e.account_id, extra: { reason: 'stream_archived' } })),
      );
    }
    const after = await getStream(tx, actor, id);
    const action = set.status ? `stream.${set.status === 'active' ? (row.activated_at ? 'resumed' : 'activated') : set.status}` : 'stream.updated';
    await recordAudit(tx, clock, actor, { action, entityType: 'stream', entityId: id, before, after });
    return after;
  });
}

/**
 * After the steps change: enrolments waiting for a step fall due after its (new) delay from their previous step, and
 * enrolments that had sent every step wait for the steps added at the end (completed ones stay completed).
 */
async function rescheduleWaiting(tx: Tx, workspaceId: string, streamId: string, steps: StoredStep[]): Promise<void> {
  const delays = steps.map((s) => durationHours(s.delay as `${number}d`));
  await sql`update stream_enrolments e
      set next_at = coalesce(e.last_sent_at, e.entered_at) + ((${JSON.stringify(delays)}::jsonb ->> e.step)::int * interval '1 hour')
    where e.workspace_id = ${workspaceId}::uuid and e.stream_id = ${streamId}::uuid
      and e.completed_at is null and e.exited_at is null and e.step < ${steps.length}`.execute(tx);
}

export interface EnrolResult {
  enrolled: number;
  /** Already enrolled once (re-entry is off), or no longer a contact of the workspace. */
  skipped: number;
}

/**
 * Enrols contacts into a stream (an engine `enrol` action, the segment rule, a member): each contact once, ever.
 * A draft or archived stream enrols nobody; a paused one enrols and sends once resumed.
 */
export async function enrolContacts(
  db: Db,
  clock: Clock,
  workspaceId: string,
  streamId: string,
  contactIds: string[],
  source: { type: EnrolmentSource; id?: string | null },
): Promise<EnrolResult> {
  if (contactIds.length === 0) return { enrolled: 0, skipped: 0 };
  const stream = await db
    .selectFrom('streams')
    .select(['key', 'name', 'status', 'steps'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', streamId)
    .executeTakeFirst();
  if (!stream || stream.status === 'draft' || stream.status === 'archived' || stream.steps.length === 0) return { enrolled: 0, skipped: contactIds.length };
  const first = stream.steps[0] as StoredStep;
  const now = clock.now();
  const inserted = await sql<{ id: string; contact_id: string; account_id: string | null }>`
    insert into stream_enrolments (workspace_id, id, stream_id, contact_id, account_id, source, source_id, entered_at, step, next_at)
    select c.workspace_id, gen_random_uuid(), ${streamId}::uuid, c.id, c.account_id, ${source.type}, ${source.id ?? null}, ${now}::timestamptz, 0,
      ${new Date(now.getTime() + stepDelayMs(first))}::timestamptz
    from contacts c where c.workspace_id = ${workspaceId}::uuid and c.id = any(${contactIds}::uuid[])
    on conflict (workspace_id, stream_id, contact_id) do nothing
    returning id, contact_id, account_id`.execute(db);
  await recordStreamEvents(
    db,
    clock,
    workspaceId,
    'Stream Entered',
    stream,
    inserted.rows.map((r) => ({ enrolmentId: r.id, contactId: r.contact_id, accountId: r.account_id, extra: { source: source.type } })),
  );
  return { enrolled: inserted.rows.length, skipped: contactIds.length - inserted.rows.length };
}

/** A stream's enrolments, newest first, by state. */
export async function listEnrolments(
  db: Db,
  actor: Actor,
  streamId: string,
  query: { state?: 'active' | 'completed' | 'exited' | undefined; limit: number },
): Promise<Enrolment[]> {
  await rowFor(db, actor.workspaceId, streamId);
  let q = db
    .selectFrom('stream_enrolments as e')
    .innerJoin('contacts as c', (j) => j.onRef('c.workspace_id', '=', 'e.workspace_id').onRef('c.id', '=', 'e.contact_id'))
    .leftJoin('accounts as a', (j) => j.onRef('a.workspace_id', '=', 'e.workspace_id').onRef('a.id', '=', 'e.account_id'))
    .selectAll('e')
    .select(['c.name as contact_name', 'c.email as contact_email', 'a.name as account_name'])
    .where('e.workspace_id', '=', actor.workspaceId)
    .where('e.stream_id', '=', streamId);
  if (query.state === 'active') q = q.where('e.completed_at', 'is', null).where('e.exited_at', 'is', null);
  if (query.state === 'completed') q = q.where('e.completed_at', 'is not', null);
  if (query.state === 'exited') q = q.where('e.exited_at', 'is not', null);
  const rows = await q.orderBy('e.entered_at', 'desc').orderBy('e.id').limit(query.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    contact: { id: r.contact_id, name: r.contact_name, email: r.contact_email },
    account: r.account_id && r.account_name ? { id: r.account_id, name: r.account_name } : null,
    source: r.source,
    enteredAt: r.entered_at.toISOString(),
    step: r.step,
    nextAt: r.completed_at || r.exited_at ? null : (r.next_at?.toISOString() ?? null),
    completedAt: r.completed_at?.toISOString() ?? null,
    exitedAt: r.exited_at?.toISOString() ?? null,
    exitReason: r.exit_reason,
  }));
}

/** A member enrols contacts by hand (audited): the stream must be running or paused. */
export async function enrolMembersChoice(db: Db, clock: Clock, actor: Actor, streamId: string, contactIds: string[]): Promise<EnrolResult> {
  return inTransaction(db, async (tx) => {
    const row = await rowFor(tx, actor.workspaceId, streamId);
    if (row.status !== 'active' && row.status !== 'paused') throw new AppError('conflict', `This stream is ${row.status}: start it first`);
    const result = await enrolContacts(tx, clock, actor.workspaceId, streamId, contactIds, { type: 'member', id: actor.id });
    await recordAudit(tx, clock, actor, { action: 'stream.enrolled', entityType: 'stream', entityId: streamId, after: { contactIds, ...result } });
    return result;
  });
}
