import type { Selectable } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import { type Actor, type MemberRole, systemActor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { hashPassword, randomToken, sha256, verifyPassword } from '../../lib/crypto.ts';
import { AppError, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import type { MembersTable } from './members.table.ts';
import { checkSignInAllowed, clearSignInFailures, LOCK_FAILURES, LOCK_MS, recordSignInFailure } from './members.throttle.ts';

export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
/** A session unused this long expires even before its TTL. */
export const SESSION_IDLE_MS = 24 * 3600 * 1000;

export interface Member {
  id: string;
  email: string;
  name: string;
  roles: MemberRole[];
  disabled: boolean;
  createdAt: string;
}

export interface CreateMemberInput {
  email: string;
  name: string;
  roles: MemberRole[];
  password?: string | undefined;
}

function toMember(row: Selectable<MembersTable>): Member {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    roles: row.roles,
    disabled: row.disabled_at !== null,
    createdAt: row.created_at.toISOString(),
  };
}

export async function createMember(db: Db, clock: Clock, actor: Actor, input: CreateMemberInput): Promise<Member> {
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    try {
      const row = await tx
        .insertInto('members')
        .values({
          workspace_id: actor.workspaceId,
          id: newId(),
          email: input.email,
          name: input.name,
          roles: [...new Set(input.roles)],
          password_hash: passwordHash,
          disabled_at: null,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const member = toMember(row);
      await recordAudit(tx, clock, actor, { action: 'member.created', entityType: 'member', entityId: member.id, after: member });
      return member;
    } catch (error) {
      if (isUniqueViolation(error, 'members_email_key')) {
        throw new AppError('conflict', 'A member with this email already exists', [{ path: 'email', message: 'already used by another member' }]);
      }
      throw error;
    }
  });
}

export async function listMembers(db: Db, actor: Actor): Promise<Member[]> {
  const rows = await db.selectFrom('members').selectAll().where('workspace_id', '=', actor.workspaceId).orderBy('name').execute();
  return rows.map(toMember);
}

/** An active member of the workspace by id, or a 400 naming `path` (reassigning a moment, a bulk team assignment). */
export async function requireActiveMember(db: Db, workspaceId: string, id: string, path = 'body.memberId'): Promise<{ id: string; name: string }> {
  const member = await db
    .selectFrom('members')
    .select(['id', 'name'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  const message = 'no active member of this workspace has this id';
  if (!member) throw new AppError('validation_failed', `${path.replace(/^body\./, '')}: ${message}`, [{ path, message }]);
  return member;
}

export async function getMember(db: Db, actor: Actor, id: string): Promise<Member> {
  const row = await db.selectFrom('members').selectAll().where('workspace_id', '=', actor.workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Member');
  return toMember(row);
}

export interface UpdateMemberInput {
  name?: string | undefined;
  roles?: MemberRole[] | undefined;
  disabled?: boolean | undefined;
  password?: string | undefined;
}

export async function updateMember(db: Db, clock: Clock, actor: Actor, id: string, input: UpdateMemberInput): Promise<Member> {
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  return inTransaction(db, async (tx) => {
    const before = await getMember(tx, actor, id);
    if (actor.id === id && (input.disabled || (input.roles && !input.roles.includes('admin') && before.roles.includes('admin')))) {
      throw new AppError('bad_request', 'You cannot disable yourself or remove your own admin role');
    }
    const row = await tx
      .updateTable('members')
      .set({
        ...(input.name !== undefined && { name: input.name }),
        ...(input.roles !== undefined && { roles: [...new Set(input.roles)] }),
        ...(input.disabled !== undefined && { disabled_at: input.disabled ? clock.now() : null }),
        ...(passwordHash !== undefined && { password_hash: passwordHash }),
        updated_at: clock.now(),
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (input.disabled) await tx.deleteFrom('sessions').where('workspace_id', '=', actor.workspaceId).where('member_id', '=', id).execute();
    const after = toMember(row);
    await recordAudit(tx, clock, actor, {
      action: input.password ? 'member.password_changed' : 'member.updated',
      entityType: 'member',
      entityId: id,
      before,
      after,
    });
    return after;
  });
}

export interface SessionResult {
  token: string;
  expiresAt: Date;
  member: Member;
  workspaceId: string;
}

/** Checks the password and opens a session; the cookie carries the token, the database only its hash. */
/**
 * Signs in with email and password from a client address. Wrong passwords are throttled per email (backoff, then a
 * lock recorded in the audit log) and per address (members.throttle.ts), checked before the password is.
 */
export async function signIn(db: Db, clock: Clock, email: string, password: string, ip = 'unknown'): Promise<SessionResult> {
  await checkSignInAllowed(db, clock, email, ip);
  const row = await db.selectFrom('members').selectAll().where('email', '=', email).executeTakeFirst();
  // Verify against a dummy hash when the member is unknown so timing does not reveal which emails exist.
  const ok = await verifyPassword(row?.password_hash ?? DUMMY_HASH, password);
  if (!row?.password_hash || !ok || row.disabled_at) {
    const locked = await recordSignInFailure(db, clock, email, ip);
    if (locked && row) {
      await recordAudit(db, clock, systemActor(row.workspace_id, 'sign-in throttle'), {
        action: 'member.sign_in_locked',
        entityType: 'member',
        entityId: row.id,
        after: { wrongPasswords: LOCK_FAILURES, lockedMinutes: LOCK_MS / 60_000, ip },
      });
    }
    throw new AppError('unauthenticated', 'Email or password is incorrect');
  }
  await clearSignInFailures(db, email);
  const token = randomToken();
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await inTransaction(db, async (tx) => {
    await tx
      .insertInto('sessions')
      .values({ token_hash: sha256(token), workspace_id: row.workspace_id, member_id: row.id, created_at: now, expires_at: expiresAt, last_seen_at: now })
      .execute();
    await tx.deleteFrom('sessions').where('member_id', '=', row.id).where('expires_at', '<', now).execute();
    const actor = memberActor(row);
    await recordAudit(tx, clock, actor, { action: 'member.signed_in', entityType: 'member', entityId: row.id });
  });
  return { token, expiresAt, member: toMember(row), workspaceId: row.workspace_id };
}

/** Whether an enabled member signs in with this password, without opening a session (the demo prints its sign-in only while it works). */
export async function checkMemberPassword(db: Db, email: string, password: string): Promise<boolean> {
  const row = await db.selectFrom('members').select(['password_hash', 'disabled_at']).where('email', '=', email).executeTakeFirst();
  return !!row?.password_hash && !row.disabled_at && (await verifyPassword(row.password_hash, password));
}

const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$ysJFE+3PWBv46C7Y2dLmrA$PNiX5AAeXBOZ1ypOpUo/hGfZc9sfg6dQwcDN3UO8E28';

export function memberActor(row: Pick<MembersTable, 'workspace_id' | 'id' | 'name' | 'roles'>): Actor {
  return { workspaceId: row.workspace_id, type: 'member', id: row.id, name: row.name, roles: row.roles, scopes: [] };
}

export type SessionLookup = { actor: Actor; member: Member } | { expired: true } | undefined;

/** Resolves a session token; touches last_seen at most once a minute. */
export async function findSession(db: Db, clock: Clock, token: string): Promise<SessionLookup> {
  const now = clock.now();
  const row = await db
    .selectFrom('sessions')
    .innerJoin('members', (j) => j.onRef('members.workspace_id', '=', 'sessions.workspace_id').onRef('members.id', '=', 'sessions.member_id'))
    .selectAll('members')
    .select(['sessions.expires_at', 'sessions.last_seen_at', 'sessions.token_hash'])
    .where('sessions.token_hash', '=', sha256(token))
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.disabled_at) return undefined;
  if (row.expires_at <= now || now.getTime() - row.last_seen_at.getTime() > SESSION_IDLE_MS) return { expired: true };
  if (now.getTime() - row.last_seen_at.getTime() > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('token_hash', '=', row.token_hash).execute();
  }
  return { actor: memberActor(row), member: toMember(row) };
}

export async function signOut(db: Db, clock: Clock, actor: Actor, token: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.deleteFrom('sessions').where('token_hash', '=', sha256(token)).execute();
    await recordAudit(tx, clock, actor, { action: 'member.signed_out', entityType: 'member', entityId: actor.id });
  });
}

/** Deletes expired sessions (run by the worker). */
export async function purgeExpiredSessions(db: Db, clock: Clock): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<', clock.now()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
