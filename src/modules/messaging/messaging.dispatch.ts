import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Selectable, sql } from 'kysely';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { gate } from '../consent/consent.gate.ts';
import { composeMail, purposeFromKey } from './messaging.compose.ts';
import { recordMessageEvents } from './messaging.events.ts';
import { handleHardBounce, noteSourceFailure, noteSourceSuccess } from './messaging.feedback.ts';
import { type SenderIdentity, senderIdentity } from './messaging.settings.ts';
import type { MessagesTable } from './messaging.table.ts';

// The only code that hands mail to nodemailer: SMTP over SMTP_URL (one pooled connection per dispatcher), or, without
// it, an .eml file per message under <data dir>/outbox/ built by the same MIME composer.

type SendConfig = Pick<Config, 'smtpUrl' | 'dataDir' | 'publicUrl' | 'secret'>;

export interface SentInfo {
  response: string;
  file: string | null;
}

export interface MailTransport {
  kind: 'smtp' | 'files';
  send(mail: Mail.Options, messageId: string): Promise<SentInfo>;
  close(): void;
}

/** SMTP when SMTP_URL is set (pooled: one connection kept open across messages), else .eml files in the outbox folder. */
export function openTransport(config: Pick<Config, 'smtpUrl' | 'dataDir'>): MailTransport {
  if (config.smtpUrl) {
    const url = new URL(config.smtpUrl);
    if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
    if (!url.searchParams.has('maxConnections')) url.searchParams.set('maxConnections', '1');
    const transporter = nodemailer.createTransport(url.toString());
    return {
      kind: 'smtp',
      send: async (mail) => {
        const info = await transporter.sendMail(mail);
        return { response: String(info.response ?? ''), file: null };
      },
      close: () => transporter.close(),
    };
  }
  const folder = join(config.dataDir, 'outbox');
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    kind: 'files',
    send: async (mail, messageId) => {
      const info = await transporter.sendMail(mail);
      mkdirSync(folder, { recursive: true });
      const name = `${new Date(mail.date as Date).toISOString().replace(/[:.]/g, '-')}_${messageId}.eml`;
      const file = join(folder, name);
      // Written whole, then renamed: a crash never leaves half a message in the outbox.
      writeFileSync(`${file}.partial`, info.message as Buffer);
      renameSync(`${file}.partial`, file);
      return { response: `written to outbox/${name}`, file: name };
    },
    close: () => transporter.close(),
  };
}

/** The raw message a row would be sent as now (the console's message source view), without sending it. */
export async function renderSource(mail: Mail.Options): Promise<string> {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const info = await transporter.sendMail(mail);
  return (info.message as Buffer).toString('utf8');
}

/** Delays before retry n after a temporary (4xx) failure: 1 min, 5 min, 15 min, 1 h, 4 h, 12 h; then it fails. */
export const RETRY_DELAYS_S: readonly number[] = [60, 300, 900, 3600, 4 * 3600, 12 * 3600];
/** A claim is a lease: a dispatcher that dies loses it after this long and another sends the message. */
const LEASE_MS = 5 * 60_000;

type Row = Selectable<MessagesTable>;

/**
 * Claims due queued messages of one workspace, within its per-minute rate (minus what it sent in the last minute),
 * skipping paused sources and, while marketing is paused, marketing messages. SKIP LOCKED and the lease make two
 * dispatchers never claim one message (several dispatchers may each claim a batch within the same minute's room: the
 * rate can be exceeded by at most one batch per dispatcher).
 */
