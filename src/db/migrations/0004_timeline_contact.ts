import { type Kysely, sql } from 'kysely';

// A timeline entry keeps its interaction when its contact is deleted, but no longer points at a contact that is gone.
const statements = [
  sql`alter table timeline_entries add foreign key (workspace_id, contact_id) references contacts (workspace_id, id) on delete set null (contact_id)`,
  sql`create index timeline_contact_idx on timeline_entries (workspace_id, contact_id) where contact_id is not null`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}
