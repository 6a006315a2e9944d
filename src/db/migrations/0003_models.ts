import { type Kysely, sql } from 'kysely';

// Engagement models (versioned, governed), the engine's per-account state and moment instances.
// Every key starts with workspace_id so the tables can be distributed by workspace (Citus).
const statements = [
  sql`create table models (
    workspace_id uuid not null references workspaces(id),
    id uuid not null,
    key text not null,
    name text not null,
    active_version_id uuid,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (workspace_id, id),
    unique (workspace_id, key)
  )`,
  sql`create table model_versions (
    workspace_id uuid not null,
    id uuid not null,
    model_id uuid not null,
    version integer not null,
    status text not null check (status in ('draft','approved','active','retired')),
    definition jsonb not null,
    source text not null,
    source_format text not null check (source_format in ('yaml','json')),
    author_type text not null,
    author_id uuid,
    author_name text not null,
    approver_id uuid,
    approver_name text,
    approved_at timestamptz,
    activated_at timestamptz,
    retired_at timestamptz,
    -- set when a newer version was activated: accounts engaged under this one keep it
    superseded_by uuid,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (workspace_id, id),
    unique (workspace_id, model_id, version),
    foreign key (workspace_id, model_id) references models (workspace_id, id) on delete cascade
  )`,
  sql`create unique index model_versions_one_active on model_versions (workspace_id, model_id) where status = 'active'`,
  // Immutability is enforced by the database too: only a draft's definition can change.
  sql`create function model_versions_immutable() returns trigger language plpgsql as $$
    begin
      if old.status <> 'draft' and (new.definition is distinct from old.definition or new.source is distinct from old.source) then
        raise exception 'model version % is % and cannot be edited', old.version, old.status using errcode = 'P0001';
      end if;
      return new;
    end $$`,
  sql`create trigger model_versions_immutable before update on model_versions for each row execute function model_versions_immutable()`,
  // One engagement per account: the model version it was engaged under and its current phase.
  sql`create table engagements (
    workspace_id uuid not null,
    account_id uuid not null,
    model_id uuid not null,
    model_version_id uuid not null,
    phase text not null,
    phase_entered_at timestamptz not null,
    engaged_at timestamptz not null,
    ended_at timestamptz,
    primary key (workspace_id, account_id),
    foreign key (workspace_id, account_id) references accounts (workspace_id, id) on delete cascade
  )`,
  sql`create index engagements_version_idx on engagements (workspace_id, model_version_id, phase) where ended_at is null`,
  sql`create table engagement_phases (
    workspace_id uuid not null,
    account_id uuid not null,
    model_version_id uuid not null,
    phase text not null,
    entered_at timestamptz not null,
    exited_at timestamptz,
    primary key (workspace_id, account_id, model_version_id, phase, entered_at),
    foreign key (workspace_id, account_id) references accounts (workspace_id, id) on delete cascade
  )`,
  sql`create table moment_instances (
    workspace_id uuid not null,
    id uuid not null,
    account_id uuid not null,
    model_id uuid not null,
    model_version_id uuid not null,
    moment_id text not null,
    phase text not null,
    rule text not null check (rule in ('scheduled','event','metric','absence','expectation')),
    idempotency_key text not null,
    opened_at timestamptz not null,
    due_at timestamptz not null,
    assignee_role text not null,
    assignee_member_id uuid,
    status text not null check (status in ('open','done','skipped','missed','escalated')),
    evidence jsonb not null default '{}',
    notes text,
    outcome text,
    completed_at timestamptz,
    completed_by text,
    primary key (workspace_id, id),
    foreign key (workspace_id, account_id) references accounts (workspace_id, id) on delete cascade
  )`,
  // Exactly one instance per occurrence, whatever the retries, races and restarts.
  sql`create unique index moment_instances_occurrence_key on moment_instances (workspace_id, idempotency_key)`,
  sql`create index moment_instances_account_idx on moment_instances (workspace_id, account_id, moment_id, opened_at desc)`,
  sql`create index moment_instances_assignee_idx on moment_instances (workspace_id, assignee_member_id, due_at) where status in ('open','escalated')`,
  sql`create index moment_instances_automated_idx on moment_instances (workspace_id, opened_at) where status = 'open' and assignee_role = 'automated'`,
  // How far the streaming evaluation has read the events table, per workspace.
  sql`create table engine_cursors (
    workspace_id uuid not null references workspaces(id),
    name text not null,
    position timestamptz not null,
    primary key (workspace_id, name)
  )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}
