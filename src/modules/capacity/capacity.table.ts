export interface RoleCapacityTable {
  workspace_id: string;
  role: string;
  hours_per_member: number;
  updated_at: Date;
}
