export interface MetricDefinitionsTable {
  workspace_id: string;
  id: string;
  key: string;
  label: string;
  kind: 'count' | 'distinct_users' | 'sum' | 'last_seen';
  event_name: string;
  property: string | null;
  created_at: Date;
  updated_at: Date;
}
