import { type Kysely, sql } from 'kysely';

// The hours each member of a team role gives to customer moments in a month: the forecast sets effort against it.
// A role without a row has the default (capacity.schema.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table role_capacity (
    workspace_id uuid not null references workspaces (id) on delete cascade,
    role text not null,
    hours_per_member integer not null check (hours_per_member between 0 and 744),
    updated_at timestamptz not null,
    primary key (workspace_id, role)
  )`.execute(db);
}
