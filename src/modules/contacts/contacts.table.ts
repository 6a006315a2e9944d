import type { Generated } from 'kysely';

export interface ContactsTable {
  workspace_id: string;
  id: string;
  account_id: string | null;
  external_id: string | null;
  name: string;
  email: string;
  title: string | null;
  phone: string | null;
  persona: Generated<string>;
  left_at: Date | null;
  custom: Generated<Record<string, unknown>>;
  created_at: Date;
  updated_at: Date;
}
