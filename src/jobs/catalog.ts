import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { type Clock, fixedClock } from '../lib/clock.ts';
import { runCampaigns } from '../modules/campaigns/campaigns.jobs.ts';
import { evaluateNewEvents, sweep } from '../modules/engine/engine.ts';
import { attachLateEvents, DEFAULT_RETENTION_DAYS, MIN_RETENTION_DAYS, purgeExpiredEvents } from '../modules/events/events.ts';
import { purgeExpiredSessions } from '../modules/members/members.ts';
import { dispatchDue } from '../modules/messaging/messaging.dispatch.ts';
import { readDueMailboxes } from '../modules/messaging/messaging.mailbox.ts';
import { purgeErasedFiles } from '../modules/messaging/messaging.ts';
import { runAutomatedMoments } from '../modules/moments/moments.ts';
import { sendDigests } from '../modules/notifications/notifications.digest.ts';
import { enrolFromSegments, sendDueSteps } from '../modules/streams/streams.jobs.ts';
import { purgeWebhookDeliveries, runWebhooks } from '../modules/webhooks/webhooks.jobs.ts';
import type { PrivateTargets } from '../modules/webhooks/webhooks.send.ts';

export interface JobContext {
  db: Db;
  clock: Clock;
  /** Private addresses outbound webhooks may reach (config WEBHOOKS_ALLOW_PRIVATE); none when unset. */
  webhooks?: { allowPrivate: PrivateTargets } | undefined;
  /** The process configuration (SMTP_URL, PUBLIC_URL, the secret, the data dir): jobs that send mail need it; unset in tests of other jobs. */
  config?: Config | undefined;
}

/** A background job: name `<module>.<action>`, payload schema, retry policy, optional cron schedule. */
export interface JobSpec<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  retryLimit: number;
  retryDelaySeconds: number;
  /** Cron in UTC; a schedule key per job so racing workers cannot double-run a tick. */
  cron?: string;
  handle(ctx: JobContext, payload: z.infer<S>): Promise<unknown>;
}

const job = <S extends z.ZodType>(spec: JobSpec<S>): JobSpec => spec as unknown as JobSpec;

