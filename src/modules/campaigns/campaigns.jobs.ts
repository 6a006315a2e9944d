// The campaign send job: due scheduled campaigns start; sending ones hand their audience to the outbox in batches,
// each batch (render, enqueue, new place) in one transaction, so a crash or a pause resumes after the last batch that
// committed, and the outbox's dedupe key (`campaign:<id>:<contactId>`) makes a batch run twice write nothing twice.
import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import { systemActor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { recordAudit } from '../audit/audit.ts';
import { findSourcePauses } from '../messaging/messaging.feedback.ts';
import { enqueueMessages, type OutgoingMessage } from '../messaging/messaging.outbox.ts';
import { queuedCount } from '../messaging/messaging.stats.ts';
import { renderTemplate } from '../templates/templates.ts';
import { audienceBatch, audienceFilter } from './campaigns.audience.ts';
import { CAMPAIGN_BATCH } from './campaigns.schema.ts';
import { marketingHold, pauseCampaign } from './campaigns.ts';

/** A claimed campaign is one worker's for this long (a batch takes well under it). */
const LEASE_MS = 2 * 60_000;

export interface CampaignRunOptions {
  batch?: number;
  budgetMs?: number;
  /**
   * Queued-but-unsent messages of a campaign above which it waits for the outbox to drain: a pause or cancel then stops
   * the campaign within this many messages, rather than after its whole audience was queued.
   */
  maxBacklog?: number;
}

export interface CampaignRunReport {
  started: number;
  batches: number;
  queued: number;
  excluded: number;
  finished: number;
}

type BatchOutcome = 'more' | 'done' | 'stopped' | 'backlog' | 'held';

async function sendBatch(
  db: Db,
  clock: Clock,
  workspaceId: string,
  id: string,
  batch: number,
  maxBacklog: number,
  report: CampaignRunReport,
): Promise<BatchOutcome> {
  return inTransaction(db, async (tx) => {
    const row = await tx.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).forUpdate().executeTakeFirst();
    if (row?.status !== 'sending') return 'stopped';
    const [pause] = await findSourcePauses(tx, workspaceId, { sourceType: 'campaign', sourceIds: [id] });
    if (pause) {
      await pauseCampaign(
        tx,
        clock,
        workspaceId,
        id,
        `Delivery paused it after ${pause.failures} SMTP errors in a row (last: ${pause.lastError ?? 'unknown'})`,
      );
      return 'stopped';
    }
    if ((await queuedCount(tx, workspaceId, { type: 'campaign', id }, maxBacklog)) >= maxBacklog) return 'backlog';
    // Delivery holds the workspace's marketing (complaint rate): queue nothing more until a member lifts it.
    if (await marketingHold(tx, workspaceId)) return 'held';
    const audience = { workspaceId, segmentId: row.segment_id, personas: row.personas };
    const filter = await audienceFilter(tx, clock, audience);
    if (!filter) {
      await pauseCampaign(tx, clock, workspaceId, id, 'Its segment was deleted: choose another in a new campaign, or cancel this one');
      return 'stopped';
    }
    const now = clock.now();
    const ids = await audienceBatch(tx, filter, audience, row.cursor_contact_id, batch);
    if (ids.length === 0) {
      await tx
        .updateTable('campaigns')
        .set({ status: 'sent', finished_at: now, updated_at: now, locked_until: null })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute();
      await recordAudit(tx, clock, systemActor(workspaceId, 'campaigns'), {
        action: 'campaign.sent',
        entityType: 'campaign',
        entityId: id,
        after: { processed: row.processed, queued: row.queued, excluded: row.excluded },
      });
      report.finished++;
      return 'done';
    }
    const rendered = await renderTemplate(tx, workspaceId, row.template_id, ids, { clock });
    const messages: OutgoingMessage[] = ids.map((contactId) => ({
      recipientId: contactId,
      purpose: { kind: 'list', listId: row.list_id },
      source: { type: 'campaign', id, label: row.name },
      dedupeKey: `campaign:${id}:${contactId}`,
      content: rendered.get(contactId) ?? { missing: ['contact'] },
    }));
    const result = await enqueueMessages(tx, clock, workspaceId, messages);
    const excluded = Object.values(result.excluded).reduce((a, n) => a + (n ?? 0), 0);
    await tx
      .updateTable('campaigns')
      .set({
        cursor_contact_id: ids.at(-1) as string,
        processed: sql`processed + ${ids.length}`,
        queued: sql`queued + ${result.queued}`,
        excluded: sql`excluded + ${excluded}`,
        duplicates: sql`duplicates + ${result.duplicates}`,
        updated_at: now,
      })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute();
    report.batches++;
    report.queued += result.queued;
    report.excluded += excluded;
    return 'more';
  });
}

