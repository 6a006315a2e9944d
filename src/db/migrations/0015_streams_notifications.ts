import { type Kysely, sql } from 'kysely';

// Nurture streams (a sequence of emails with delays and exit conditions, entered by a segment rule or an engine moment),
// their enrolments (one per stream and contact, never re-entered), and the secret calendar feed token of each member.
// The entry segment has no foreign key (a segment may be deleted: the stream then stops enrolling by rule).
// Step templates are referenced by key (the templates module resolves them at send time), so no foreign key here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table streams (
    workspace_id uuid not null references workspaces(id),
    id uuid not null,
    key text not null,
    name text not null,
    description text not null default '',
    list_id uuid not null,
    status text not null check (status in ('draft', 'active', 'paused', 'archived')),
    entry_segment_id uuid,
    entry_personas text[] not null default '{}',
    exit_events text[] not null default '{}',
    exit_phases text[] not null default '{}',
    steps jsonb not null default '[]',
    entry_checked_at timestamptz,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    activated_at timestamptz,
    primary key (workspace_id, id),
    foreign key (workspace_id, list_id) references mailing_lists (workspace_id, id)
  )`.execute(db);
  await sql`create unique index streams_key on streams (workspace_id, key)`.execute(db);
  await sql`create table stream_enrolments (
    workspace_id uuid not null,
    id uuid not null,
    stream_id uuid not null,
    contact_id uuid not null,
    account_id uuid,
    source text not null check (source in ('segment', 'moment', 'member')),
    source_id text,
    entered_at timestamptz not null,
    step integer not null default 0,
    next_at timestamptz,
    last_sent_at timestamptz,
    completed_at timestamptz,
    exited_at timestamptz,
    exit_reason text,
    primary key (workspace_id, id),
    foreign key (workspace_id, stream_id) references streams (workspace_id, id),
    foreign key (workspace_id, contact_id) references contacts (workspace_id, id) on delete cascade
  )`.execute(db);
  // Re-entry is off: a contact is enrolled in a stream once, whatever enrols them again.
  await sql`create unique index stream_enrolments_contact on stream_enrolments (workspace_id, stream_id, contact_id)`.execute(db);
  // The minute job reads only enrolments whose next step is due.
  await sql`create index stream_enrolments_due on stream_enrolments (next_at) where completed_at is null and exited_at is null`.execute(db);
  await sql`create table member_calendar_tokens (
    workspace_id uuid not null,
    member_id uuid not null,
    token_hash text not null,
    created_at timestamptz not null,
    primary key (workspace_id, member_id),
    foreign key (workspace_id, member_id) references members (workspace_id, id) on delete cascade
  )`.execute(db);
  // The token carries its workspace (the feed URL is looked up by workspace and hash, as Citus would route it).
  await sql`create unique index member_calendar_tokens_hash on member_calendar_tokens (workspace_id, token_hash)`.execute(db);
}
