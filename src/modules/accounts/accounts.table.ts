import type { Generated } from 'kysely';
import type { TeamRole } from '../../lib/actor.ts';

export interface AccountsTable {
  workspace_id: string;
  id: string;
  external_id: string | null;
  name: string;
  domain: string | null;
  industry: string | null;
  region: string | null;
  employee_band: string | null;
  offerings: Generated<string[]>;
  tags: Generated<string[]>;
  buying_culture: string | null;
  touch_model: string | null;
  target_digital_type: string | null;
  phase: Generated<string>;
  custom: Generated<Record<string, unknown>>;
  arr: Generated<number>;
  next_renewal_date: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface AccountTeamTable {
  workspace_id: string;
  account_id: string;
  role: TeamRole;
  member_id: string;
}
