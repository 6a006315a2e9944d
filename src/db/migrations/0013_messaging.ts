import { type Kysely, sql } from 'kysely';

// Messaging: the outbox (one row per message and recipient, sent once, or excluded with the gate's reason), each
// workspace's sender settings, and marketing sources (a campaign, a stream step) paused by repeated SMTP errors.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table messages (
    workspace_id uuid not null references workspaces(id),
    id uuid not null,
    dedupe_key text not null,
    source_type text not null,
    source_id text not null,
    source_label text,
    recipient_kind text not null check (recipient_kind in ('contact', 'member')),
    recipient_id uuid not null,
    account_id uuid,
    purpose text not null,
    list_id uuid,
    to_address text,
    basis text,
    status text not null check (status in ('queued', 'sent', 'failed', 'excluded')),
    reason text,
    detail text,
    subject text,
    html text,
    text text,
    attempts integer not null default 0,
    next_attempt_at timestamptz,
    locked_until timestamptz,
    claim_token uuid,
    last_error text,
    smtp_response text,
    eml_file text,
    created_at timestamptz not null,
    sent_at timestamptz,
    failed_at timestamptz,
    excluded_at timestamptz,
    opened_at timestamptz,
    machine_open boolean,
    open_count integer not null default 0,
    clicked_at timestamptz,
    click_count integer not null default 0,
    unsubscribed_at timestamptz,
    bounced_at timestamptz,
    bounce_kind text,
    complained_at timestamptz,
    erased_at timestamptz,
    primary key (workspace_id, id)
  )`.execute(db);
  // Exactly one message per dedupe key (a campaign and contact, a stream step and enrolment ...), however often enqueued.
  await sql`create unique index messages_dedupe on messages (workspace_id, dedupe_key)`.execute(db);
  // The dispatcher reads only due queued messages.
  await sql`create index messages_due on messages (next_attempt_at) where status = 'queued'`.execute(db);
  await sql`create index messages_source on messages (workspace_id, source_type, source_id)`.execute(db);
  await sql`create index messages_recent on messages (workspace_id, created_at desc, id)`.execute(db);
  await sql`create index messages_recipient on messages (workspace_id, recipient_id)`.execute(db);
  await sql`create index messages_sent_at on messages (workspace_id, sent_at) where sent_at is not null`.execute(db);
  await sql`create table sender_settings (
    workspace_id uuid not null references workspaces(id),
    from_name text not null default '',
    from_address text not null default '',
    transactional_from_name text not null default '',
    transactional_from_address text not null default '',
    reply_to text not null default '',
    rate_per_minute integer not null default 600,
    dkim_domain text not null default '',
    dkim_selector text not null default '',
    dkim_private_key text,
    bounce_address text not null default '',
    imap_url text,
    webhook_secret text,
    marketing_paused_at timestamptz,
    marketing_paused_reason text,
    updated_at timestamptz not null,
    primary key (workspace_id)
  )`.execute(db);
  await sql`create table message_source_pauses (
    workspace_id uuid not null references workspaces(id),
    source_type text not null,
    source_id text not null,
    failures integer not null default 0,
    last_error text,
    paused_at timestamptz,
    updated_at timestamptz not null,
    primary key (workspace_id, source_type, source_id)
  )`.execute(db);
}
