import type { ApiKeyScope } from '../../lib/actor.ts';

export interface ApiKeysTable {
  workspace_id: string;
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: ApiKeyScope[];
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  /** After this instant the key is refused (0009); null: never expires. */
  expires_at: Date | null;
}
