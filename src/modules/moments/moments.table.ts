import type { ColumnType, Generated } from 'kysely';

export const instanceStatuses = ['open', 'done', 'skipped', 'missed', 'escalated'] as const;
export type InstanceStatus = (typeof instanceStatuses)[number];

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
