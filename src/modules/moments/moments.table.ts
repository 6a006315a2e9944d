import type { ColumnType, Generated } from 'kysely';

import type { InstanceStatus, MomentRule } from './moments.schema.ts';

export { type InstanceStatus, instanceStatuses } from './moments.schema.ts';

export interface MomentInstancesTable {
  workspace_id: string;
  id: string;
  account_id: string;
  /** Null for an ad-hoc task (rule 'task'). */
  model_id: string | null;
  model_version_id: string | null;
  moment_id: string;
  phase: string;
  rule: MomentRule;
  idempotency_key: string;
  opened_at: Date;
  due_at: Date;
  assignee_role: string;
  assignee_member_id: string | null;
  status: InstanceStatus;
  evidence: Generated<ColumnType<Record<string, unknown>, string, string>>;
  notes: string | null;
  outcome: string | null;
  completed_at: Date | null;
  completed_by: string | null;
  /** An ad-hoc task's own title, description and channel, and the member who created it. */
  title: string | null;
  description: string | null;
  channel: string | null;
  created_by: string | null;
}
