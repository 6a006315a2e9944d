import { type Selectable, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { systemActor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { recordAudit } from '../audit/audit.ts';
import { webhookEventNames } from './webhooks.schema.ts';
import { postWebhook, type SendOptions, type SendResult, signWebhook } from './webhooks.send.ts';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from './webhooks.table.ts';
import { signingSecrets } from './webhooks.ts';

/**
 * Delay before retry n (1-based): 1 min doubling to 34 h 8 min; 12 retries after the first attempt, 13 attempts over
 * 68 h 15 min (about 3 days) before a delivery is given up.
 */
export const RETRY_DELAYS_S: readonly number[] = Array.from({ length: 12 }, (_, n) => 60 * 2 ** n);
export const MAX_ATTEMPTS = RETRY_DELAYS_S.length + 1;

/** Late-committing writes are caught by re-reading this far behind the cursor (the unique index absorbs the overlap). */
const LOOKBACK_MS = 60_000;
/** A claimed delivery is someone's for this long (a send is bounded by its timeout, redirects included). */
const LEASE_MS = 2 * 60_000;

const iso = (column: string) => sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/**
 * Turns new events of the webhook catalogue into deliveries, one per subscribed endpoint, set-based per workspace:
 * events since the workspace's cursor (less a lookback), for endpoints enabled since before they arrived.
 */
export async function fanOutWebhookEvents(db: Db, clock: Clock): Promise<number> {
  const asOf = clock.now();
  const workspaces = await db
    .selectFrom('webhook_endpoints')
    .select(['workspace_id', sql<Date>`min(created_at)`.as('first')])
    .where('deleted_at', 'is', null)
    // Disabled endpoints too: the cursor moves on, so the events of a disabled period are not sent when it is enabled.
    .groupBy('workspace_id')
    .execute();
  let created = 0;
  for (const { workspace_id: ws, first } of workspaces) {
    const cursor = await db.selectFrom('webhook_cursors').select('position').where('workspace_id', '=', ws).executeTakeFirst();
    const from = new Date(Math.min((cursor?.position ?? first).getTime(), asOf.getTime()) - LOOKBACK_MS);
    const inserted = await sql`
      insert into webhook_deliveries (workspace_id, id, endpoint_id, event_id, event_name, lane, event_at, message_id, payload, status, attempts,
        next_attempt_at, created_at)
      select e.workspace_id, gen_random_uuid(), w.id, e.id, e.name, coalesce(e.account_id::text, e.id::text), e.received_at,
        'msg_' || replace(e.id::text, '-', ''),
        jsonb_build_object('type', e.name, 'timestamp', ${iso('e.timestamp')}, 'data', jsonb_build_object(
          'eventId', e.id,
          'account', case when a.id is null then null else jsonb_build_object('id', a.id, 'name', a.name, 'externalId', a.external_id) end,
          'contactId', e.contact_id,
          'receivedAt', ${iso('e.received_at')},
          'properties', e.properties)),
        'pending', 0, ${asOf}::timestamptz, ${asOf}::timestamptz
      from events e
      join webhook_endpoints w on w.workspace_id = e.workspace_id and w.deleted_at is null and w.enabled
        and e.received_at >= coalesce(w.disabled_at, w.created_at) and (w.events is null or e.name = any(w.events))
      left join accounts a on a.workspace_id = e.workspace_id and a.id = e.account_id
      where e.workspace_id = ${ws}::uuid and e.received_at > ${from}::timestamptz and e.received_at <= ${asOf}::timestamptz
        and e.source like 'module:%' and e.name in (${sql.join(webhookEventNames)})
      on conflict do nothing`.execute(db);
    created += Number(inserted.numAffectedRows ?? 0);
    await db
      .insertInto('webhook_cursors')
      .values({ workspace_id: ws, position: asOf })
      .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ position: sql`greatest(webhook_cursors.position, excluded.position)` }))
      .execute();
  }
  return created;
}

/**
 * Claims due deliveries that head their lane: a lane (endpoint and account) sends one delivery at a time, in event
 * order, and a later one waits until the one before is delivered or given up. Claims are leases, so two workers
 * never send the same delivery at once and a crashed worker's claim lapses.
 */
