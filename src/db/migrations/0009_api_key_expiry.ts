import { type Kysely, sql } from 'kysely';

// API keys may expire: chosen when the key is created, never extended (create a new key instead). Null: never.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_keys add column expires_at timestamptz`.execute(db);
}
