import type { Generated } from 'kysely';

export type MessageStatus = 'queued' | 'sent' | 'failed' | 'excluded';

export interface MessagesTable {
  workspace_id: string;
  id: string;
  /** Exactly one message per key in a workspace, e.g. `campaign:<id>:<contactId>`. */
  dedupe_key: string;
  source_type: string;
  source_id: string;
  source_label: string | null;
  recipient_kind: 'contact' | 'member';
  recipient_id: string;
  account_id: string | null;
  /** The consent purpose (consent's purposeKey): `list:<id>`, `service`, `request`, `member:digest` ... */
  purpose: string;
  list_id: string | null;
  to_address: string | null;
  /** What allowed it (the gate's basis): a consent record id, `contract:<id>`, `request`, `member`. */
  basis: string | null;
  status: MessageStatus;
  /** Why it was excluded (an ExclusionReason) or failed. */
  reason: string | null;
  detail: string | null;
  subject: string | null;
  html: string | null;
  text: string | null;
  attempts: Generated<number>;
  next_attempt_at: Date | null;
  /** A dispatcher's lease: nobody else claims the message until then. */
  locked_until: Date | null;
  claim_token: string | null;
  last_error: string | null;
  smtp_response: string | null;
  /** Without SMTP_URL: the .eml file written under the data dir's outbox/. */
  eml_file: string | null;
  created_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
  excluded_at: Date | null;
  opened_at: Date | null;
  /** The first open came from a privacy proxy or a pre-fetch (Apple MPP, image proxies, seconds after delivery). */
  machine_open: boolean | null;
  open_count: Generated<number>;
  clicked_at: Date | null;
  click_count: Generated<number>;
  unsubscribed_at: Date | null;
  bounced_at: Date | null;
  bounce_kind: 'hard' | 'soft' | null;
  complained_at: Date | null;
  erased_at: Date | null;
}

export interface SenderSettingsTable {
  workspace_id: string;
  from_name: Generated<string>;
  from_address: Generated<string>;
  transactional_from_name: Generated<string>;
  transactional_from_address: Generated<string>;
  reply_to: Generated<string>;
  rate_per_minute: Generated<number>;
  dkim_domain: Generated<string>;
  dkim_selector: Generated<string>;
  /** PEM; never returned by the API once saved. */
  dkim_private_key: string | null;
  bounce_address: Generated<string>;
  /**
   * The bounce mailbox read over IMAP (`imaps://user:password@host:993/INBOX`, password included, never returned by the
   * API): the `messaging.read-bounces` job reads its unseen mail (DSNs, ARF complaints, mailto: unsubscribe requests),
   * and marketing mail's List-Unsubscribe carries a mailto: to the bounce address while it is set.
   */
  imap_url: string | null;
  /** When the mailbox is next read; while a reader holds it, the end of its lease. Null: due now. */
  imap_next_read_at: Date | null;
  /** The last read that logged in and finished. */
  imap_read_at: Date | null;
  /** Failed reads in a row (each waits longer: a mail provider locks an account that keeps failing to log in). */
  imap_failures: Generated<number>;
  imap_error: string | null;
  imap_error_at: Date | null;
  /** What the last read found (MailboxReadResult). */
  imap_result: unknown;
  /** Bearer secret of the provider bounce/complaint webhook. */
  webhook_secret: string | null;
  /** Marketing sends stop while set (complaint rate too high); transactional mail still goes. */
  marketing_paused_at: Date | null;
  marketing_paused_reason: string | null;
  updated_at: Date;
}

/** A marketing source's run of SMTP failures; paused once it repeats (campaigns read it, resuming clears it). */
export interface MessageSourcePausesTable {
  workspace_id: string;
  source_type: string;
  source_id: string;
  failures: Generated<number>;
  last_error: string | null;
  paused_at: Date | null;
  updated_at: Date;
}

/** One mail of the bounce mailbox that was acted on: a crash before it is flagged on the server cannot act twice. */
export interface BounceMailboxReceiptsTable {
  workspace_id: string;
  /** A hash of the mail's Message-ID (or of its bytes when it has none). */
  mail_key: string;
  kind: 'hard_bounce' | 'soft_bounce' | 'complaint' | 'unsubscribe' | 'delivery_report';
  /** The outbox message it was about. */
  message_id: string | null;
  processed_at: Date;
}
