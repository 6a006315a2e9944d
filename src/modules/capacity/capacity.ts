import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import { type Actor, teamRoles } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { recordAudit } from '../audit/audit.ts';
import { type Capacity, type CapacityUpdate, DEFAULT_HOURS_PER_MEMBER } from './capacity.schema.ts';

/** Each team role's monthly capacity: its active members × the hours each gives (the workspace's setting, or the default). */
export async function getCapacity(db: Db, actor: Actor): Promise<Capacity> {
  const [settings, members] = await Promise.all([
    db.selectFrom('role_capacity').select(['role', 'hours_per_member']).where('workspace_id', '=', actor.workspaceId).execute(),
    sql<{ role: string; n: number }>`select r as role, count(*)::int as n from members, unnest(roles) r
      where workspace_id = ${actor.workspaceId}::uuid and disabled_at is null group by r`.execute(db),
  ]);
  const hours = new Map(settings.map((s) => [s.role, s.hours_per_member]));
  const counts = new Map(members.rows.map((m) => [m.role, m.n]));
  return {
    roles: teamRoles.map((role) => {
      const hoursPerMember = hours.get(role) ?? DEFAULT_HOURS_PER_MEMBER;
      const n = counts.get(role) ?? 0;
      return { role, hoursPerMember, members: n, hours: n * hoursPerMember };
    }),
  };
}

/** Sets the hours per member of the roles named (the others keep theirs); audited. */
export async function updateCapacity(db: Db, clock: Clock, actor: Actor, input: CapacityUpdate): Promise<Capacity> {
  return inTransaction(db, async (tx) => {
    const before = await getCapacity(tx, actor);
    const now = clock.now();
    for (const r of input.roles) {
      await tx
        .insertInto('role_capacity')
        .values({ workspace_id: actor.workspaceId, role: r.role, hours_per_member: r.hoursPerMember, updated_at: now })
        .onConflict((oc) => oc.columns(['workspace_id', 'role']).doUpdateSet({ hours_per_member: r.hoursPerMember, updated_at: now }))
        .execute();
    }
    const after = await getCapacity(tx, actor);
    const hoursOf = (c: Capacity) => Object.fromEntries(c.roles.map((r) => [r.role, r.hoursPerMember]));
    await recordAudit(tx, clock, actor, {
      action: 'capacity.updated',
      entityType: 'workspace',
      entityId: actor.workspaceId,
      before: hoursOf(before),
      after: hoursOf(after),
    });
    return after;
  });
}