async function claimDue(db: Db, now: Date, limit: number): Promise<Selectable<WebhookDeliveriesTable>[]> {
  const claimed = await sql<Selectable<WebhookDeliveriesTable>>`
    with heads as (
      select distinct on (endpoint_id, lane) workspace_id, id, endpoint_id, next_attempt_at, locked_until
      from webhook_deliveries where status = 'pending'
      order by endpoint_id, lane, event_at, event_id
    ), due as (
      select h.workspace_id, h.id from heads h
      join webhook_endpoints w on w.workspace_id = h.workspace_id and w.id = h.endpoint_id
      where w.enabled and w.deleted_at is null and h.next_attempt_at <= ${now}::timestamptz
        and (h.locked_until is null or h.locked_until < ${now}::timestamptz)
      order by h.next_attempt_at limit ${limit}
    )
    update webhook_deliveries d set locked_until = ${new Date(now.getTime() + LEASE_MS)}::timestamptz
    from due where d.workspace_id = due.workspace_id and d.id = due.id and d.status = 'pending'
      and (d.locked_until is null or d.locked_until < ${now}::timestamptz)
    returning d.*`.execute(db);
  return claimed.rows;
}

type Outcome = 'delivered' | 'retry' | 'failed';

async function attempt(db: Db, clock: Clock, delivery: Selectable<WebhookDeliveriesTable>, options: SendOptions): Promise<Outcome> {
  const endpoint = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('workspace_id', '=', delivery.workspace_id)
    .where('id', '=', delivery.endpoint_id)
    .executeTakeFirstOrThrow();
  const at = clock.now();
  const body = JSON.stringify(delivery.payload);
  const headers = signWebhook(signingSecrets(endpoint, at), delivery.message_id, at, body);
  const result = await postWebhook(endpoint.url, headers, body, options);
  const now = clock.now();
  const attempts = delivery.attempts + 1;
  const ok = result.status !== null && result.status >= 200 && result.status < 300;
  const gone = result.status === 410;
  const outcome: Outcome = ok ? 'delivered' : gone || result.refused || attempts >= MAX_ATTEMPTS ? 'failed' : 'retry';
  const error = ok ? null : (result.error ?? `answered ${result.status}`);
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('webhook_attempts')
      .values({
        workspace_id: delivery.workspace_id,
        delivery_id: delivery.id,
        attempt: attempts,
        at,
        url: result.url,
        request_headers: JSON.stringify(result.requestHeaders),
        response_status: result.status,
        response_ms: result.ms,
        response_body: result.body,
        error,
      })
      .execute();
    await tx
      .updateTable('webhook_deliveries')
      .set({
        status: outcome === 'retry' ? 'pending' : outcome,
        attempts,
        first_attempt_at: delivery.first_attempt_at ?? at,
        last_attempt_at: at,
        next_attempt_at: outcome === 'retry' ? new Date(now.getTime() + (RETRY_DELAYS_S[attempts - 1] as number) * 1000) : null,
        locked_until: null,
        response_status: result.status,
        response_ms: result.ms,
        response_body: result.body,
        error: outcome === 'failed' && !ok && !gone && !result.refused ? `gave up after ${attempts} attempts: ${error}` : error,
        finished_at: outcome === 'retry' ? null : now,
      })
      .where('workspace_id', '=', delivery.workspace_id)
      .where('id', '=', delivery.id)
      .execute();
    await updateEndpointHealth(tx, clock, delivery, endpoint.failing_since, result, outcome, at, now);
  });
  return outcome;
}

/**
 * A success clears the endpoint's failure streak. A 410 Gone disables it at once; so does a delivery given up when
 * every attempt since its first one failed, on this endpoint and all others (the endpoint has been failing for about
 * three days). The reason is kept for the member to read.
 */
