export interface ReleasesTable {
  workspace_id: string;
  id: string;
  name: string;
  released_on: string;
  offerings: string[];
  notes_url: string | null;
  audience_persona: string | null;
  description: string;
  published_at: Date | null;
  published_by: string | null;
  accounts_reached: number | null;
  created_at: Date;
  updated_at: Date;
}
