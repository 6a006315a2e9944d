import type { Selectable } from 'kysely';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomToken, safeEqual } from '../../lib/crypto.ts';
import { invalid } from '../../lib/errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { getWorkspace } from '../workspaces/workspaces.ts';
import type { MailboxReadResult, SenderSettings, SenderSettingsUpdate } from './messaging.schema.ts';
import type { SenderSettingsTable } from './messaging.table.ts';

export const DEFAULT_RATE_PER_MINUTE = 600;

/** What composing and sending a message needs: the stored settings with defaults filled in, and the workspace identity. */
export interface SenderIdentity {
  workspaceName: string;
  postalAddress: string;
  marketingFrom: { name: string; address: string };
  transactionalFrom: { name: string; address: string };
  replyTo: string | null;
  ratePerMinute: number;
  dkim: { domainName: string; keySelector: string; privateKey: string } | null;
  bounceAddress: string | null;
  /** The bounce address while a bounce mailbox is read over IMAP: marketing mail's List-Unsubscribe carries a mailto: to it. */
  unsubscribeMailbox: string | null;
  marketingPausedAt: Date | null;
  marketingPausedReason: string | null;
}

async function findRow(db: Db | Tx, workspaceId: string): Promise<Selectable<SenderSettingsTable> | undefined> {
  return (db as Db).selectFrom('sender_settings').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

/** The host links point to: the default sender address is no-reply at it. */
function publicHost(config: Pick<Config, 'publicUrl'>): string {
  try {
    const host = new URL(config.publicUrl).hostname;
    return host.includes('.') && !/^\d+\.\d+\.\d+\.\d+$/.test(host) ? host : 'localhost.localdomain';
  } catch {
    return 'localhost.localdomain';
  }
}

export async function senderIdentity(db: Db | Tx, config: Pick<Config, 'publicUrl'>, workspaceId: string): Promise<SenderIdentity> {
  const [row, workspace] = await Promise.all([findRow(db, workspaceId), getWorkspace(db as Db, workspaceId)]);
  const fallback = `no-reply@${publicHost(config)}`;
  const marketingFrom = { name: row?.from_name || workspace.name, address: row?.from_address || fallback };
  return {
    workspaceName: workspace.name,
    postalAddress: workspace.postalAddress,
    marketingFrom,
    transactionalFrom: {
      name: row?.transactional_from_name || marketingFrom.name,
      address: row?.transactional_from_address || marketingFrom.address,
    },
    replyTo: row?.reply_to || null,
    ratePerMinute: row?.rate_per_minute ?? DEFAULT_RATE_PER_MINUTE,
    dkim:
      row?.dkim_domain && row.dkim_selector && row.dkim_private_key
        ? { domainName: row.dkim_domain, keySelector: row.dkim_selector, privateKey: row.dkim_private_key }
        : null,
    bounceAddress: row?.bounce_address || null,
    unsubscribeMailbox: row?.imap_url && row.bounce_address ? row.bounce_address : null,
    marketingPausedAt: row?.marketing_paused_at ?? null,
    marketingPausedReason: row?.marketing_paused_reason ?? null,
  };
}

type SettingsRow = Omit<Selectable<SenderSettingsTable>, 'imap_next_read_at' | 'imap_failures'>;

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

function toSettings(row: SettingsRow | undefined, postalAddress: string, config: Pick<Config, 'publicUrl'>, workspaceId: string) {
  const mailbox = row?.imap_url ? parseImapUrl(row.imap_url) : null;
  const settings: SenderSettings = {
    fromName: row?.from_name ?? '',
    fromAddress: row?.from_address ?? '',
    transactionalFromName: row?.transactional_from_name ?? '',
    transactionalFromAddress: row?.transactional_from_address ?? '',
    replyTo: row?.reply_to ?? '',
    postalAddress,
    ratePerMinute: row?.rate_per_minute ?? DEFAULT_RATE_PER_MINUTE,
    dkimDomain: row?.dkim_domain ?? '',
    dkimSelector: row?.dkim_selector ?? '',
    dkimPrivateKey: row?.dkim_private_key ? 'set' : 'unset',
    bounceAddress: row?.bounce_address ?? '',
    imapUrl: mailbox && typeof mailbox !== 'string' ? formatImapUrl(mailbox, false) : '',
    imapPassword: mailbox && typeof mailbox !== 'string' && mailbox.password ? 'set' : 'unset',
    imapReadAt: iso(row?.imap_read_at),
    imapError: row?.imap_error ?? null,
    imapErrorAt: iso(row?.imap_error_at),
    imapResult: (row?.imap_result as MailboxReadResult | null | undefined) ?? null,
    webhookSecret: row?.webhook_secret ? 'set' : 'unset',
    webhookUrl: `${config.publicUrl}/hooks/messaging/${workspaceId}/bounces`,
    defaultFromAddress: `no-reply@${publicHost(config)}`,
    marketingPausedAt: iso(row?.marketing_paused_at),
    marketingPausedReason: row?.marketing_paused_reason ?? null,
    updatedAt: iso(row?.updated_at),
  };
  return settings;
}

export async function getSenderSettings(db: Db, config: Pick<Config, 'publicUrl'>, actor: Actor): Promise<SenderSettings> {
  const [row, workspace] = await Promise.all([findRow(db, actor.workspaceId), getWorkspace(db, actor.workspaceId)]);
  return toSettings(row, workspace.postalAddress, config, actor.workspaceId);
}

/**
 * Saves the sender settings (audited, secrets never in the audit entry). The DKIM key, the bounce mailbox password and
 * the webhook secret are write-only: for the key `null` clears it, absent keeps it; the mailbox goes with its URL.
 * `rotateWebhookSecret` makes a new provider-webhook secret, returned in this answer only.
 */
export async function updateSenderSettings(
  db: Db,
  clock: Clock,
  config: Pick<Config, 'publicUrl'>,
  actor: Actor,
  input: SenderSettingsUpdate,
): Promise<{ settings: SenderSettings; webhookSecret: string | null }> {
  if (input.dkimPrivateKey) checkPrivateKey(input.dkimPrivateKey);
  return inTransaction(db, async (tx) => {
    const before = await findRow(tx, actor.workspaceId);
    const workspace = await getWorkspace(tx, actor.workspaceId);
    const now = clock.now();
    const webhookSecret = input.rotateWebhookSecret ? `mws_${randomToken(24)}` : null;
    const imapUrl = resolveImapUrl(before?.imap_url ?? null, input);
    const values = {
      from_name: input.fromName ?? before?.from_name ?? '',
      from_address: input.fromAddress ?? before?.from_address ?? '',
      transactional_from_name: input.transactionalFromName ?? before?.transactional_from_name ?? '',
      transactional_from_address: input.transactionalFromAddress ?? before?.transactional_from_address ?? '',
      reply_to: input.replyTo ?? before?.reply_to ?? '',
      rate_per_minute: input.ratePerMinute ?? before?.rate_per_minute ?? DEFAULT_RATE_PER_MINUTE,
      dkim_domain: input.dkimDomain ?? before?.dkim_domain ?? '',
      dkim_selector: input.dkimSelector ?? before?.dkim_selector ?? '',
      dkim_private_key: input.dkimPrivateKey === undefined ? (before?.dkim_private_key ?? null) : input.dkimPrivateKey,
      bounce_address: input.bounceAddress ?? before?.bounce_address ?? '',
      imap_url: imapUrl,
      webhook_secret: webhookSecret ?? before?.webhook_secret ?? null,
      marketing_paused_at: input.resumeMarketing ? null : (before?.marketing_paused_at ?? null),
      marketing_paused_reason: input.resumeMarketing ? null : (before?.marketing_paused_reason ?? null),
      updated_at: now,
      // Another mailbox (or password) is read at the next run, with no failures or error left from the old one.
      ...(imapUrl !== (before?.imap_url ?? null)
        ? { imap_next_read_at: null, imap_failures: 0, imap_error: null, imap_error_at: null, imap_result: null }
        : {}),
    };
    if ((values.dkim_domain || values.dkim_selector || values.dkim_private_key) && !(values.dkim_domain && values.dkim_selector && values.dkim_private_key)) {
      const missing = !values.dkim_domain ? 'dkimDomain' : !values.dkim_selector ? 'dkimSelector' : 'dkimPrivateKey';
      throw invalid(`body.${missing}`, 'DKIM needs a domain, a selector and a private key together (or none of them)');
    }
    if (values.imap_url && !values.bounce_address) {
      throw invalid('body.bounceAddress', 'a bounce mailbox read over IMAP needs the address it receives mail at (the envelope sender)');
    }
    const after = await tx
      .insertInto('sender_settings')
      .values({ workspace_id: actor.workspaceId, ...values })
      .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    const postalAddress = input.postalAddress ?? workspace.postalAddress;
    if (input.postalAddress !== undefined && input.postalAddress !== workspace.postalAddress) {
      await tx.updateTable('workspaces').set({ postal_address: input.postalAddress }).where('id', '=', actor.workspaceId).execute();
    }
    // What a member chose, secrets as set/unset: not when it was saved nor how the last mailbox read went.
    const visible = (row: SettingsRow | undefined, postal: string) => {
      if (!row) return null;
      const { updatedAt, imapReadAt, imapError, imapErrorAt, imapResult, ...chosen } = toSettings(row, postal, config, actor.workspaceId);
      return chosen;
    };
    const shown = visible(after, postalAddress);
    await recordAudit(tx, clock, actor, {
      action: 'sender_settings.updated',
      entityType: 'sender_settings',
      entityId: actor.workspaceId,
      before: visible(before, workspace.postalAddress),
      after: {
        ...shown,
        webhookSecret: webhookSecret ? 'rotated' : (shown?.webhookSecret ?? 'unset'),
        imapPassword:
          passwordOf(values.imap_url) && passwordOf(values.imap_url) !== passwordOf(before?.imap_url) ? 'changed' : (shown?.imapPassword ?? 'unset'),
      },
    });
    return { settings: toSettings(after, postalAddress, config, actor.workspaceId), webhookSecret };
  });
}

function checkPrivateKey(pem: string): void {
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) throw invalid('body.dkimPrivateKey', 'must be a PEM private key (-----BEGIN PRIVATE KEY----- ...)');
}

