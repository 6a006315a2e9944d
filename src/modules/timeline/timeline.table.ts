export interface TimelineEntriesTable {
  workspace_id: string;
  id: string;
  account_id: string;
  contact_id: string | null;
  occurred_at: Date;
  kind: string;
  channel: string;
  digital: boolean;
  actor_type: string;
  actor_name: string;
  summary: string;
  created_at: Date;
}
