import { ImapFlow, type ImapFlowError, type SearchObject } from 'imapflow';
import { sql } from 'kysely';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, invalid } from '../../lib/errors.ts';
import { recordDeliveryNotice } from './messaging.feedback.ts';
import { classifyMail } from './messaging.reports.ts';
import type { MailboxReadResult, MailboxTestInput, MailboxTestResult } from './messaging.schema.ts';
import { formatImapUrl, type ImapMailbox, parseImapUrl, resolveImapUrl } from './messaging.settings.ts';
import type { BounceMailboxReceiptsTable } from './messaging.table.ts';
import { verifyUnsubscribeToken } from './messaging.tokens.ts';
import { unsubscribe } from './messaging.tracking.ts';

// The bounce mailbox read over IMAP (the `messaging.read-bounces` job): each due workspace's unseen mail, a bounded
// batch per run, each mail classified (messaging.reports.ts) and acted on through the one path for each kind
// (recordDeliveryNotice for bounces and complaints, unsubscribe for mailto: requests), then flagged on the server.

/** How often a mailbox is read. */
export const MAILBOX_READ_INTERVAL_MS = 5 * 60_000;
/** Mails looked at per mailbox and run: the rest wait for the next run (a backlog drains, a run stays short). */
export const MAILBOX_MAX_PER_RUN = 200;
/** Mails fetched at once (their bytes are held together). */
const FETCH_BATCH = 20;
/** A bounce, a complaint or an unsubscribe request is small; a larger mail is not one of them. */
export const MAILBOX_MAX_BYTES = 1_000_000;
/** While a reader holds a mailbox nobody else reads it; a reader that died lets go after this. */
const LEASE_MS = 10 * 60_000;
/** Failed reads wait longer each time (10, 20, 40 minutes), up to an hour: a provider locks an account that keeps failing to log in. */
const MAX_BACKOFF_MS = 60 * 60_000;
/** Receipts only bridge a crash between acting and flagging; a month is plenty. */
const RECEIPT_DAYS = 30;

/** Keywords set on the server: acted on (with \Seen), or left alone (still unread, not read again). */
export const KEYWORD_DONE = '$MomentumDone';
export const KEYWORD_SKIPPED = '$MomentumSkipped';

type Outcome = Exclude<keyof MailboxReadResult, 'read' | 'remaining'>;
const SKIPPED_OUTCOMES: ReadonlySet<Outcome> = new Set(['invalidTokens', 'unmatched', 'unrecognised']);

/** A read that found nothing (what each outcome counts up from). */
export const emptyResult = (): MailboxReadResult => ({
  read: 0,
  hardBounces: 0,
  softBounces: 0,
  complaints: 0,
  unsubscribes: 0,
  deliveryReports: 0,
  invalidTokens: 0,
  unmatched: 0,
  unrecognised: 0,
  alreadyDone: 0,
  remaining: 0,
});