/** The bounce mailbox of an imap:// or imaps:// URL. */
export interface ImapMailbox {
  secure: boolean;
  /** As in the URL (an IPv6 address keeps its brackets). */
  host: string;
  port: number;
  user: string;
  password: string;
  /** The folder read (the URL's path), INBOX by default. */
  folder: string;
}

/** An imap:// or imaps:// URL as a mailbox, or what is wrong with it. */
export function parseImapUrl(text: string): ImapMailbox | string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return 'is not a URL: imaps://user@host/INBOX';
  }
  const scheme = url.protocol.toLowerCase();
  if (scheme !== 'imap:' && scheme !== 'imaps:') return 'must start with imap:// or imaps://';
  if (!url.hostname) return 'names no host: imaps://user@host/INBOX';
  try {
    const user = decodeURIComponent(url.username);
    if (!user) return 'names no user: imaps://user@host/INBOX (write an @ in the user name as %40)';
    const folder = decodeURIComponent(url.pathname.replace(/^\/+/, '')).replace(/\/+$/, '') || 'INBOX';
    const port = url.port ? Number(url.port) : scheme === 'imaps:' ? 993 : 143;
    return { secure: scheme === 'imaps:', host: url.hostname, port, user, password: decodeURIComponent(url.password), folder };
  } catch {
    return 'has a malformed %-escape';
  }
}

