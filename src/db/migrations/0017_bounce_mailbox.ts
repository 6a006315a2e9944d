import { type Kysely, sql } from 'kysely';

// The bounce mailbox read over IMAP (sender_settings.imap_url, from 0013): when each workspace's mailbox is next due
// (also the lease of the reader holding it), how the last read went, and a receipt per processed mail so that a crash
// between recording a bounce, complaint or unsubscribe and flagging the mail on the server cannot record it twice.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sender_settings
    add column imap_next_read_at timestamptz,
    add column imap_read_at timestamptz,
    add column imap_failures integer not null default 0,
    add column imap_error text,
    add column imap_error_at timestamptz,
    add column imap_result jsonb`.execute(db);
  // The reader looks only at mailboxes that are due.
  await sql`create index sender_settings_imap_due on sender_settings (imap_next_read_at) where imap_url is not null`.execute(db);
  await sql`create table bounce_mailbox_receipts (
    workspace_id uuid not null references workspaces(id),
    mail_key text not null,
    kind text not null,
    message_id uuid,
    processed_at timestamptz not null,
    primary key (workspace_id, mail_key)
  )`.execute(db);
  await sql`create index bounce_mailbox_receipts_processed on bounce_mailbox_receipts (processed_at)`.execute(db);
}
