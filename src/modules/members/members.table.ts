import type { ColumnType, Generated } from 'kysely';
import type { MemberRole } from '../../lib/actor.ts';

export interface MembersTable {
  workspace_id: string;
  id: string;
  email: string;
  name: string;
  roles: MemberRole[];
  password_hash: string | null;
  disabled_at: Date | null;
  /** The member receives the daily digest of their due and overdue moments. */
  digest_email: Generated<boolean>;
  created_at: Date;
  updated_at: Date;
}

export interface SessionsTable {
  token_hash: string;
  workspace_id: string;
  member_id: string;
  created_at: Date;
  expires_at: Date;
  last_seen_at: ColumnType<Date, Date, Date>;
}

export interface SignInFailuresTable {
  key: string;
  failures: number;
  first_at: Date;
  last_at: Date;
  locked_until: Date | null;
}