async function claim(db: Db, now: Date, workspaceId: string, limit: number, token: string): Promise<Row[]> {
  const room = await sql<{ rate: number; recent: number; paused: boolean }>`
    select coalesce(s.rate_per_minute, 600) as rate, s.marketing_paused_at is not null as paused,
      (select count(*) from messages x where x.workspace_id = ${workspaceId}::uuid and x.sent_at > ${new Date(now.getTime() - 60_000)}::timestamptz) as recent
    from (select 1) one left join sender_settings s on s.workspace_id = ${workspaceId}::uuid`.execute(db);
  const r = room.rows[0] ?? { rate: 600, recent: 0, paused: false };
  const n = Math.min(limit, Number(r.rate) - Number(r.recent));
  if (n <= 0) return [];
  const claimed = await sql<Row>`
    update messages m set locked_until = ${new Date(now.getTime() + LEASE_MS)}::timestamptz, claim_token = ${token}::uuid
    from (
      select q.workspace_id, q.id from messages q
      where q.workspace_id = ${workspaceId}::uuid and q.status = 'queued' and q.next_attempt_at <= ${now}::timestamptz
        and (q.locked_until is null or q.locked_until < ${now}::timestamptz)
        and (${!r.paused} or q.purpose not like 'list:%')
        and not exists (select 1 from message_source_pauses p where p.workspace_id = q.workspace_id and p.source_type = q.source_type
          and p.source_id = q.source_id and p.paused_at is not null)
      order by q.next_attempt_at
      limit ${n}
      for update skip locked
    ) due
    where m.workspace_id = due.workspace_id and m.id = due.id
    returning m.*`.execute(db);
  return claimed.rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id));
}

/** Workspaces with messages due now. */
async function dueWorkspaces(db: Db, now: Date): Promise<string[]> {
  const rows = await sql<{ workspace_id: string }>`
    select distinct workspace_id from messages where status = 'queued' and next_attempt_at <= ${now}::timestamptz
      and (locked_until is null or locked_until < ${now}::timestamptz)`.execute(db);
  return rows.rows.map((r) => r.workspace_id);
}

/** The gate again, right before SMTP: a contact who unsubscribed (or was suppressed) while queued is excluded, never sent. */
async function recheck(db: Db, clock: Clock, workspaceId: string, rows: Row[]): Promise<{ send: Row[]; excluded: number }> {
  const byPurpose = new Map<string, Row[]>();
  for (const row of rows) byPurpose.set(row.purpose, [...(byPurpose.get(row.purpose) ?? []), row]);
  const send: Row[] = [];
  let excluded = 0;
  for (const [purpose, group] of byPurpose) {
    const decisions = new Map(
      (
        await gate(
          db,
          workspaceId,
          purposeFromKey(purpose),
          group.map((r) => r.recipient_id),
        )
      ).map((d) => [d.recipientId, d]),
    );
    for (const row of group) {
      const decision = decisions.get(row.recipient_id);
      if (decision?.allowed) {
        send.push({ ...row, to_address: decision.address, basis: decision.basis });
        continue;
      }
      excluded++;
      await db
        .updateTable('messages')
        .set({
          status: 'excluded',
          reason: decision?.reason ?? 'no_email',
          detail: `at dispatch: ${decision?.detail ?? 'unknown recipient'}`,
          excluded_at: clock.now(),
          locked_until: null,
          claim_token: null,
          next_attempt_at: null,
        })
        .where('workspace_id', '=', row.workspace_id)
        .where('id', '=', row.id)
        .where('claim_token', '=', row.claim_token)
        .execute();
    }
  }
  return { send, excluded };
}

export interface DispatchReport {
  sent: number;
  retrying: number;
  failed: number;
  excluded: number;
}

interface SmtpFailure {
  responseCode?: number;
  code?: string;
  message: string;
  response?: string;
}

