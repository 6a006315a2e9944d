import { type Kysely, sql } from 'kysely';

// The campaign send job asks, before each batch, how many of the campaign's messages are still queued (its backlog
// limit): this index makes that cost the backlog, not the campaign's size.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index messages_source_queued on messages (workspace_id, source_type, source_id) where status = 'queued'`.execute(db);
}
