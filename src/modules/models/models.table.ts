import type { ColumnType } from 'kysely';
import type { ModelDefinition, VersionStatus } from './models.schema.ts';

export interface ModelsTable {
  workspace_id: string;
  id: string;
  key: string;
  name: string;
  active_version_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ModelVersionsTable {
  workspace_id: string;
  id: string;
  model_id: string;
  version: number;
  status: VersionStatus;
  definition: ColumnType<ModelDefinition, string, string>;
  source: string;
  source_format: 'yaml' | 'json';
  author_type: string;
  author_id: string | null;
  author_name: string;
  approver_id: string | null;
  approver_name: string | null;
  approved_at: Date | null;
  activated_at: Date | null;
  retired_at: Date | null;
  superseded_by: string | null;
  created_at: Date;
  updated_at: Date;
}
