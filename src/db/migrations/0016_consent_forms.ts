import { type Kysely, sql } from 'kysely';

// Double opt-in confirmations: one row per confirmation email sent (its id is the token's id and the grant's proof).
// It makes a link usable once, lets the subscribe form throttle confirmation mails per address, and is deleted with
// the contact's consent data on erasure.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table consent_confirmations (
    workspace_id uuid not null references workspaces(id),
    id uuid not null,
    list_id uuid not null,
    contact_id uuid not null,
    address_hash text not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    confirmed_at timestamptz,
    primary key (workspace_id, id)
  )`.execute(db);
  // The throttle reads the latest confirmations of an address.
  await sql`create index consent_confirmations_address on consent_confirmations (workspace_id, address_hash, created_at desc)`.execute(db);
  await sql`create index consent_confirmations_contact on consent_confirmations (workspace_id, contact_id)`.execute(db);
}