/** Scheduled campaigns whose time has come start sending. */
async function startDue(db: Db, clock: Clock): Promise<number> {
  const now = clock.now();
  const started = await db
    .updateTable('campaigns')
    .set({ status: 'sending', started_at: now, updated_at: now })
    .where('status', '=', 'scheduled')
    .where('scheduled_at', '<=', now)
    .returning(['workspace_id', 'id'])
    .execute();
  for (const c of started) {
    await recordAudit(db, clock, systemActor(c.workspace_id, 'campaigns'), {
      action: 'campaign.send_started',
      entityType: 'campaign',
      entityId: c.id,
      after: { status: 'sending' },
    });
  }
  return started.length;
}

/** Claims one sending campaign no other worker holds (a lease, so a crashed worker's claim lapses). */
async function claim(db: Db, clock: Clock, skip: Set<string>): Promise<{ workspace_id: string; id: string } | undefined> {
  const now = clock.now();
  const skipped = [...skip];
  const claimed = await sql<{ workspace_id: string; id: string }>`
    update campaigns c set locked_until = ${new Date(now.getTime() + LEASE_MS)}::timestamptz
    from (select workspace_id, id from campaigns where status = 'sending'
      and (locked_until is null or locked_until < ${now}::timestamptz)
      ${skipped.length > 0 ? sql`and not (id = any(${skipped}::uuid[]))` : sql``}
      order by started_at, id limit 1 for update skip locked) due
    where c.workspace_id = due.workspace_id and c.id = due.id
    returning c.workspace_id, c.id`.execute(db);
  return claimed.rows[0];
}

async function release(db: Db, workspaceId: string, id: string): Promise<void> {
  await db.updateTable('campaigns').set({ locked_until: null }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

/**
 * The `campaigns.send` job (every minute): starts due campaigns, then hands sending campaigns' audiences to the outbox
 * batch by batch until every campaign is done, waiting on the outbox, or the time budget is spent (the next minute
 * continues where it stopped).
 */
export async function runCampaigns(db: Db, clock: Clock, options: CampaignRunOptions = {}): Promise<CampaignRunReport> {
  const batch = options.batch ?? CAMPAIGN_BATCH;
  const maxBacklog = options.maxBacklog ?? 5 * batch;
  const stopAt = Date.now() + (options.budgetMs ?? 45_000);
  const report: CampaignRunReport = { started: await startDue(db, clock), batches: 0, queued: 0, excluded: 0, finished: 0 };
  const waiting = new Set<string>();
  // Held campaigns wait for a member: left alone until the next run.
  const held = new Set<string>();
  while (Date.now() < stopAt) {
    const campaign = await claim(db, clock, new Set([...waiting, ...held]));
    if (!campaign) {
      if (waiting.size === 0) break;
      // Every campaign left waits for the outbox to drain: look again in a second.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      waiting.clear();
      continue;
    }
    try {
      for (;;) {
        const outcome = await sendBatch(db, clock, campaign.workspace_id, campaign.id, batch, maxBacklog, report);
        if (outcome === 'backlog') waiting.add(campaign.id);
        if (outcome === 'held') held.add(campaign.id);
        if (outcome !== 'more' || Date.now() >= stopAt) break;
      }
    } finally {
      await release(db, campaign.workspace_id, campaign.id);
    }
  }
  return report;
}
