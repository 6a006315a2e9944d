import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { enqueueMessages, type OutgoingMessage } from '../messaging/messaging.outbox.ts';
import type { ModelDefinition } from '../models/models.schema.ts';

/** Moments due within this many days count as due in the digest. */
export const DIGEST_DUE_DAYS = 7;
/** Items listed per section (the counts say how many there are in all). */
const LISTED = 25;

interface DigestRow {
  workspace_id: string;
  member_id: string;
  member_name: string;
  instance_id: string;
  account_id: string;
  account_name: string;
  moment_id: string;
  due_at: Date;
  status: string;
  /** Null for an ad-hoc task (its title names it). */
  definition: ModelDefinition | null;
  title: string | null;
}

export interface DigestItem {
  instanceId: string;
  accountId: string;
  account: string;
  moment: string;
  dueAt: Date;
  escalated: boolean;
}

export interface DigestContent {
  subject: string;
  html: string;
  text: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const day = (d: Date) => d.toISOString().slice(0, 10);
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The digest email of one member: overdue moments first (oldest first), then those due in the next days. */
export function digestContent(name: string, overdue: DigestItem[], due: DigestItem[], publicUrl: string, today: Date): DigestContent {
  const subject = [overdue.length > 0 ? `${plural(overdue.length, 'moment')} overdue` : null, due.length > 0 ? `${due.length} due this week` : null]
    .filter(Boolean)
    .join(', ');
  const link = (i: DigestItem) => `${publicUrl}/accounts/${i.accountId}`;
  const line = (i: DigestItem) => `${i.moment} — ${i.account} (due ${day(i.dueAt)}${i.escalated ? ', escalated' : ''})`;
  const section = (title: string, items: DigestItem[]) => {
    if (items.length === 0) return { html: '', text: '' };
    const shown = items.slice(0, LISTED);
    const more = items.length - shown.length;
    return {
      html: `<h2 style="font-size:16px;margin:20px 0 8px">${escapeHtml(title)}</h2><ul style="padding-left:20px;margin:0">${shown
        .map(
          (i) =>
            `<li style="margin:4px 0"><a href="${escapeHtml(link(i))}">${escapeHtml(i.moment)} — ${escapeHtml(i.account)}</a> <span style="color:#666">due ${day(i.dueAt)}${i.escalated ? ', escalated' : ''}</span></li>`,
        )
        .join('')}</ul>${more > 0 ? `<p style="color:#666">and ${more} more</p>` : ''}`,
      text: `${title}\n${shown.map((i) => `- ${line(i)}\n  ${link(i)}`).join('\n')}${more > 0 ? `\n  and ${more} more` : ''}\n`,
    };
  };
  const o = section(`Overdue (${overdue.length})`, overdue);
  const d = section(`Due in the next ${DIGEST_DUE_DAYS} days (${due.length})`, due);
  const settings = `${publicUrl}/moments`;
  const html = `<!doctype html><html><body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#222;max-width:600px;margin:0 auto;padding:16px">
<p>Good morning ${escapeHtml(name)}, here are your moments for ${day(today)}.</p>${o.html}${d.html}
<p style="margin-top:24px"><a href="${escapeHtml(settings)}">Open My moments</a></p>
<p style="color:#888;font-size:12px">You receive this daily digest as a Momentum member. Turn it off under My moments → Notifications.</p>
</body></html>`;
  const text = `Good morning ${name}, here are your moments for ${day(today)}.\n\n${o.text}${o.text && d.text ? '\n' : ''}${d.text}\nOpen My moments: ${settings}\n\nYou receive this daily digest as a Momentum member. Turn it off under My moments → Notifications.\n`;
  return { subject: `Momentum: ${subject}`, html, text };
}

export interface DigestReport {
  members: number;
  queued: number;
  excluded: number;
}

/**
 * The daily digest (the `notifications.digest` job): every active member who has not opted out and has overdue moments
 * or moments due in the next week gets one transactional email (purpose member/digest, through the gate), at most one
 * per member and day (dedupe key `digest:<member>:<yyyy-mm-dd>`, so a rerun the same day adds nothing).
 */
export async function sendDigests(db: Db, clock: Clock, publicUrl: string, options: { workspaceId?: string } = {}): Promise<DigestReport> {
  const now = clock.now();
  const horizon = new Date(now.getTime() + DIGEST_DUE_DAYS * 86_400_000);
  const result = await sql<DigestRow>`
    select i.workspace_id, mb.id as member_id, mb.name as member_name, i.id as instance_id, i.account_id, a.name as account_name,
      i.moment_id, i.due_at, i.status, v.definition, i.title
    from moment_instances i
    join members mb on mb.workspace_id = i.workspace_id and mb.id = i.assignee_member_id
    join accounts a on a.workspace_id = i.workspace_id and a.id = i.account_id
    left join model_versions v on v.workspace_id = i.workspace_id and v.id = i.model_version_id
    where i.status in ('open', 'escalated') and i.due_at < ${horizon}::timestamptz
      and mb.disabled_at is null and mb.digest_email
      ${options.workspaceId ? sql`and i.workspace_id = ${options.workspaceId}::uuid` : sql``}
    order by i.workspace_id, mb.id, i.due_at, i.id`.execute(db);
  const byMember = Map.groupBy(result.rows, (r) => `${r.workspace_id}/${r.member_id}`);
  const byWorkspace = new Map<string, OutgoingMessage[]>();
  for (const rows of byMember.values()) {
    const first = rows[0] as DigestRow;
    const items = rows.map((r) => ({
      instanceId: r.instance_id,
      accountId: r.account_id,
      account: r.account_name,
      moment: r.title ?? r.definition?.moments.find((m) => m.id === r.moment_id)?.name ?? r.moment_id,
      dueAt: r.due_at,
      escalated: r.status === 'escalated',
    }));
    const overdue = items.filter((i) => i.dueAt.getTime() < now.getTime());
    const due = items.filter((i) => i.dueAt.getTime() >= now.getTime());
    const messages = byWorkspace.get(first.workspace_id) ?? [];
    messages.push({
      recipientId: first.member_id,
      purpose: { kind: 'member', topic: 'digest' },
      source: { type: 'digest', id: first.member_id, label: `Daily digest ${day(now)}` },
      dedupeKey: `digest:${first.member_id}:${day(now)}`,
      content: digestContent(first.member_name, overdue, due, publicUrl, now),
    });
    byWorkspace.set(first.workspace_id, messages);
  }
  const report: DigestReport = { members: byMember.size, queued: 0, excluded: 0 };
  for (const [workspaceId, messages] of byWorkspace) {
    const r = await enqueueMessages(db, clock, workspaceId, messages);
    report.queued += r.queued;
    report.excluded += Object.values(r.excluded).reduce((a, b) => a + (b ?? 0), 0);
  }
  return report;
}
