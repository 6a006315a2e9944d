import type { Generated } from 'kysely';

export interface ContractsTable {
  workspace_id: string;
  id: string;
  account_id: string;
  external_id: string | null;
  name: string;
  status: 'draft' | 'active' | 'expired' | 'cancelled';
  start_date: string;
  end_date: string;
  renewal_date: string | null;
  auto_renew: Generated<boolean>;
  currency: Generated<string>;
  services: Generated<string[]>;
  support_entitlement: string | null;
  arr: Generated<number>;
  created_at: Date;
  updated_at: Date;
}

export interface ContractLineItemsTable {
  workspace_id: string;
  contract_id: string;
  position: number;
  offering: string;
  quantity: number;
  unit_price: number;
  billing: 'recurring' | 'one_off';
  renewable: Generated<boolean>;
}
