import type { Selectable } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { type AccountFilter, accountFilterSchema } from '../accounts/accounts.schema.ts';
import { checkAccountFilter, countAccounts } from '../accounts/accounts.ts';
import { recordAudit } from '../audit/audit.ts';
import type { SegmentPreviewResult, SegmentWithCount } from './segments.schema.ts';
import type { SegmentsTable } from './segments.table.ts';

export type { SegmentWithCount };
/** A segment as stored, without its live count. */
export type Segment = Omit<SegmentWithCount, 'count'>;

function toSegment(row: Selectable<SegmentsTable>): Segment {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    filter: accountFilterSchema.parse(row.filter),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function duplicateName(error: unknown): never {
  if (isUniqueViolation(error)) throw new AppError('conflict', 'A segment with this name already exists', [{ path: 'body.name', message: 'is already used' }]);
  throw error;
}

export async function findSegment(db: Db, actor: Actor, id: string): Promise<Segment | undefined> {
  const row = await db.selectFrom('segments').selectAll().where('workspace_id', '=', actor.workspaceId).where('id', '=', id).executeTakeFirst();
  return row ? toSegment(row) : undefined;
}

export async function getSegment(db: Db, clock: Clock, actor: Actor, id: string): Promise<SegmentWithCount> {
  const segment = await findSegment(db, actor, id);
  if (!segment) throw notFound('Segment');
  return { ...segment, count: await countAccounts(db, clock, actor.workspaceId, segment.filter) };
}

/** Every segment with its live member count. */
export async function listSegments(db: Db, clock: Clock, actor: Actor): Promise<SegmentWithCount[]> {
  const rows = await db.selectFrom('segments').selectAll().where('workspace_id', '=', actor.workspaceId).orderBy('name').execute();
  const segments = rows.map(toSegment);
  const counts: number[] = [];
  for (const s of segments) counts.push(await countAccounts(db, clock, actor.workspaceId, s.filter).catch(() => 0));
  return segments.map((s, i) => ({ ...s, count: counts[i] ?? 0 }));
}

/** How many accounts a filter matches now, checked as a save would check it (nothing is written). */
export async function previewSegment(db: Db, clock: Clock, actor: Actor, filter: AccountFilter): Promise<SegmentPreviewResult> {
  await checkAccountFilter(db, clock, actor.workspaceId, filter, 'body.filter');
  return { count: await countAccounts(db, clock, actor.workspaceId, filter) };
}

export interface SegmentInput {
  name: string;
  description?: string | undefined;
  filter: AccountFilter;
}

export async function createSegment(db: Db, clock: Clock, actor: Actor, input: SegmentInput): Promise<SegmentWithCount> {
  await checkAccountFilter(db, clock, actor.workspaceId, input.filter, 'body.filter');
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const row = await tx
      .insertInto('segments')
      .values({
        workspace_id: actor.workspaceId,
        id: newId(),
        name: input.name,
        description: input.description ?? '',
        filter: JSON.stringify(input.filter),
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(duplicateName);
    const segment = toSegment(row);
    await recordAudit(tx, clock, actor, { action: 'segment.created', entityType: 'segment', entityId: segment.id, after: segment });
    return { ...segment, count: await countAccounts(tx, clock, actor.workspaceId, segment.filter) };
  });
}

export async function updateSegment(db: Db, clock: Clock, actor: Actor, id: string, input: Partial<SegmentInput>): Promise<SegmentWithCount> {
  if (input.filter) await checkAccountFilter(db, clock, actor.workspaceId, input.filter, 'body.filter');
  return inTransaction(db, async (tx) => {
    const before = await findSegment(tx, actor, id);
    if (!before) throw notFound('Segment');
    const row = await tx
      .updateTable('segments')
      .set({
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.filter !== undefined && { filter: JSON.stringify(input.filter) }),
        updated_at: clock.now(),
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(duplicateName);
    const after = toSegment(row);
    await recordAudit(tx, clock, actor, { action: 'segment.updated', entityType: 'segment', entityId: id, before, after });
    return { ...after, count: await countAccounts(tx, clock, actor.workspaceId, after.filter) };
  });
}

export async function deleteSegment(db: Db, clock: Clock, actor: Actor, id: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const before = await findSegment(tx, actor, id);
    if (!before) throw notFound('Segment');
    await tx.deleteFrom('segments').where('workspace_id', '=', actor.workspaceId).where('id', '=', id).execute();
    await recordAudit(tx, clock, actor, { action: 'segment.deleted', entityType: 'segment', entityId: id, before });
  });
}
