import type { Db } from '../src/db/client.ts';
import { type Actor, type MemberRole, systemActor } from '../src/lib/actor.ts';
import { type Clock, fixedClock } from '../src/lib/clock.ts';
import { createApiKey } from '../src/modules/apikeys/apikeys.ts';
import { createMember, memberActor } from '../src/modules/members/members.ts';
import { createWorkspace } from '../src/modules/workspaces/workspaces.ts';

export const TEST_PASSWORD = 'correct horse battery';

let seq = 0;
export const unique = (prefix: string) => `${prefix}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

export function testClock(at = '2026-06-01T09:00:00Z') {
  return fixedClock(at);
}

/** A clock one millisecond later at every reading: events written one after the other sort in the order written. */
export function tickingClock(at = '2026-06-01T09:00:00Z'): Clock {
  const clock = fixedClock(at);
  return {
    now: () => {
      clock.advance(1);
      return clock.now();
    },
  };
}

export interface TestWorkspace {
  workspaceId: string;
  system: Actor;
  admin: Actor;
  adminEmail: string;
}

/** A workspace with one admin member (password TEST_PASSWORD). */
export async function createTestWorkspace(db: Db, clock: Clock = testClock()): Promise<TestWorkspace> {
  const workspace = await createWorkspace(db, clock, { name: unique('Workspace') });
  const system = systemActor(workspace.id);
  const adminEmail = `${unique('admin')}@vendor.test`;
  const admin = await createMember(db, clock, system, { email: adminEmail, name: 'Ada Admin', roles: ['admin', 'csm'], password: TEST_PASSWORD });
  return {
    workspaceId: workspace.id,
    system,
    admin: memberActor({ workspace_id: workspace.id, id: admin.id, name: admin.name, roles: admin.roles }),
    adminEmail,
  };
}

export async function createTestMember(db: Db, clock: Clock, ws: TestWorkspace, roles: MemberRole[], name = 'Casey CSM') {
  const email = `${unique('member')}@vendor.test`;
  const member = await createMember(db, clock, ws.system, { email, name, roles, password: TEST_PASSWORD });
  return { member, email, actor: memberActor({ workspace_id: ws.workspaceId, id: member.id, name: member.name, roles: member.roles }) };
}

export async function createTestKey(db: Db, clock: Clock, ws: TestWorkspace, scopes: ('admin' | 'ingest')[] = ['admin']) {
  const { secret } = await createApiKey(db, clock, ws.system, { name: unique('key'), scopes });
  return secret;
}