async function updateEndpointHealth(
  db: Db,
  clock: Clock,
  delivery: Selectable<WebhookDeliveriesTable>,
  failingSince: Date | null,
  result: SendResult,
  outcome: Outcome,
  at: Date,
  now: Date,
): Promise<void> {
  const update = (set: Partial<Selectable<WebhookEndpointsTable>>) =>
    db.updateTable('webhook_endpoints').set(set).where('workspace_id', '=', delivery.workspace_id).where('id', '=', delivery.endpoint_id).execute();
  if (outcome === 'delivered') {
    if (failingSince) await update({ failing_since: null });
    return;
  }
  const since = failingSince ?? at;
  let reason: string | null = null;
  if (result.status === 410) reason = `Disabled automatically on ${now.toISOString()}: the endpoint answered 410 Gone`;
  else if (outcome === 'failed' && !result.refused && since.getTime() <= (delivery.first_attempt_at ?? at).getTime()) {
    reason = `Disabled automatically on ${now.toISOString()}: every delivery failed since ${since.toISOString()} (last: ${result.error ?? `answered ${result.status}`})`;
  }
  await update(reason ? { failing_since: since, enabled: false, disabled_at: now, disabled_reason: reason, updated_at: now } : { failing_since: since });
  if (reason) {
    await recordAudit(db, clock, systemActor(delivery.workspace_id, 'webhooks'), {
      action: 'webhook_endpoint.disabled_automatically',
      entityType: 'webhook_endpoint',
      entityId: delivery.endpoint_id,
      after: { enabled: false, disabledReason: reason },
    });
  }
}

export interface DeliveryReport {
  attempted: number;
  delivered: number;
  retrying: number;
  failed: number;
}

/**
 * Sends due deliveries (a few lanes at a time, each lane in order) until none is due or the time budget is spent.
 * The `webhooks.deliver` job runs it every minute after the fan-out.
 */
export async function deliverDueWebhooks(db: Db, clock: Clock, options: SendOptions & { batch?: number; budgetMs?: number }): Promise<DeliveryReport> {
  const report: DeliveryReport = { attempted: 0, delivered: 0, retrying: 0, failed: 0 };
  const stopAt = Date.now() + (options.budgetMs ?? 45_000);
  while (Date.now() < stopAt) {
    const claimed = await claimDue(db, clock.now(), options.batch ?? 8);
    if (claimed.length === 0) break;
    const outcomes = await Promise.all(claimed.map((d) => attempt(db, clock, d, options)));
    for (const outcome of outcomes) {
      report.attempted++;
      if (outcome === 'delivered') report.delivered++;
      else if (outcome === 'retry') report.retrying++;
      else report.failed++;
    }
  }
  return report;
}

/** How long finished deliveries (and their attempts) are kept for the log and replays. */
export const DELIVERY_RETENTION_DAYS = 30;

/** Deletes delivered and given-up deliveries older than the retention (the `webhooks.purge` job, daily). */
export async function purgeWebhookDeliveries(db: Db, clock: Clock, days = DELIVERY_RETENTION_DAYS): Promise<number> {
  const before = new Date(clock.now().getTime() - days * 86_400_000);
  const deleted = await db.deleteFrom('webhook_deliveries').where('status', '!=', 'pending').where('finished_at', '<', before).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** The `webhooks.deliver` job: new events become deliveries, then due deliveries go out. */
export async function runWebhooks(db: Db, clock: Clock, options: SendOptions & { budgetMs?: number }) {
  const created = await fanOutWebhookEvents(db, clock);
  return { created, ...(await deliverDueWebhooks(db, clock, options)) };
}

/**
 * Posts an automated moment's `webhook` action, signed like every delivery with the secret of the workspace's endpoint
 * registered for that URL (which must exist and be enabled: an unsigned call could not be verified), with the same
 * address checks. Returns whether it was accepted and a line for the moment's outcome.
 */
export async function callWorkspaceWebhook(
  db: Db,
  clock: Clock,
  input: { workspaceId: string; url: string; messageId: string; payload: Record<string, unknown> },
  options: SendOptions,
): Promise<{ ok: boolean; outcome: string }> {
  const endpoint = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('workspace_id', '=', input.workspaceId)
    .where('url', '=', input.url)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .executeTakeFirst();
  if (!endpoint) return { ok: false, outcome: `webhook ${input.url} not sent: register this URL under Settings → Webhooks so its calls are signed` };
  if (!endpoint.enabled) return { ok: false, outcome: `webhook ${input.url} not sent: its endpoint is disabled (${endpoint.disabled_reason ?? 'disabled'})` };
  const at = clock.now();
  const body = JSON.stringify(input.payload);
  const result = await postWebhook(input.url, signWebhook(signingSecrets(endpoint, at), input.messageId, at, body), body, options);
  if (result.status !== null && result.status >= 200 && result.status < 300) return { ok: true, outcome: `webhook ${input.url} answered ${result.status}` };
  return { ok: false, outcome: result.error ? `webhook ${input.url} failed: ${result.error}` : `webhook ${input.url} answered ${result.status}` };
}