/** The URL of a mailbox, with its password (stored) or without (shown). */
export function formatImapUrl(mailbox: ImapMailbox, withPassword: boolean): string {
  const auth = encodeURIComponent(mailbox.user) + (withPassword && mailbox.password ? `:${encodeURIComponent(mailbox.password)}` : '');
  const port = mailbox.port === (mailbox.secure ? 993 : 143) ? '' : `:${mailbox.port}`;
  return `${mailbox.secure ? 'imaps' : 'imap'}://${auth}@${mailbox.host}${port}/${encodeURIComponent(mailbox.folder)}`;
}

/**
 * The mailbox URL to store (password included) from what a member gave: a URL with or without its password, and
 * perhaps the password apart. The saved password is kept only for the same user at the same host, so that changing the
 * host cannot hand the saved password to another server.
 */
export function resolveImapUrl(saved: string | null, input: { imapUrl?: string | null | undefined; imapPassword?: string | undefined }): string | null {
  const savedMailbox = saved ? parseImapUrl(saved) : null;
  const kept = savedMailbox && typeof savedMailbox !== 'string' ? savedMailbox : null;
  if (input.imapUrl === undefined) {
    if (input.imapPassword === undefined) return saved;
    if (!kept) throw invalid('body.imapPassword', 'there is no bounce mailbox to set a password for: give imapUrl too');
    return formatImapUrl({ ...kept, password: input.imapPassword }, true);
  }
  if (input.imapUrl === null || input.imapUrl.trim() === '') return null;
  const given = parseImapUrl(input.imapUrl);
  if (typeof given === 'string') throw invalid('body.imapUrl', given);
  const sameAccount = kept && kept.host.toLowerCase() === given.host.toLowerCase() && kept.user === given.user;
  const password = input.imapPassword ?? (given.password || (sameAccount ? kept.password : ''));
  if (!password) throw invalid('body.imapPassword', 'the bounce mailbox needs a password (give imapPassword, or put it in the URL)');
  return formatImapUrl({ ...given, password }, true);
}

function passwordOf(url: string | null | undefined): string {
  const mailbox = url ? parseImapUrl(url) : null;
  return mailbox && typeof mailbox !== 'string' ? mailbox.password : '';
}

/** Whether a provider webhook call carries the workspace's secret. */
export async function checkWebhookSecret(db: Db, workspaceId: string, presented: string | undefined): Promise<boolean> {
  if (!presented) return false;
  const row = await findRow(db, workspaceId);
  return !!row?.webhook_secret && safeEqual(row.webhook_secret, presented);
}

/** Stops (or resumes) every marketing send of a workspace; transactional mail still goes. */
export async function setMarketingPause(db: Db | Tx, clock: Clock, workspaceId: string, reason: string | null): Promise<void> {
  const now = clock.now();
  const pause = { marketing_paused_at: reason ? now : null, marketing_paused_reason: reason, updated_at: now };
  await (db as Db)
    .insertInto('sender_settings')
    .values({ workspace_id: workspaceId, ...pause })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(pause))
    .execute();
}
