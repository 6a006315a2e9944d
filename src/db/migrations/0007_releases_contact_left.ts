import { type Kysely, sql } from 'kysely';

// Product releases (published to the accounts owning their offerings) and contacts marked as having left their
// company: a sponsor who left no longer counts as the account's sponsor, but the person and their history stay.
const statements = [
  sql`alter table contacts add column left_at timestamptz`,
  sql`create table releases (
    workspace_id uuid not null references workspaces(id),
    id uuid not null,
    name text not null,
    released_on date not null,
    offerings text[] not null,
    notes_url text,
    audience_persona text,
    description text not null default '',
    published_at timestamptz,
    published_by text,
    accounts_reached integer,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (workspace_id, id),
    unique (workspace_id, name)
  )`,
  sql`create index releases_date_idx on releases (workspace_id, released_on desc, id)`,
  // Accounts owning an offering: releases and segments look them up by array overlap.
  sql`create index accounts_offerings_idx on accounts using gin (offerings)`,
  // An account's timeline shows what Momentum recorded by itself beside its interactions, without reading its usage.
  sql`create index events_account_momentum_idx on events (workspace_id, account_id, timestamp desc, id)
    where account_id is not null and source like 'module:%' and source <> 'module:timeline'`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}
