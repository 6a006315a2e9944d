import { type Kysely, sql } from 'kysely';

// Templates (Liquid inside MJML, compiled to HTML once at save with the Liquid kept for per-contact rendering) and
// one-off campaigns (a template to a list's consenting contacts of a segment and personas), whose send job keeps its
// place (the last contact id handed to the outbox) so that it resumes where it stopped after a pause or a crash.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table templates (
    workspace_id uuid not null references workspaces(id),
    id uuid not null,
    key text not null,
    name text not null,
    kind text not null,
    subject text not null,
    body_format text not null,
    body text not null,
    text_part text,
    compiled_html text not null,
    compiled_text text not null,
    variables text[] not null default '{}',
    created_at timestamptz not null,
    updated_at timestamptz not null,
    archived_at timestamptz,
    primary key (workspace_id, id)
  )`.execute(db);
  await sql`create unique index templates_key on templates (workspace_id, key)`.execute(db);
  await sql`create table campaigns (
    workspace_id uuid not null references workspaces(id),
    id uuid not null,
    name text not null,
    template_id uuid not null,
    list_id uuid not null,
    segment_id uuid,
    personas text[] not null default '{}',
    status text not null,
    scheduled_at timestamptz,
    started_at timestamptz,
    finished_at timestamptz,
    paused_at timestamptz,
    pause_reason text,
    cursor_contact_id uuid,
    processed integer not null default 0,
    queued integer not null default 0,
    excluded integer not null default 0,
    duplicates integer not null default 0,
    locked_until timestamptz,
    created_by text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (workspace_id, id),
    foreign key (workspace_id, template_id) references templates (workspace_id, id)
  )`.execute(db);
  // The send job reads only campaigns that are due or under way.
  await sql`create index campaigns_active on campaigns (status, scheduled_at) where status in ('scheduled', 'sending')`.execute(db);
  await sql`create index campaigns_list on campaigns (workspace_id, created_at desc)`.execute(db);
}