/** Sends one claimed message; marks it sent only after SMTP accepted it (or its .eml file exists). */
async function sendOne(db: Db, clock: Clock, transport: MailTransport, config: SendConfig, identity: SenderIdentity, row: Row, report: DispatchReport) {
  const now = clock.now();
  const mail = composeMail(config, identity, row, now);
  try {
    const info = await transport.send(mail, row.id);
    const at = clock.now();
    // Committed without waiting for the WAL flush (PostgreSQL's synchronous_commit, set for this one statement's
    // transaction, in the same round trip): a killed Momentum loses nothing (the database has the commit); only a crash
    // of the database server itself can lose the last fraction of a second of these marks, and those messages go out
    // again (docs/messaging.md). Waiting for a disk flush per message halved the send rate.
    await sql`with async_commit as (select set_config('synchronous_commit', 'off', true))
      update messages set status = 'sent', sent_at = ${at}::timestamptz, to_address = ${row.to_address}, basis = ${row.basis},
        attempts = ${row.attempts + 1}, smtp_response = ${info.response.slice(0, 500)}, eml_file = ${info.file}, last_error = null,
        locked_until = null, claim_token = null, next_attempt_at = null
      from async_commit where workspace_id = ${row.workspace_id}::uuid and id = ${row.id}::uuid`.execute(db);
    report.sent++;
    return { ok: true as const, row, at };
  } catch (error) {
    const failure = error as SmtpFailure;
    const attempts = row.attempts + 1;
    const permanent = (failure.responseCode ?? 0) >= 500;
    const text = `${failure.responseCode ? `${failure.responseCode} ` : ''}${failure.response ?? failure.message}`.slice(0, 500);
    const giveUp = permanent || attempts > RETRY_DELAYS_S.length;
    await db
      .updateTable('messages')
      .set({
        status: giveUp ? 'failed' : 'queued',
        reason: giveUp ? (permanent ? 'smtp_rejected' : 'smtp_gave_up') : null,
        attempts,
        last_error: text,
        failed_at: giveUp ? clock.now() : null,
        next_attempt_at: giveUp ? null : new Date(clock.now().getTime() + (RETRY_DELAYS_S[attempts - 1] as number) * 1000),
        locked_until: null,
        claim_token: null,
      })
      .where('workspace_id', '=', row.workspace_id)
      .where('id', '=', row.id)
      .execute();
    if (permanent) {
      report.failed++;
      await handleHardBounce(db, clock, row, `SMTP ${text}`);
    } else {
      if (giveUp) report.failed++;
      else report.retrying++;
      await noteSourceFailure(db, clock, row, text);
    }
    return { ok: false as const, row };
  }
}

export interface DispatchOptions {
  transport?: MailTransport;
  /** Stop claiming after this long (the job runs every minute). */
  budgetMs?: number;
  /** While nothing is due, look again every this many ms until the budget is spent (0: return at once). */
  pollMs?: number;
  batch?: number;
  /** Only this workspace's messages (the demo sends its history); default every workspace with messages due. */
  workspaceId?: string;
}

/**
 * Sends due messages: claims a batch per workspace, re-checks the gate, sends one at a time on the pooled connection,
 * marking each sent as soon as SMTP accepted it, then records Email Sent events for the batch. The
 * `messaging.dispatch` job runs it every minute with a 50 s budget, polling for new messages meanwhile.
 */
export async function dispatchDue(db: Db, clock: Clock, config: SendConfig, options: DispatchOptions = {}): Promise<DispatchReport> {
  const report: DispatchReport = { sent: 0, retrying: 0, failed: 0, excluded: 0 };
  const transport = options.transport ?? openTransport(config);
  const stopAt = Date.now() + (options.budgetMs ?? 50_000);
  const token = newId();
  const identities = new Map<string, SenderIdentity>();
  try {
    // Workspaces with due messages take turns, a batch each, until none has any left; then look again.
    let workspaces: string[] = [];
    while (Date.now() < stopAt) {
      if (workspaces.length === 0) workspaces = options.workspaceId ? [options.workspaceId] : await dueWorkspaces(db, clock.now());
      let worked = false;
      for (const workspaceId of [...workspaces]) {
        if (Date.now() >= stopAt) break;
        const claimed = await claim(db, clock.now(), workspaceId, options.batch ?? 100, token);
        if (claimed.length === 0) {
          workspaces = workspaces.filter((w) => w !== workspaceId);
          continue;
        }
        worked = true;
        const { send, excluded } = await recheck(db, clock, workspaceId, claimed);
        report.excluded += excluded;
        if (!identities.has(workspaceId)) identities.set(workspaceId, await senderIdentity(db, config, workspaceId));
        const identity = identities.get(workspaceId) as SenderIdentity;
        const sent: { row: Row; at: Date }[] = [];
        for (const row of send) {
          const outcome = await sendOne(db, clock, transport, config, identity, row, report);
          if (outcome.ok) sent.push(outcome);
        }
        await recordMessageEvents(
          db,
          clock,
          workspaceId,
          sent.map(({ row, at }) => ({ row, name: 'Email Sent', key: `sent:${row.id}`, at, properties: {} })),
        );
        await noteSourceSuccess(
          db,
          workspaceId,
          sent.map((s) => s.row),
        );
      }
      if (worked) continue;
      if (!options.pollMs || Date.now() + options.pollMs >= stopAt) break;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    }
  } finally {
    if (!options.transport) transport.close();
  }
  return report;
}
