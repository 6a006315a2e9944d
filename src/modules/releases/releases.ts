import type { Selectable } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, isUniqueViolation, notFound, parseBody } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { accountsOwningOfferingsSql, countAccountsOwningOfferings, listOwnedOfferings } from '../accounts/accounts.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Persona } from '../contacts/contacts.schema.ts';
import { recordMomentumEventOnAccounts } from '../events/events.ts';
import {
  type OwnedOffering,
  type PublishResult,
  type Release,
  type ReleaseCreate,
  type ReleaseUpdate,
  releaseCreateSchema,
  releaseUpdateSchema,
} from './releases.schema.ts';
import type { ReleasesTable } from './releases.table.ts';

type StoredRelease = Omit<Release, 'audience'>;

function toRelease(row: Selectable<ReleasesTable>): StoredRelease {
  return {
    id: row.id,
    name: row.name,
    releasedOn: row.released_on,
    offerings: row.offerings,
    notesUrl: row.notes_url,
    audiencePersona: row.audience_persona as Persona | null,
    description: row.description,
    status: row.published_at ? 'published' : 'draft',
    publishedAt: row.published_at?.toISOString() ?? null,
    publishedBy: row.published_by,
    accountsReached: row.accounts_reached,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function duplicateName(error: unknown): never {
  if (isUniqueViolation(error)) throw new AppError('conflict', 'A release with this name already exists', [{ path: 'body.name', message: 'is already used' }]);
  throw error;
}

async function withAudience(db: Db, workspaceId: string, release: StoredRelease): Promise<Release> {
  return { ...release, audience: await countAccountsOwningOfferings(db, workspaceId, release.offerings) };
}

async function findRow(db: Db, actor: Actor, id: string) {
  const row = await db.selectFrom('releases').selectAll().where('workspace_id', '=', actor.workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Release');
  return row;
}

export async function getRelease(db: Db, actor: Actor, id: string): Promise<Release> {
  return withAudience(db, actor.workspaceId, toRelease(await findRow(db, actor, id)));
}

/** Releases, newest first, each with the number of accounts owning an affected offering now. */
export async function listReleases(db: Db, actor: Actor): Promise<Release[]> {
  const rows = await db
    .selectFrom('releases')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('released_on', 'desc')
    .orderBy('created_at', 'desc')
    .limit(500)
    .execute();
  const out: Release[] = [];
  for (const row of rows) out.push(await withAudience(db, actor.workspaceId, toRelease(row)));
  return out;
}

/** The offerings accounts own, to pick a release's from. */
export async function listOfferings(db: Db, actor: Actor): Promise<OwnedOffering[]> {
  return listOwnedOfferings(db, actor.workspaceId);
}

export async function createRelease(db: Db, clock: Clock, actor: Actor, input: ReleaseCreate): Promise<Release> {
  const data = parseBody(releaseCreateSchema, input);
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const row = await tx
      .insertInto('releases')
      .values({
        workspace_id: actor.workspaceId,
        id: newId(),
        name: data.name,
        released_on: data.releasedOn,
        offerings: data.offerings,
        notes_url: data.notesUrl ?? null,
        audience_persona: data.audiencePersona ?? null,
        description: data.description ?? '',
        published_at: null,
        published_by: null,
        accounts_reached: null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(duplicateName);
    const release = toRelease(row);
    await recordAudit(tx, clock, actor, { action: 'release.created', entityType: 'release', entityId: release.id, after: release });
    return withAudience(tx, actor.workspaceId, release);
  });
}

/** A published release keeps its name, date and offerings (accounts were told about them); notes can still change. */
export async function updateRelease(db: Db, clock: Clock, actor: Actor, id: string, input: ReleaseUpdate): Promise<Release> {
  const data = parseBody(releaseUpdateSchema, input);
  return inTransaction(db, async (tx) => {
    const before = toRelease(await findRow(tx, actor, id));
    if (before.status === 'published') {
      const locked = (['name', 'releasedOn', 'offerings', 'audiencePersona'] as const).filter((k) => data[k] !== undefined);
      if (locked.length > 0) {
        const details = locked.map((k) => ({ path: `body.${k}`, message: 'cannot change once the release is published' }));
        throw new AppError('conflict', `Release ${before.name} is published: only its notes link and description can change`, details);
      }
    }
    const row = await tx
      .updateTable('releases')
      .set({
        ...(data.name !== undefined && { name: data.name }),
        ...(data.releasedOn !== undefined && { released_on: data.releasedOn }),
        ...(data.offerings !== undefined && { offerings: data.offerings }),
        ...(data.notesUrl !== undefined && { notes_url: data.notesUrl }),
        ...(data.audiencePersona !== undefined && { audience_persona: data.audiencePersona }),
        ...(data.description !== undefined && { description: data.description }),
        updated_at: clock.now(),
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(duplicateName);
    const after = toRelease(row);
    await recordAudit(tx, clock, actor, { action: 'release.updated', entityType: 'release', entityId: id, before, after });
    return withAudience(tx, actor.workspaceId, after);
  });
}

export async function deleteRelease(db: Db, clock: Clock, actor: Actor, id: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const before = toRelease(await findRow(tx, actor, id));
    if (before.status === 'published') throw new AppError('conflict', `Release ${before.name} is published: its events stay, so the release stays too`);
    await tx.deleteFrom('releases').where('workspace_id', '=', actor.workspaceId).where('id', '=', id).execute();
    await recordAudit(tx, clock, actor, { action: 'release.deleted', entityType: 'release', entityId: id, before });
  });
}

/**
 * Publishes a release: records Product Released on every account owning an affected offering, in one statement
 * however many accounts, and marks the release published in the same transaction. Publishing twice is refused.
 */
export async function publishRelease(db: Db, clock: Clock, actor: Actor, id: string): Promise<PublishResult> {
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    // Claims the release first: a concurrent second publish waits on this row, then finds it published.
    const claimed = await tx
      .updateTable('releases')
      .set({ published_at: now, published_by: actor.name, updated_at: now })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .where('published_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!claimed) {
      const existing = toRelease(await findRow(tx, actor, id));
      throw new AppError(
        'conflict',
        `Release ${existing.name} was already published on ${existing.publishedAt?.slice(0, 10)} to ${existing.accountsReached} accounts`,
      );
    }
    const release = toRelease(claimed);
    const reached = await recordMomentumEventOnAccounts(tx, clock, actor, 'releases', accountsOwningOfferingsSql(actor.workspaceId, release.offerings), {
      name: 'Product Released',
      keyPrefix: `release:${release.id}`,
      properties: {
        releaseId: release.id,
        release: release.name,
        releasedOn: release.releasedOn,
        offerings: release.offerings,
        audiencePersona: release.audiencePersona,
        notesUrl: release.notesUrl,
        summary: `Product release ${release.name} (${release.offerings.join(', ')})`,
      },
    });
    const row = await tx
      .updateTable('releases')
      .set({ accounts_reached: reached })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const after = toRelease(row);
    await recordAudit(tx, clock, actor, { action: 'release.published', entityType: 'release', entityId: id, before: release, after });
    const message =
      reached === 0
        ? `Published ${after.name}: no account owns ${after.offerings.join(', ')}, so no account was told`
        : `Published ${after.name}: Product Released recorded on ${reached} account${reached === 1 ? '' : 's'}`;
    return { release: await withAudience(tx, actor.workspaceId, after), accountsReached: reached, message };
  });
}
