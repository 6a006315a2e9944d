import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Actor, ApiKeyScope } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomToken, sha256 } from '../../lib/crypto.ts';
import { invalid, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import type { ApiKeysTable } from './apikeys.table.ts';

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** When the key stops working; null: never. */
  expiresAt: string | null;
}

function toApiKey(row: ApiKeysTable): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
  };
}

/** Creates a key; the secret is returned this once and only its hash is stored. */
export async function createApiKey(
  db: Db,
  clock: Clock,
  actor: Actor,
  input: { name: string; scopes: ApiKeyScope[]; expiresAt?: string | null | undefined },
): Promise<{ apiKey: ApiKey; secret: string }> {
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt.getTime() <= clock.now().getTime()) throw invalid('body.expiresAt', 'must be in the future');
  const prefix = randomToken(6).replace(/[-_]/g, 'x').slice(0, 8);
  const secret = `mk_${prefix}_${randomToken(24)}`;
  return inTransaction(db, async (tx) => {
    const row = await tx
      .insertInto('api_keys')
      .values({
        workspace_id: actor.workspaceId,
        id: newId(),
        name: input.name,
        prefix,
        key_hash: sha256(secret),
        scopes: [...new Set(input.scopes)],
        created_by: actor.type === 'member' ? actor.id : null,
        created_at: clock.now(),
        last_used_at: null,
        revoked_at: null,
        expires_at: expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const apiKey = toApiKey(row);
    await recordAudit(tx, clock, actor, { action: 'api_key.created', entityType: 'api_key', entityId: apiKey.id, after: apiKey });
    return { apiKey, secret };
  });
}

export async function listApiKeys(db: Db, actor: Actor): Promise<ApiKey[]> {
  const rows = await db.selectFrom('api_keys').selectAll().where('workspace_id', '=', actor.workspaceId).orderBy('created_at', 'desc').execute();
  return rows.map(toApiKey);
}

export async function revokeApiKey(db: Db, clock: Clock, actor: Actor, id: string): Promise<ApiKey> {
  return inTransaction(db, async (tx) => {
    const row = await tx
      .updateTable('api_keys')
      .set({ revoked_at: clock.now() })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('Active API key');
    const apiKey = toApiKey(row);
    await recordAudit(tx, clock, actor, { action: 'api_key.revoked', entityType: 'api_key', entityId: id, after: apiKey });
    return apiKey;
  });
}

/** Resolves a presented key to its actor; undefined when unknown or revoked, `{ expiredAt }` once past its expiry. */
export async function findApiKeyActor(db: Db, clock: Clock, secret: string): Promise<Actor | { expiredAt: string } | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', sha256(secret)).where('revoked_at', 'is', null).executeTakeFirst();
  if (!row) return undefined;
  const now = clock.now();
  if (row.expires_at && row.expires_at.getTime() <= now.getTime()) return { expiredAt: row.expires_at.toISOString() };
  // At most one write a minute per key, not one per request: the console shows the time to the minute.
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) {
    await db.updateTable('api_keys').set({ last_used_at: now }).where('workspace_id', '=', row.workspace_id).where('id', '=', row.id).execute();
  }
  return {
    workspaceId: row.workspace_id,
    type: 'api_key',
    id: row.id,
    name: `API key ${row.name}`,
    roles: row.scopes.includes('admin') ? ['admin'] : [],
    scopes: row.scopes,
  };
}
