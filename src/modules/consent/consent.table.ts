import type { Generated } from 'kysely';

export type OptIn = 'single' | 'double';

export interface MailingListsTable {
  workspace_id: string;
  id: string;
  /** Slug used by model files and forms (`onboarding-tips`). */
  key: string;
  name: string;
  description: Generated<string>;
  opt_in: OptIn;
  /** Offered on subscribe pages and in the preference centre. */
  public: Generated<boolean>;
  /** What a contact is shown when subscribing; each change bumps the version the ledger records. */
  wording: string;
  wording_version: Generated<number>;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}

export type ConsentAction = 'requested' | 'granted' | 'withdrawn';

export interface ConsentRecordsTable {
  workspace_id: string;
  id: string;
  /** Order of records (ties in `at` included): the latest decides the status. */
  seq: Generated<string>;
  /** Null once the contact is erased: the record then stands for the address hash alone. */
  contact_id: string | null;
  address_hash: string;
  /** `list:<list id>` or `service`. */
  purpose: string;
  action: ConsentAction;
  method: string;
  wording: string | null;
  wording_version: number | null;
  source_ip: string | null;
  user_agent: string | null;
  proof: string | null;
  recorded_by: string;
  recorded_by_member_id: string | null;
  at: Date;
}

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'erasure' | 'manual';

export interface SuppressionsTable {
  workspace_id: string;
  address_hash: string;
  /** Null for an erasure: only the hash is kept. */
  address: string | null;
  reason: SuppressionReason;
  detail: Generated<string>;
  created_at: Date;
  created_by: string;
}

/** One double opt-in confirmation email sent: its id is the signed link's id and, once used, the grant's proof. */
export interface ConsentConfirmationsTable {
  workspace_id: string;
  id: string;
  list_id: string;
  contact_id: string;
  address_hash: string;
  created_at: Date;
  expires_at: Date;
  confirmed_at: Date | null;
}
