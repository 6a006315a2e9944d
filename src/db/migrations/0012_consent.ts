import { type Kysely, sql } from 'kysely';

// Consent: lists contacts subscribe to, an append-only ledger of every grant and withdrawal (current status is derived
// from it, never stored), and suppressed addresses. Members gain an opt-out of their daily digest email.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table mailing_lists (
    workspace_id uuid not null references workspaces(id),
    id uuid not null,
    key text not null,
    name text not null,
    description text not null default '',
    opt_in text not null check (opt_in in ('single', 'double')),
    public boolean not null default true,
    wording text not null,
    wording_version integer not null default 1,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    archived_at timestamptz,
    primary key (workspace_id, id)
  )`.execute(db);
  await sql`create unique index mailing_lists_key on mailing_lists (workspace_id, key)`.execute(db);
  await sql`create table consent_records (
    workspace_id uuid not null references workspaces(id),
    id uuid not null,
    seq bigint generated always as identity,
    contact_id uuid,
    address_hash text not null,
    purpose text not null,
    action text not null check (action in ('requested', 'granted', 'withdrawn')),
    method text not null,
    wording text,
    wording_version integer,
    source_ip text,
    user_agent text,
    proof text,
    recorded_by text not null,
    recorded_by_member_id uuid,
    at timestamptz not null,
    primary key (workspace_id, id)
  )`.execute(db);
  // The current status of a (contact, purpose) is its latest record: read newest first.
  await sql`create index consent_records_contact on consent_records (workspace_id, contact_id, purpose, seq desc)`.execute(db);
  // Erased contacts are remembered by the hash of their address only.
  await sql`create index consent_records_address on consent_records (workspace_id, address_hash, purpose, seq desc)`.execute(db);
  await sql`create table suppressions (
    workspace_id uuid not null references workspaces(id),
    address_hash text not null,
    address text,
    reason text not null check (reason in ('hard_bounce', 'complaint', 'erasure', 'manual')),
    detail text not null default '',
    created_at timestamptz not null,
    created_by text not null,
    primary key (workspace_id, address_hash)
  )`.execute(db);
  await sql`alter table members add column digest_email boolean not null default true`.execute(db);
}
