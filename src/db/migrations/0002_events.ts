import { type Kysely, sql } from 'kysely';

// Activity data (events) and derived data (metrics). Every key starts with workspace_id, and the
// event keys keep account_id where it is known, so these tables can be distributed by workspace (Citus).
const statements = [
  // Raw events: Segment calls and Momentum's own interactions. id is a UUIDv7 (time-ordered: appends to the primary key).
  // No foreign keys on events: each one is a lookup per inserted row on the hottest write path.
  sql`create table events (
    workspace_id uuid not null,
    id uuid not null,
    source text not null,
    message_id text not null,
    type text not null check (type in ('track','identify','group','page','screen','alias','interaction')),
    name text,
    user_id text,
    anonymous_id text,
    group_id text,
    contact_id uuid,
    account_id uuid,
    properties jsonb not null default '{}',
    traits jsonb,
    context jsonb not null default '{}',
    timestamp timestamptz not null,
    original_timestamp timestamptz,
    sent_at timestamptz,
    received_at timestamptz not null,
    future boolean not null default false,
    channel text not null,
    digital boolean not null,
    primary key (workspace_id, id)
  )`,
  // Idempotency: a messageId from one source (an API key, or a Momentum module) is stored once for as long as the event is kept.
  sql`create unique index events_message_key on events (workspace_id, source, message_id)`,
  sql`create index events_account_idx on events (workspace_id, account_id, timestamp desc) where account_id is not null`,
  // Events not yet attached to an account, found again when their user is identified or grouped.
  sql`create index events_unattached_user_idx on events (workspace_id, user_id) where account_id is null and user_id is not null`,
  sql`create index events_unattached_anonymous_idx on events (workspace_id, anonymous_id) where account_id is null and anonymous_id is not null`,
  // Retention deletes by receipt time across workspaces.
  sql`create index events_received_idx on events (received_at)`,
  // Who a Segment userId or anonymousId is: its contact and account, learnt from identify, group and alias.
  sql`create table event_identities (
    workspace_id uuid not null references workspaces(id),
    kind text not null check (kind in ('user','anonymous')),
    external_id text not null,
    user_id text,
    contact_id uuid,
    account_id uuid,
    updated_at timestamptz not null,
    primary key (workspace_id, kind, external_id)
  )`,
  // Daily rollup per account, event name and user: counts, distinct users and last seen without rescanning raw events.
  sql`create table event_rollups (
    workspace_id uuid not null,
    account_id uuid not null,
    day date not null,
    name text not null,
    user_key text not null,
    count integer not null,
    last_at timestamptz not null,
    primary key (workspace_id, account_id, day, name, user_key)
  )`,
  sql`create index event_rollups_name_idx on event_rollups (workspace_id, name, day)`,
  // Numeric properties summed per day, for the (event, property) pairs that a metric sums.
  sql`create table event_summed_properties (
    workspace_id uuid not null references workspaces(id),
    name text not null,
    property text not null,
    primary key (workspace_id, name, property)
  )`,
  sql`create table event_property_sums (
    workspace_id uuid not null,
    account_id uuid not null,
    day date not null,
    name text not null,
    property text not null,
    sum double precision not null,
    primary key (workspace_id, account_id, day, name, property)
  )`,
  sql`create table metric_definitions (
    workspace_id uuid not null references workspaces(id),
    id uuid not null,
    key text not null,
    label text not null,
    kind text not null check (kind in ('count','distinct_users','sum','last_seen')),
    event_name text not null,
    property text,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (workspace_id, id),
    unique (workspace_id, key),
    check ((kind = 'sum') = (property is not null))
  )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}
