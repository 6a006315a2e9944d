import type { Generated } from 'kysely';

export interface CustomFieldsTable {
  workspace_id: string;
  id: string;
  entity: 'account' | 'contact';
  key: string;
  label: string;
  type: 'text' | 'number' | 'boolean' | 'date' | 'select';
  options: Generated<string[]>;
  required: Generated<boolean>;
  created_at: Date;
}
