import type { ColumnType, Generated } from 'kysely';

import type { InstanceStatus } from './moments.schema.ts';

export { type InstanceStatus, instanceStatuses } from './moments.schema.ts';

export interface MomentInstancesTable {
  workspace_id: string;
  id: string;
  account_id: string;
  model_id: string;
  model_version_id: string;
  moment_id: string;
  phase: string;
  rule: 'scheduled' | 'event' | 'metric' | 'absence' | 'expectation';
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
}
