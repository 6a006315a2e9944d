import { type Kysely, sql } from 'kysely';

// Streaming evaluation looks up the events of one name received since its last run; without this index it read every
// event received in the window and filtered by name, so its cost grew with the ingest rate.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index events_name_received_idx on events (workspace_id, name, received_at)`.execute(db);
}