function openClient(mailbox: ImapMailbox): ImapFlow {
  const client = new ImapFlow({
    host: mailbox.host.replace(/^\[|\]$/g, ''),
    port: mailbox.port,
    secure: mailbox.secure,
    auth: { user: mailbox.user, pass: mailbox.password },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  // Failures reach us as rejected commands; an unheard 'error' event would end the process.
  client.on('error', () => undefined);
  return client;
}

/** What went wrong, in words a member can act on (the password never appears: it is not in any of these). */
export function describeImapError(error: unknown, mailbox: ImapMailbox): string {
  const e = error as ImapFlowError & {
    authenticationFailed?: boolean;
    mailboxMissing?: boolean;
    serverResponseCode?: string;
    responseText?: string;
    response?: { responseText?: string };
  };
  const server = `${mailbox.host}:${mailbox.port}`;
  // Dovecot ends its answers with timings ("(0.001 + 0.000 secs)."): not for members.
  const text = (e.responseText ?? e.response?.responseText ?? '').replace(/\s*\([\d.]+ \+ [^)]*secs\)/, '').trim();
  const said = text ? `: ${text}` : '';
  if (e.authenticationFailed || e.serverResponseCode === 'AUTHENTICATIONFAILED') {
    return `Login failed for ${mailbox.user} at ${server}${said || ': the server refused the user name or password'}`;
  }
  if (e.code === 'ECONNREFUSED') return `Could not connect to ${server}: connection refused`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `Could not connect to ${server}: no such host`;
  if (e.code === 'CONNECT_TIMEOUT' || e.code === 'GREETING_TIMEOUT' || e.code === 'ETIMEOUT' || e.code === 'ETIMEDOUT') {
    return `Could not connect to ${server}: no answer in time`;
  }
  if (/CERT|SSL|TLS/i.test(e.code ?? '') || /certificate|ssl|tls/i.test(e.message)) return `TLS with ${server} failed: ${e.message}`;
  if (e.code === 'NotFound' || e.mailboxMissing || e.serverResponseCode === 'NONEXISTENT') {
    return `The folder ${mailbox.folder} does not exist for ${mailbox.user} at ${server}${said}`;
  }
  return `${text || e.message || String(error)} (${mailbox.user} at ${server})`;
}

/** The outbox message a report names (VERP address or original Message-ID), sent from this workspace to an address. */
async function findSentMessage(tx: Tx, workspaceId: string, ids: string[]): Promise<{ id: string; to_address: string } | undefined> {
  if (ids.length === 0) return undefined;
  const rows = await tx
    .selectFrom('messages')
    .select(['id', 'to_address'])
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids)
    .where('status', '=', 'sent')
    .where('to_address', 'is not', null)
    .execute();
  const found = ids.map((id) => rows.find((r) => r.id === id)).find(Boolean);
  return found ? { id: found.id, to_address: found.to_address as string } : undefined;
}

