import type { ColumnType, Generated } from 'kysely';

type Json = ColumnType<Record<string, unknown>, string, string>;

export interface EventsTable {
  workspace_id: string;
  id: string;
  source: string;
  message_id: string;
  type: string;
  name: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  group_id: string | null;
  contact_id: string | null;
  account_id: string | null;
  properties: Json;
  traits: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  context: Json;
  timestamp: Date;
  original_timestamp: Date | null;
  sent_at: Date | null;
  received_at: Date;
  future: Generated<boolean>;
  channel: string;
  digital: boolean;
}

export interface EventIdentitiesTable {
  workspace_id: string;
  kind: 'user' | 'anonymous';
  external_id: string;
  user_id: string | null;
  contact_id: string | null;
  account_id: string | null;
  updated_at: Date;
}

export interface EventRollupsTable {
  workspace_id: string;
  account_id: string;
  day: string;
  name: string;
  user_key: string;
  count: number;
  last_at: Date;
}

export interface EventSummedPropertiesTable {
  workspace_id: string;
  name: string;
  property: string;
}

export interface EventPropertySumsTable {
  workspace_id: string;
  account_id: string;
  day: string;
  name: string;
  property: string;
  sum: number;
}
