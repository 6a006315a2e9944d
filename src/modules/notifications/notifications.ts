import ical, { ICalCalendarMethod } from 'ical-generator';
import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomToken, sha256 } from '../../lib/crypto.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { isUuid } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import type { ModelDefinition } from '../models/models.schema.ts';

/**
 * Members' own notices: the daily digest email of their due and overdue moments (digests.ts sends it) and a secret
 * iCalendar feed of their open moments. The digest opt-out is the members table's digest_email column (added with the
 * consent gate, which refuses a digest to a member who opted out); this module reads and sets it for the member themself.
 */

export interface NotificationSettings {
  digestEmail: boolean;
  calendar: { active: boolean; createdAt: string | null };
}

function memberOf(actor: Actor): string {
  if (actor.type !== 'member' || !actor.id) throw new AppError('bad_request', 'Notifications are a member’s own: sign in as a member');
  return actor.id;
}

export async function getNotificationSettings(db: Db, actor: Actor): Promise<NotificationSettings> {
  const memberId = memberOf(actor);
  const member = await db
    .selectFrom('members')
    .select('digest_email')
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', memberId)
    .executeTakeFirst();
  if (!member) throw notFound('Member');
  const token = await db
    .selectFrom('member_calendar_tokens')
    .select('created_at')
    .where('workspace_id', '=', actor.workspaceId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  return { digestEmail: member.digest_email, calendar: { active: token !== undefined, createdAt: token?.created_at.toISOString() ?? null } };
}

/** The member turns their own daily digest on or off (audited). */
export async function updateNotificationSettings(
  db: Db,
  clock: Clock,
  actor: Actor,
  input: { digestEmail?: boolean | undefined },
): Promise<NotificationSettings> {
  const memberId = memberOf(actor);
  return inTransaction(db, async (tx) => {
    const before = await getNotificationSettings(tx, actor);
    if (input.digestEmail !== undefined && input.digestEmail !== before.digestEmail) {
      await tx
        .updateTable('members')
        .set({ digest_email: input.digestEmail, updated_at: clock.now() })
        .where('workspace_id', '=', actor.workspaceId)
        .where('id', '=', memberId)
        .execute();
      await recordAudit(tx, clock, actor, {
        action: input.digestEmail ? 'member.digest_enabled' : 'member.digest_disabled',
        entityType: 'member',
        entityId: memberId,
        before: { digestEmail: before.digestEmail },
        after: { digestEmail: input.digestEmail },
      });
    }
    return getNotificationSettings(tx, actor);
  });
}

const TOKEN_PREFIX = 'cal_';

/** The token names its workspace (32 hex digits) before its random part: the feed is looked up by workspace and hash. */
function workspaceOfToken(token: string): string | undefined {
  const match = /^cal_([0-9a-f]{32})_[A-Za-z0-9_-]{43}$/.exec(token);
  if (!match?.[1]) return undefined;
  const hex = match[1];
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return isUuid(id) ? id : undefined;
}

/** The feed's address for a token. */
export const calendarFeedUrl = (publicUrl: string, token: string): string => `${publicUrl}/calendar/${token}.ics`;

/** A new secret feed address for the member (shown once); the previous one stops working at once. */
export async function regenerateCalendarToken(db: Db, clock: Clock, actor: Actor, publicUrl: string): Promise<{ url: string; createdAt: string }> {
  const memberId = memberOf(actor);
  const token = `${TOKEN_PREFIX}${actor.workspaceId.replaceAll('-', '')}_${randomToken(32)}`;
  const now = clock.now();
  await inTransaction(db, async (tx) => {
    await tx
      .insertInto('member_calendar_tokens')
      .values({ workspace_id: actor.workspaceId, member_id: memberId, token_hash: sha256(token), created_at: now })
      .onConflict((oc) => oc.columns(['workspace_id', 'member_id']).doUpdateSet({ token_hash: sha256(token), created_at: now }))
      .execute();
    await recordAudit(tx, clock, actor, { action: 'member.calendar_feed_created', entityType: 'member', entityId: memberId });
  });
  return { url: calendarFeedUrl(publicUrl, token), createdAt: now.toISOString() };
}

/** Revokes the member's feed address: calendars subscribed to it get 404 from now on. */
export async function revokeCalendarToken(db: Db, clock: Clock, actor: Actor): Promise<void> {
  const memberId = memberOf(actor);
  await inTransaction(db, async (tx) => {
    const deleted = await tx
      .deleteFrom('member_calendar_tokens')
      .where('workspace_id', '=', actor.workspaceId)
      .where('member_id', '=', memberId)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound('Calendar feed');
    await recordAudit(tx, clock, actor, { action: 'member.calendar_feed_revoked', entityType: 'member', entityId: memberId });
  });
}

interface FeedMoment {
  id: string;
  account_id: string;
  account_name: string;
  moment_id: string;
  due_at: Date;
  status: string;
  /** Null for an ad-hoc task, which has its own title and description. */
  definition: ModelDefinition | null;
  model_key: string | null;
  title: string | null;
  description: string | null;
}

/** Open moments of one member (assigned to them), soonest due first. */
export async function openMoments(db: Db, workspaceId: string, memberId: string, limit: number): Promise<FeedMoment[]> {
  const result = await sql<FeedMoment>`
    select i.id, i.account_id, a.name as account_name, i.moment_id, i.due_at, i.status, v.definition, m.key as model_key, i.title, i.description
    from moment_instances i
    join accounts a on a.workspace_id = i.workspace_id and a.id = i.account_id
    left join model_versions v on v.workspace_id = i.workspace_id and v.id = i.model_version_id
    left join models m on m.workspace_id = i.workspace_id and m.id = i.model_id
    where i.workspace_id = ${workspaceId}::uuid and i.assignee_member_id = ${memberId}::uuid and i.status in ('open', 'escalated')
    order by i.due_at, i.id limit ${limit}`.execute(db);
  return result.rows;
}

/**
 * The iCalendar feed of a token: the member's open moments, each an all-day event on its due date (a calendar shows
 * what is due when; overdue ones stay on the day they were due). Undefined for an unknown or revoked token, or a
 * disabled member.
 */
export async function calendarFeed(db: Db, clock: Clock, token: string, publicUrl: string): Promise<string | undefined> {
  const workspaceId = workspaceOfToken(token);
  if (!workspaceId) return undefined;
  const owner = await db
    .selectFrom('member_calendar_tokens as t')
    .innerJoin('members as m', (j) => j.onRef('m.workspace_id', '=', 't.workspace_id').onRef('m.id', '=', 't.member_id'))
    .select(['m.id', 'm.name', 'm.disabled_at'])
    .where('t.workspace_id', '=', workspaceId)
    .where('t.token_hash', '=', sha256(token))
    .executeTakeFirst();
  if (!owner || owner.disabled_at) return undefined;
  const moments = await openMoments(db, workspaceId, owner.id, 1000);
  const calendar = ical({
    name: `Momentum: ${owner.name}’s moments`,
    description: 'Moments assigned to you in Momentum, on the day they are due',
    prodId: { company: 'Momentum', product: 'moments', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
    ttl: 60 * 60,
  });
  const now = clock.now();
  for (const m of moments) {
    const def = m.definition?.moments.find((d) => d.id === m.moment_id);
    const link = `${publicUrl}/accounts/${m.account_id}`;
    const objective = m.description ?? def?.objective;
    const lines = [
      objective ? `Objective: ${objective}` : null,
      ...(def?.playbook ?? []).map((step, i) => `${i + 1}. ${step}`),
      m.status === 'escalated' ? 'Escalated.' : null,
      link,
    ].filter((l): l is string => l !== null);
    calendar.createEvent({
      id: `${m.id}@momentum`,
      start: m.due_at,
      allDay: true,
      stamp: now,
      summary: `${m.title ?? def?.name ?? m.moment_id} — ${m.account_name}`,
      description: lines.join('\n'),
      url: link,
    });
  }
  return calendar.toString();
}