/** False when this mail was acted on already (a read that crashed before flagging it on the server). */
async function takeReceipt(tx: Tx, clock: Clock, workspaceId: string, key: string, kind: BounceMailboxReceiptsTable['kind'], messageId: string | null) {
  const inserted = await tx
    .insertInto('bounce_mailbox_receipts')
    .values({ workspace_id: workspaceId, mail_key: key, kind, message_id: messageId, processed_at: clock.now() })
    .onConflict((oc) => oc.columns(['workspace_id', 'mail_key']).doNothing())
    .returning('mail_key')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Classifies one mail and acts on it (in one transaction with its receipt). */
async function handleMail(db: Db, clock: Clock, config: Pick<Config, 'secret'>, workspaceId: string, raw: Buffer): Promise<Outcome> {
  const mail = await classifyMail(raw).catch(() => undefined);
  if (!mail) return 'unrecognised';
  const report = mail.report;
  switch (report.kind) {
    case 'unrecognised':
      return 'unrecognised';
    case 'delivery_report':
      return 'deliveryReports';
    case 'bounce':
    case 'complaint':
      // Only a report naming a message Momentum sent counts: anyone can mail this address, and a forged report must
      // not suppress an address of the sender's choosing.
      return inTransaction(db, async (tx) => {
        const message = await findSentMessage(tx, workspaceId, report.messageIds);
        if (!message) return 'unmatched';
        const kind = report.kind === 'complaint' ? 'complaint' : report.hard ? 'hard_bounce' : 'soft_bounce';
        if (!(await takeReceipt(tx, clock, workspaceId, mail.key, kind, message.id))) return 'alreadyDone';
        await recordDeliveryNotice(tx, clock, workspaceId, {
          type: report.kind,
          email: message.to_address,
          messageId: message.id,
          bounceType: report.kind === 'bounce' && !report.hard ? 'soft' : 'hard',
          detail: `${report.detail} (bounce mailbox)`,
        });
        return report.kind === 'complaint' ? 'complaints' : report.hard ? 'hardBounces' : 'softBounces';
      });
    case 'unsubscribe': {
      const data = verifyUnsubscribeToken(config.secret, report.token, clock.now());
      if (!data || data.workspaceId !== workspaceId) return 'invalidTokens';
      return inTransaction(db, async (tx) => {
        if (!(await takeReceipt(tx, clock, workspaceId, mail.key, 'unsubscribe', null))) return 'alreadyDone';
        await unsubscribe(tx, clock, data, {
          method: 'one_click',
          sourceIp: null,
          userAgent: null,
          via: 'mailto',
          proof: `unsubscribe email to the List-Unsubscribe mailto: address${mail.date ? `, sent ${mail.date.toISOString()}` : ''}${
            mail.mailMessageId ? `, Message-ID ${mail.mailMessageId.slice(0, 200)}` : ''
          }`,
        });
        return 'unsubscribes';
      });
    }
  }
}

/**
 * Reads one mailbox once: its unseen mail (oldest first, at most MAILBOX_MAX_PER_RUN), each acted on and then flagged
 * (\Seen and $MomentumDone), or left unread with $MomentumSkipped so that it is not read again. A server without
 * keywords gets \Seen for both. Throws when the server cannot be reached or refuses the login.
 */
export async function readBounceMailbox(
  db: Db,
  clock: Clock,
  config: Pick<Config, 'secret'>,
  workspaceId: string,
  mailbox: ImapMailbox,
  options: { maxMessages?: number } = {},
): Promise<MailboxReadResult> {
  const result = emptyResult();
  const client = openClient(mailbox);
  await client.connect();
  try {
    const lock = await client.getMailboxLock(mailbox.folder);
    try {
      const opened = client.mailbox;
      const keywords = opened !== false && (opened.permanentFlags?.has('\\*') ?? false);
      const query: SearchObject = keywords ? { seen: false, unKeyword: KEYWORD_SKIPPED } : { seen: false };
      const unseen = ((await client.search(query, { uid: true })) || []).sort((a, b) => a - b);
      const due = unseen.slice(0, options.maxMessages ?? MAILBOX_MAX_PER_RUN);
      result.remaining = unseen.length - due.length;
      for (let i = 0; i < due.length; i += FETCH_BATCH) {
        const mails: { uid: number; size: number; source: Buffer }[] = [];
        // No other command may run while a fetch streams: collect the batch, then act on it.
        for await (const m of client.fetch(due.slice(i, i + FETCH_BATCH), { uid: true, size: true, source: { maxLength: MAILBOX_MAX_BYTES } }, { uid: true })) {
          mails.push({ uid: m.uid, size: m.size ?? 0, source: m.source ?? Buffer.alloc(0) });
        }
        for (const mail of mails) {
          result.read++;
          const outcome = mail.size > MAILBOX_MAX_BYTES ? 'unrecognised' : await handleMailSafely(db, clock, config, workspaceId, mail.source);
          result[outcome]++;
          const skipped = SKIPPED_OUTCOMES.has(outcome);
          const flags = keywords ? (skipped ? [KEYWORD_SKIPPED] : ['\\Seen', KEYWORD_DONE]) : ['\\Seen'];
          await client.messageFlagsAdd([mail.uid], flags, { uid: true });
        }
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return result;
}

/** A mail whose action is refused (an AppError: say, a contact deleted since) is left alone rather than retried forever. */
async function handleMailSafely(db: Db, clock: Clock, config: Pick<Config, 'secret'>, workspaceId: string, raw: Buffer): Promise<Outcome> {
  try {
    return await handleMail(db, clock, config, workspaceId, raw);
  } catch (error) {
    if (error instanceof AppError) return 'unrecognised';
    throw error;
  }
}

interface DueMailbox {
  workspace_id: string;
  imap_url: string;
  imap_failures: number;
}

/** Takes the next due mailbox for this reader (its due time becomes the end of a lease), or none. */
async function claimDueMailbox(db: Db, clock: Clock): Promise<DueMailbox | undefined> {
  const now = clock.now();
  const lease = new Date(now.getTime() + LEASE_MS);
  const claimed = await sql<DueMailbox>`
    update sender_settings set imap_next_read_at = ${lease}::timestamptz
    where workspace_id = (
      select workspace_id from sender_settings
      where imap_url is not null and (imap_next_read_at is null or imap_next_read_at <= ${now}::timestamptz)
      order by imap_next_read_at nulls first
      limit 1
      for update skip locked)
    returning workspace_id, imap_url, imap_failures`.execute(db);
  return claimed.rows[0];
}

/** Records how a read went, unless the mailbox was changed meanwhile (its settings start afresh then). */
async function finishRead(db: Db, clock: Clock, due: DueMailbox, outcome: { result: MailboxReadResult } | { error: string }) {
  const now = clock.now();
  const failures = 'error' in outcome ? due.imap_failures + 1 : 0;
  const wait = 'error' in outcome ? Math.min(MAILBOX_READ_INTERVAL_MS * 2 ** failures, MAX_BACKOFF_MS) : MAILBOX_READ_INTERVAL_MS;
  // Due a little before the next tick of the job, so that a read every few minutes is not skipped by a few seconds.
  const next = new Date(now.getTime() + wait - 30_000);
  await db
    .updateTable('sender_settings')
    .set(
      'error' in outcome
        ? { imap_next_read_at: next, imap_failures: failures, imap_error: outcome.error.slice(0, 1000), imap_error_at: now }
        : { imap_next_read_at: next, imap_failures: 0, imap_error: null, imap_error_at: null, imap_read_at: now, imap_result: JSON.stringify(outcome.result) },
    )
    .where('workspace_id', '=', due.workspace_id)
    .where('imap_url', '=', due.imap_url)
    .execute();
}

export interface MailboxesRun {
  mailboxes: number;
  failed: number;
  totals: MailboxReadResult;
}

/**
 * The `messaging.read-bounces` job: reads every due bounce mailbox, one at a time, until none is due or the budget is
 * spent (the rest are read next run, the longest waiting first). A mailbox that cannot be read gets the error on its
 * settings and waits longer before the next try; the others are read regardless.
 */
export async function readDueMailboxes(db: Db, clock: Clock, config: Pick<Config, 'secret'>, options: { budgetMs: number }): Promise<MailboxesRun> {
  const started = Date.now();
  const run: MailboxesRun = { mailboxes: 0, failed: 0, totals: emptyResult() };
  const old = new Date(clock.now().getTime() - RECEIPT_DAYS * 86_400_000);
  await sql`delete from bounce_mailbox_receipts where (workspace_id, mail_key) in (
    select workspace_id, mail_key from bounce_mailbox_receipts where processed_at < ${old}::timestamptz limit 1000)`.execute(db);
  while (Date.now() - started < options.budgetMs) {
    const due = await claimDueMailbox(db, clock);
    if (!due) break;
    run.mailboxes++;
    const mailbox = parseImapUrl(due.imap_url);
    try {
      if (typeof mailbox === 'string') throw new Error(`The bounce mailbox URL ${mailbox}`);
      const result = await readBounceMailbox(db, clock, config, due.workspace_id, mailbox);
      for (const key of Object.keys(result) as (keyof MailboxReadResult)[]) run.totals[key] += result[key];
      await finishRead(db, clock, due, { result });
    } catch (error) {
      run.failed++;
      await finishRead(db, clock, due, { error: typeof mailbox === 'string' ? (error as Error).message : describeImapError(error, mailbox) });
    }
  }
  return run;
}

/** Logs in to a bounce mailbox (the one given, else the saved one) and says how many messages its folder holds. */
export async function testBounceMailbox(db: Db, actor: Actor, input: MailboxTestInput): Promise<MailboxTestResult> {
  const saved = await db.selectFrom('sender_settings').select('imap_url').where('workspace_id', '=', actor.workspaceId).executeTakeFirst();
  const url = input.imapUrl === undefined && input.imapPassword === undefined ? (saved?.imap_url ?? null) : resolveImapUrl(saved?.imap_url ?? null, input);
  if (!url) throw invalid('body.imapUrl', 'no bounce mailbox is set: give its imap:// or imaps:// URL');
  const mailbox = parseImapUrl(url) as ImapMailbox;
  const shown = formatImapUrl(mailbox, false);
  const client = openClient(mailbox);
  try {
    await client.connect();
    const status = await client.status(mailbox.folder, { messages: true, unseen: true });
    await client.logout().catch(() => client.close());
    return { ok: true, mailbox: shown, messages: status ? (status.messages ?? null) : null, unseen: status ? (status.unseen ?? null) : null, error: null };
  } catch (error) {
    client.close();
    return { ok: false, mailbox: shown, messages: null, unseen: null, error: describeImapError(error, mailbox) };
  }
}
