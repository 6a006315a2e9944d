import { type Kysely, sql } from 'kysely';

// The events.attach-late job re-links the events of identities learnt in the last minutes (a track committed while
// the group call that named its account was committing stays unattached otherwise): it finds them by update time.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index event_identities_updated_idx on event_identities (updated_at)`.execute(db);
}
