import { type Kysely, sql } from 'kysely';

// Outbound webhooks: a workspace's endpoints, one delivery per (endpoint, event) fanned out from the event stream, each
// attempt recorded, and a cursor per workspace into the events table. Endpoints are soft-deleted so that their delivery
// log stays readable and a replay of one of their deliveries can say why it is refused.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table webhook_endpoints (
    workspace_id uuid not null references workspaces(id),
    id uuid not null,
    url text not null,
    description text not null default '',
    events text[],
    secret text not null,
    previous_secret text,
    previous_secret_expires_at timestamptz,
    enabled boolean not null default true,
    disabled_at timestamptz,
    disabled_reason text,
    failing_since timestamptz,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz,
    primary key (workspace_id, id)
  )`.execute(db);
  await sql`create table webhook_deliveries (
    workspace_id uuid not null,
    id uuid not null,
    endpoint_id uuid not null,
    event_id uuid not null,
    event_name text not null,
    lane text not null,
    event_at timestamptz not null,
    message_id text not null,
    payload jsonb not null,
    status text not null,
    attempts integer not null default 0,
    next_attempt_at timestamptz,
    locked_until timestamptz,
    first_attempt_at timestamptz,
    last_attempt_at timestamptz,
    response_status integer,
    response_ms integer,
    response_body text,
    error text,
    replay_of uuid,
    created_at timestamptz not null,
    finished_at timestamptz,
    primary key (workspace_id, id),
    foreign key (workspace_id, endpoint_id) references webhook_endpoints (workspace_id, id)
  )`.execute(db);
  // One delivery per endpoint and event (replays are extra rows): re-reading the stream behind the cursor adds nothing twice.
  await sql`create unique index webhook_deliveries_event on webhook_deliveries (workspace_id, endpoint_id, event_id) where replay_of is null`.execute(db);
  // The head of each lane (endpoint, account) among pending deliveries, in event order.
  await sql`create index webhook_deliveries_pending on webhook_deliveries (endpoint_id, lane, event_at, id) where status = 'pending'`.execute(db);
  await sql`create index webhook_deliveries_log on webhook_deliveries (workspace_id, endpoint_id, created_at desc)`.execute(db);
  await sql`create table webhook_attempts (
    workspace_id uuid not null,
    delivery_id uuid not null,
    attempt integer not null,
    at timestamptz not null,
    url text not null,
    request_headers jsonb not null,
    response_status integer,
    response_ms integer not null,
    response_body text,
    error text,
    primary key (workspace_id, delivery_id, attempt),
    foreign key (workspace_id, delivery_id) references webhook_deliveries (workspace_id, id) on delete cascade
  )`.execute(db);
  await sql`create table webhook_cursors (
    workspace_id uuid primary key references workspaces(id),
    position timestamptz not null
  )`.execute(db);
}
