import type { Generated } from 'kysely';

export interface AuditLogTable {
  workspace_id: string;
  id: Generated<number>;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  actor_name: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: unknown;
  after: unknown;
}
