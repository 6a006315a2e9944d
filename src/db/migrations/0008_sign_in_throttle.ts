import { type Kysely, sql } from 'kysely';

// Failed sign-ins per email and per client address, shared by every server copy. Keyed before any workspace is known
// (sign-in is what finds it), so this table is not distributed by workspace: a reference table under Citus.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table sign_in_failures (
    key text primary key,
    failures integer not null,
    first_at timestamptz not null,
    last_at timestamptz not null,
    locked_until timestamptz
  )`.execute(db);
}
