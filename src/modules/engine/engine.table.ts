export interface EngagementsTable {
  workspace_id: string;
  account_id: string;
  model_id: string;
  model_version_id: string;
  phase: string;
  phase_entered_at: Date;
  engaged_at: Date;
  ended_at: Date | null;
}

export interface EngagementPhasesTable {
  workspace_id: string;
  account_id: string;
  model_version_id: string;
  phase: string;
  entered_at: Date;
  exited_at: Date | null;
}

export interface EngineCursorsTable {
  workspace_id: string;
  name: string;
  position: Date;
}
