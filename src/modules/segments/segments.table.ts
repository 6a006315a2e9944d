import type { Generated } from 'kysely';

export interface SegmentsTable {
  workspace_id: string;
  id: string;
  name: string;
  description: Generated<string>;
  filter: unknown;
  created_at: Date;
  updated_at: Date;
}