/** Every job and schedule Momentum runs. */
export const jobCatalog: JobSpec[] = [
  job({
    name: 'members.purge-sessions',
    payload: z.object({}).passthrough(),
    retryLimit: 3,
    retryDelaySeconds: 60,
    cron: '17 * * * *',
    handle: async ({ db, clock }) => ({ deleted: await purgeExpiredSessions(db, clock) }),
  }),
  job({
    name: 'engine.sweep',
    payload: z.object({}).passthrough(),
    retryLimit: 2,
    retryDelaySeconds: 10,
    cron: '* * * * *',
    // As of the start of the minute: a duplicate tick sweeps the same instant and its idempotency keys open nothing twice.
    handle: async ({ db, clock }) => sweep(db, fixedClock(new Date(Math.floor(clock.now().getTime() / 60_000) * 60_000))),
  }),
  job({
    name: 'engine.evaluate-events',
    payload: z.object({ workspaceId: z.uuid() }),
    retryLimit: 5,
    retryDelaySeconds: 2,
    handle: async ({ db, clock }, payload: { workspaceId: string }) => evaluateNewEvents(db, clock, payload.workspaceId),
  }),
  job({
    name: 'events.attach-late',
    // Tracks committed while the group call naming their account was committing: attached within a minute.
    payload: z.object({}).passthrough(),
    retryLimit: 2,
    retryDelaySeconds: 10,
    cron: '* * * * *',
    handle: async ({ db, clock }) => ({ attached: await attachLateEvents(db, clock) }),
  }),
  job({
    name: 'moments.run-automated',
    payload: z.object({}).passthrough(),
    retryLimit: 2,
    retryDelaySeconds: 30,
    cron: '* * * * *',
    handle: async ({ db, clock, webhooks }) => runAutomatedMoments(db, clock, { allowPrivate: webhooks?.allowPrivate ?? [] }),
  }),
  job({
    name: 'streams.enrol',
    // Nurture streams' segment entry rules: new matches enter (one INSERT … SELECT per active stream).
    payload: z.object({}).passthrough(),
    retryLimit: 2,
    retryDelaySeconds: 30,
    cron: '*/5 * * * *',
    handle: async ({ db, clock }) => enrolFromSegments(db, clock),
  }),
  job({
    name: 'streams.send-due',
    // Due stream steps: exits checked first, then rendered and enqueued (dedupe key per enrolment and step).
    payload: z.object({}).passthrough(),
    retryLimit: 2,
    retryDelaySeconds: 10,
    cron: '* * * * *',
    handle: async ({ db, clock }) => sendDueSteps(db, clock, { budgetMs: 45_000 }),
  }),
  job({
    name: 'notifications.digest',
    // Each member's daily digest of due and overdue moments (one per member and day, whatever reruns).
    payload: z.object({}).passthrough(),
    retryLimit: 3,
    retryDelaySeconds: 300,
    cron: '0 7 * * *',
    handle: async ({ db, clock, config }) => (config ? sendDigests(db, clock, config.publicUrl) : { skipped: 'no configuration' }),
  }),
  job({
    name: 'campaigns.send',
    // Due scheduled campaigns start; sending ones hand their audience to the outbox in batches of 500 for up to 45 s,
    // each batch with its place in one transaction (a rerun or a crash resumes after the last committed batch).
    payload: z.object({}).passthrough(),
    retryLimit: 2,
    retryDelaySeconds: 10,
    cron: '* * * * *',
    handle: async ({ db, clock }) => runCampaigns(db, clock, { budgetMs: 45_000 }),
  }),
  job({
    name: 'webhooks.deliver',
    // New events become deliveries, then due ones go out for up to 45 s: in order per account, each delivery's retries
    // and backoff (about 3 days) kept in its row, so a failing job retry would only resend nothing twice.
    payload: z.object({}).passthrough(),
    retryLimit: 1,
    retryDelaySeconds: 10,
    cron: '* * * * *',
    handle: async ({ db, clock, webhooks }) => runWebhooks(db, clock, { allowPrivate: webhooks?.allowPrivate ?? [], budgetMs: 45_000 }),
  }),
  job({
    name: 'messaging.dispatch',
    // Due outbox messages go out for up to 50 s, looking for new ones every 2 s meanwhile: a message enqueued now is
    // sent within seconds. Each message's retries and backoff are kept in its row; claims are leases (SKIP LOCKED).
    payload: z.object({}).passthrough(),
    retryLimit: 1,
    retryDelaySeconds: 10,
    cron: '* * * * *',
    handle: async ({ db, clock, config }) => (config ? dispatchDue(db, clock, config, { budgetMs: 50_000, pollMs: 2_000 }) : { skipped: 'no configuration' }),
  }),
  job({
    name: 'messaging.purge-erased',
    // The .eml files of erased contacts' messages (the erasure itself runs in a request, without the data dir).
    payload: z.object({}).passthrough(),
    retryLimit: 3,
    retryDelaySeconds: 300,
    cron: '23 * * * *',
    handle: async ({ db, config }) => (config ? { deleted: await purgeErasedFiles(db, config) } : { skipped: 'no configuration' }),
  }),
  job({
    name: 'messaging.read-bounces',
    // Each workspace's bounce mailbox over IMAP, where one is set: unseen DSNs, ARF complaints and mailto: unsubscribe
    // requests, at most 200 mails per mailbox and run; a mailbox that fails gets the error on its settings and waits.
    payload: z.object({}).passthrough(),
    retryLimit: 1,
    retryDelaySeconds: 60,
    cron: '*/5 * * * *',
    handle: async ({ db, clock, config }) => (config ? readDueMailboxes(db, clock, config, { budgetMs: 240_000 }) : { skipped: 'no configuration' }),
  }),
  job({
    name: 'webhooks.purge',
    // Delivered and given-up deliveries are kept 30 days for the log and replays.
    payload: z.object({}).passthrough(),
    retryLimit: 3,
    retryDelaySeconds: 300,
    cron: '53 3 * * *',
    handle: async ({ db, clock }) => ({ deleted: await purgeWebhookDeliveries(db, clock) }),
  }),
  job({
    name: 'events.purge-expired',
    // Raw events older than the retention (default 400 days) are deleted daily; rollups, and so metric history, stay.
    payload: z.object({ olderThanDays: z.number().int().min(MIN_RETENTION_DAYS).default(DEFAULT_RETENTION_DAYS) }),
    retryLimit: 3,
    retryDelaySeconds: 300,
    cron: '41 3 * * *',
    handle: async ({ db, clock }, payload: { olderThanDays: number }) => ({ deleted: await purgeExpiredEvents(db, clock, payload.olderThanDays) }),
  }),
];
