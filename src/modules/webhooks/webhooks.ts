import { type Selectable, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, invalid, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import type {
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryDetail,
  WebhookEndpoint,
  WebhookEndpointUpdate,
  WebhookSecretResult,
  WebhookTestResult,
} from './webhooks.schema.ts';
import { newSigningSecret, type PrivateTargets, postWebhook, RefusedTarget, resolveTarget, type SendOptions, signWebhook } from './webhooks.send.ts';
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from './webhooks.table.ts';

/** How the API checks a URL when it is registered (deliveries check again at every send). */
export interface TargetCheck {
  allowPrivate: PrivateTargets;
  /** Resolve the host now (default true); a host that does not resolve yet is accepted, a private one is not. */
  resolve?: boolean;
}

function toEndpoint(row: WebhookEndpointsTable, pending: number, now: Date): WebhookEndpoint {
  const rotating = row.previous_secret_expires_at && row.previous_secret_expires_at.getTime() > now.getTime();
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    enabled: row.enabled,
    disabledAt: row.enabled ? null : (row.disabled_at?.toISOString() ?? null),
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since?.toISOString() ?? null,
    secretHint: `${row.secret.slice(0, 10)}…`,
    previousSecretExpiresAt: rotating ? (row.previous_secret_expires_at?.toISOString() ?? null) : null,
    pending,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

async function pendingCounts(db: Db, workspaceId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select(['endpoint_id', sql<number>`count(*)::int`.as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'pending')
    .groupBy('endpoint_id')
    .execute();
  return new Map(rows.map((r) => [r.endpoint_id, r.n]));
}

async function checkUrl(url: string, check: TargetCheck): Promise<void> {
  if (check.resolve === false) return;
  try {
    // A slow resolver must not hold the request: the send-time check is the one that protects.
    await Promise.race([resolveTarget(new URL(url), check.allowPrivate), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
  } catch (error) {
    if (error instanceof RefusedTarget) throw invalid('body.url', error.message);
  }
}

async function findRow(db: Db, workspaceId: string, id: string): Promise<WebhookEndpointsTable | undefined> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

async function getRow(db: Db, workspaceId: string, id: string): Promise<WebhookEndpointsTable> {
  const row = await findRow(db, workspaceId, id);
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

export async function listWebhookEndpoints(db: Db, clock: Clock, actor: Actor): Promise<WebhookEndpoint[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .execute();
  const pending = await pendingCounts(db, actor.workspaceId);
  return rows.map((r) => toEndpoint(r, pending.get(r.id) ?? 0, clock.now()));
}

export async function getWebhookEndpoint(db: Db, clock: Clock, actor: Actor, id: string): Promise<WebhookEndpoint> {
  const row = await getRow(db, actor.workspaceId, id);
  return toEndpoint(row, (await pendingCounts(db, actor.workspaceId)).get(id) ?? 0, clock.now());
}

/** Registers an endpoint; its signing secret is returned this once. */
export async function createWebhookEndpoint(
  db: Db,
  clock: Clock,
  actor: Actor,
  input: { url: string; description?: string | undefined; events?: string[] | null | undefined; enabled?: boolean },
  check: TargetCheck,
): Promise<WebhookSecretResult> {
  await checkUrl(input.url, check);
  const now = clock.now();
  const secret = newSigningSecret();
  const enabled = input.enabled ?? true;
  return inTransaction(db, async (tx) => {
    const row = await tx
      .insertInto('webhook_endpoints')
      .values({
        workspace_id: actor.workspaceId,
        id: newId(),
        url: input.url,
        description: input.description ?? '',
        events: input.events ?? null,
        secret,
        previous_secret: null,
        previous_secret_expires_at: null,
        enabled,
        disabled_at: enabled ? null : now,
        disabled_reason: enabled ? null : `Disabled by ${actor.name}`,
        failing_since: null,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const endpoint = toEndpoint(row, 0, now);
    await recordAudit(tx, clock, actor, { action: 'webhook_endpoint.created', entityType: 'webhook_endpoint', entityId: row.id, after: endpoint });
    return { endpoint, secret };
  });
}

export async function updateWebhookEndpoint(
  db: Db,
  clock: Clock,
  actor: Actor,
  id: string,
  input: Omit<WebhookEndpointUpdate, 'events'> & { events?: string[] | null | undefined },
  check: TargetCheck,
): Promise<WebhookEndpoint> {
  if (input.url !== undefined) await checkUrl(input.url, check);
  const now = clock.now();
  return inTransaction(db, async (tx) => {
    const before = await getRow(tx, actor.workspaceId, id);
    const set: Partial<WebhookEndpointsTable> = { updated_at: now };
    if (input.url !== undefined) set.url = input.url;
    if (input.description !== undefined) set.description = input.description;
    if (input.events !== undefined) set.events = input.events;
    if (input.enabled === false && before.enabled) Object.assign(set, { enabled: false, disabled_at: now, disabled_reason: `Disabled by ${actor.name}` });
    if (input.enabled === true && !before.enabled) {
      Object.assign(set, { enabled: true, disabled_at: now, disabled_reason: null, failing_since: null });
      // Deliveries that waited while it was disabled go out now; their retries resume where they were.
      await tx
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: now, first_attempt_at: null })
        .where('workspace_id', '=', actor.workspaceId)
        .where('endpoint_id', '=', id)
        .where('status', '=', 'pending')
        .execute();
    }
    const row = await tx
      .updateTable('webhook_endpoints')
      .set(set)
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const pending = (await pendingCounts(tx, actor.workspaceId)).get(id) ?? 0;
    const after = toEndpoint(row, pending, now);
    await recordAudit(tx, clock, actor, {
      action: input.enabled === false && before.enabled ? 'webhook_endpoint.disabled' : 'webhook_endpoint.updated',
      entityType: 'webhook_endpoint',
      entityId: id,
      before: toEndpoint(before, pending, now),
      after,
    });
    return after;
  });
}

/** Deletes an endpoint: nothing more is sent, waiting deliveries are given up; its delivery log stays readable. */
export async function deleteWebhookEndpoint(db: Db, clock: Clock, actor: Actor, id: string): Promise<void> {
  const now = clock.now();
  await inTransaction(db, async (tx) => {
    const before = await getRow(tx, actor.workspaceId, id);
    await tx
      .updateTable('webhook_endpoints')
      .set({ deleted_at: now, enabled: false, updated_at: now })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .execute();
    await tx
      .updateTable('webhook_deliveries')
      .set({ status: 'failed', error: 'endpoint deleted', next_attempt_at: null, finished_at: now })
      .where('workspace_id', '=', actor.workspaceId)
      .where('endpoint_id', '=', id)
      .where('status', '=', 'pending')
      .execute();
    await recordAudit(tx, clock, actor, {
      action: 'webhook_endpoint.deleted',
      entityType: 'webhook_endpoint',
      entityId: id,
      before: toEndpoint(before, 0, now),
    });
  });
}

/** A new signing secret (returned this once); the previous one keeps signing for graceHours, so receivers can switch. */
export async function rotateWebhookSecret(db: Db, clock: Clock, actor: Actor, id: string, input: { graceHours: number }): Promise<WebhookSecretResult> {
  const now = clock.now();
  const secret = newSigningSecret();
  return inTransaction(db, async (tx) => {
    const before = await getRow(tx, actor.workspaceId, id);
    const row = await tx
      .updateTable('webhook_endpoints')
      .set({
        secret,
        previous_secret: input.graceHours > 0 ? before.secret : null,
        previous_secret_expires_at: input.graceHours > 0 ? new Date(now.getTime() + input.graceHours * 3600_000) : null,
        updated_at: now,
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const endpoint = toEndpoint(row, (await pendingCounts(tx, actor.workspaceId)).get(id) ?? 0, now);
    await recordAudit(tx, clock, actor, {
      action: 'webhook_endpoint.secret_rotated',
      entityType: 'webhook_endpoint',
      entityId: id,
      before: { secretHint: `${before.secret.slice(0, 10)}…` },
      after: { secretHint: endpoint.secretHint, previousSecretExpiresAt: endpoint.previousSecretExpiresAt },
    });
    return { endpoint, secret };
  });
}

/**
 * Sends a signed "Webhook Test" message to an endpoint now (enabled or not), with the same signing and address checks
 * as deliveries, and says what came back: to check a receiver's verification before relying on it.
 */
export async function sendTestWebhook(db: Db, clock: Clock, actor: Actor, id: string, options: SendOptions): Promise<WebhookTestResult> {
  const row = await getRow(db, actor.workspaceId, id);
  const at = clock.now();
  const messageId = `msg_test_${newId().replaceAll('-', '')}`;
  const body = JSON.stringify({ type: 'Webhook Test', timestamp: at.toISOString(), data: { endpointId: id, sentBy: actor.name } });
  const result = await postWebhook(row.url, signWebhook(signingSecrets(row, at), messageId, at, body), body, options);
  const ok = result.status !== null && result.status >= 200 && result.status < 300;
  const outcome: WebhookTestResult = {
    ok,
    messageId,
    responseStatus: result.status,
    responseMs: result.ms,
    responseBody: result.body,
    error: ok ? null : (result.error ?? `answered ${result.status}`),
  };
  await recordAudit(db, clock, actor, { action: 'webhook_endpoint.tested', entityType: 'webhook_endpoint', entityId: id, after: outcome });
  return outcome;
}

/** The secrets that sign now: the current one, and the previous one during a rotation's grace period. */
export function signingSecrets(row: Pick<WebhookEndpointsTable, 'secret' | 'previous_secret' | 'previous_secret_expires_at'>, now: Date): string[] {
  const previous = row.previous_secret && row.previous_secret_expires_at && row.previous_secret_expires_at.getTime() > now.getTime();
  return previous ? [row.secret, row.previous_secret as string] : [row.secret];
}

function toDelivery(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventName: row.event_name,
    messageId: row.message_id,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? (row.next_attempt_at?.toISOString() ?? null) : null,
    lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
    responseStatus: row.response_status,
    responseMs: row.response_ms,
    error: row.error,
    replayOf: row.replay_of,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

function toAttempt(row: Selectable<WebhookAttemptsTable>): WebhookAttempt {
  return {
    attempt: row.attempt,
    at: row.at.toISOString(),
    url: row.url,
    requestHeaders: row.request_headers,
    responseStatus: row.response_status,
    responseMs: row.response_ms,
    responseBody: row.response_body,
    error: row.error,
  };
}

/** An endpoint's deliveries, newest first (status, attempts, last answer, next retry). */
export async function listWebhookDeliveries(
  db: Db,
  actor: Actor,
  endpointId: string,
  query: { status?: WebhookDelivery['status'] | undefined; limit: number },
): Promise<WebhookDelivery[]> {
  await getRow(db, actor.workspaceId, endpointId);
  let q = db.selectFrom('webhook_deliveries').selectAll().where('workspace_id', '=', actor.workspaceId).where('endpoint_id', '=', endpointId);
  if (query.status) q = q.where('status', '=', query.status);
  const rows = await q.orderBy('created_at', 'desc').orderBy('event_at', 'desc').limit(query.limit).execute();
  return rows.map(toDelivery);
}

/** One delivery with the payload sent and every attempt (request headers, response, timing). */
export async function getWebhookDelivery(db: Db, actor: Actor, id: string): Promise<WebhookDeliveryDetail> {
  const row = await db.selectFrom('webhook_deliveries').selectAll().where('workspace_id', '=', actor.workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Webhook delivery');
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('delivery_id', '=', id)
    .orderBy('attempt')
    .execute();
  return { ...toDelivery(row), payload: row.payload as Record<string, unknown>, attemptLog: attempts.map(toAttempt) };
}

/**
 * Sends a delivery's event again, as a new delivery of the same message (same webhook-id, so receivers can tell),
 * out of its account's order: a replay is a member's decision about one event. The endpoint must still exist.
 */
export async function replayWebhookDelivery(db: Db, clock: Clock, actor: Actor, id: string): Promise<WebhookDelivery> {
  const now = clock.now();
  return inTransaction(db, async (tx) => {
    const original = await tx
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!original) throw notFound('Webhook delivery');
    const endpoint = await tx
      .selectFrom('webhook_endpoints')
      .select(['deleted_at', 'enabled'])
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', original.endpoint_id)
      .executeTakeFirstOrThrow();
    if (endpoint.deleted_at) {
      throw new AppError('conflict', `The endpoint of this delivery was deleted on ${endpoint.deleted_at.toISOString()}: there is nowhere to replay it`);
    }
    if (original.status === 'pending') throw new AppError('conflict', 'This delivery is still being sent: wait for it to be delivered or given up');
    const replayId = newId();
    const row = await tx
      .insertInto('webhook_deliveries')
      .values({
        workspace_id: actor.workspaceId,
        id: replayId,
        endpoint_id: original.endpoint_id,
        event_id: original.event_id,
        event_name: original.event_name,
        lane: `replay:${replayId}`,
        event_at: original.event_at,
        message_id: original.message_id,
        payload: JSON.stringify(original.payload),
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        locked_until: null,
        first_attempt_at: null,
        last_attempt_at: null,
        response_status: null,
        response_ms: null,
        response_body: null,
        error: endpoint.enabled ? null : 'waiting: the endpoint is disabled',
        replay_of: original.id,
        created_at: now,
        finished_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, clock, actor, {
      action: 'webhook_delivery.replayed',
      entityType: 'webhook_delivery',
      entityId: replayId,
      after: { replayOf: original.id, endpointId: original.endpoint_id, eventName: original.event_name },
    });
    return toDelivery(row);
  });
}
