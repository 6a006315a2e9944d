import { type Kysely, sql } from 'kysely';

// Account search matches name or domain anywhere in the text: both need a trigram index, or one OR arm scans the table.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index accounts_domain_trgm_idx on accounts using gin (domain gin_trgm_ops)`.execute(db);
}
