import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';

export interface Workspace {
  id: string;
  name: string;
  postalAddress: string;
  createdAt: string;
}

export async function createWorkspace(db: Db, clock: Clock, input: { name: string; postalAddress?: string; id?: string }): Promise<Workspace> {
  const row = await db
    .insertInto('workspaces')
    .values({ id: input.id ?? newId(), name: input.name, postal_address: input.postalAddress ?? '', created_at: clock.now() })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkspace(row);
}

export async function getWorkspace(db: Db, id: string): Promise<Workspace> {
  const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Workspace');
  return toWorkspace(row);
}

export async function findFirstWorkspace(db: Db): Promise<Workspace | undefined> {
  const row = await db.selectFrom('workspaces').selectAll().orderBy('created_at').limit(1).executeTakeFirst();
  return row ? toWorkspace(row) : undefined;
}

/** Every workspace's id (instance-wide work, such as recording a backup in each workspace's audit log). */
export async function listWorkspaceIds(db: Db): Promise<string[]> {
  return (await db.selectFrom('workspaces').select('id').orderBy('created_at').execute()).map((r) => r.id);
}

function toWorkspace(row: { id: string; name: string; postal_address: string; created_at: Date }): Workspace {
  return { id: row.id, name: row.name, postalAddress: row.postal_address, createdAt: row.created_at.toISOString() };
}
