export interface WorkspacesTable {
  id: string;
  name: string;
  postal_address: string;
  created_at: Date;
}
