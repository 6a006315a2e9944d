// Messaging shapes shared by the API and the console (web/ may import this file: keep it free of server code).
import { z } from 'zod';

export const messageStatuses = ['queued', 'sent', 'failed', 'excluded'] as const;

export const messageSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(messageStatuses),
    reason: z.string().nullable().describe('Why it was excluded (the gate’s reason: no_consent, withdrawn, suppressed ...) or failed'),
    detail: z.string().nullable(),
    recipientKind: z.enum(['contact', 'member']),
    recipientId: z.uuid(),
    recipientName: z.string().nullable().describe('The contact’s or member’s name (null once erased or deleted)'),
    accountId: z.uuid().nullable(),
    toAddress: z.string().nullable().describe('The address it was (or will be) sent to; null when excluded'),
    purpose: z.string().describe('The consent purpose: list:<id>, service, request, member:digest, member:test'),
    sourceType: z.string(),
    sourceId: z.string(),
    sourceLabel: z.string().nullable(),
    subject: z.string().nullable(),
    attempts: z.number(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
    openedAt: z.string().nullable(),
    machineOpen: z.boolean().nullable().describe('The first open came from a privacy proxy or a pre-fetch: not a person reading'),
    clickedAt: z.string().nullable(),
    unsubscribedAt: z.string().nullable(),
    bouncedAt: z.string().nullable(),
    bounceKind: z.enum(['hard', 'soft']).nullable(),
    complainedAt: z.string().nullable(),
  })
  .meta({ id: 'Message' });
export type Message = z.infer<typeof messageSchema>;

export const messageEventSchema = z.object({ name: z.string(), at: z.string(), properties: z.record(z.string(), z.unknown()) });

export const messageDetailSchema = messageSchema
  .extend({
    basis: z.string().nullable().describe('What allowed it: a consent record id, contract:<id>, request, member'),
    emlFile: z.string().nullable().describe('Without SMTP_URL: the .eml file under the data dir outbox/'),
    smtpResponse: z.string().nullable(),
    source: z.string().nullable().describe('The message as sent (or as it will be sent), headers and MIME parts, when it has content'),
    events: z.array(messageEventSchema),
  })
  .meta({ id: 'MessageDetail' });
export type MessageDetail = z.infer<typeof messageDetailSchema>;

export const sourcePauseSchema = z.object({
  sourceType: z.string(),
  sourceId: z.string(),
  failures: z.number(),
  lastError: z.string().nullable(),
  pausedAt: z.string().nullable(),
});
export type SourcePause = z.infer<typeof sourcePauseSchema>;

export const outboxSummarySchema = z
  .object({
    counts: z.record(z.string(), z.number()).describe('Messages per status'),
    delivery: z.enum(['smtp', 'files']).describe('smtp: SMTP_URL is set; files: each message is written as an .eml file in the data dir outbox/'),
    complaints: z.object({
      windowDays: z.number(),
      sent: z.number().describe('Marketing messages sent in the window'),
      complaints: z.number(),
      rate: z.number().describe('complaints / sent (0.001 is 0.1%)'),
      level: z.enum(['ok', 'warn', 'paused']),
    }),
    marketingPausedAt: z.string().nullable(),
    marketingPausedReason: z.string().nullable(),
    pausedSources: z.array(sourcePauseSchema),
  })
  .meta({ id: 'OutboxSummary' });
export type OutboxSummary = z.infer<typeof outboxSummarySchema>;

/** What one read of the bounce mailbox found (each mail is counted once, under what was done with it). */
export const mailboxReadResultSchema = z
  .object({
    read: z.number().describe('Unseen mails looked at'),
    hardBounces: z.number().describe('DSNs with a permanent failure (5.x.x): the address is suppressed'),
    softBounces: z.number().describe('DSNs with a temporary failure (4.x.x): recorded only'),
    complaints: z.number().describe('ARF feedback reports (abuse): the address is suppressed and the list withdrawn'),
    unsubscribes: z.number().describe('mailto: unsubscribe requests with a valid token'),
    deliveryReports: z.number().describe('DSNs that report a delivery, not a failure'),
    invalidTokens: z.number().describe('Unsubscribe requests whose token is invalid, tampered or expired: ignored'),
    unmatched: z.number().describe('DSNs and reports that name no message Momentum sent: left alone'),
    unrecognised: z.number().describe('Other mail (or too large): left alone, unread'),
    alreadyDone: z.number().describe('Mails acted on by an earlier read that had not flagged them yet'),
    remaining: z.number().describe('Unseen mails left for the next read (each read takes a bounded batch)'),
  })
  .meta({ id: 'MailboxReadResult' });
export type MailboxReadResult = z.infer<typeof mailboxReadResultSchema>;

export const senderSettingsSchema = z
  .object({
    fromName: z.string().describe('Marketing sender name (default: the workspace name)'),
    fromAddress: z.string().describe('Marketing sender address (default: no-reply at the PUBLIC_URL host)'),
    transactionalFromName: z.string().describe('Sender name of transactional mail (default: the marketing one)'),
    transactionalFromAddress: z.string(),
    replyTo: z.string(),
    postalAddress: z.string().describe('The workspace’s postal address, in every marketing footer (CAN-SPAM)'),
    ratePerMinute: z.number().describe('Messages per minute this workspace sends at most'),
    dkimDomain: z.string(),
    dkimSelector: z.string(),
    dkimPrivateKey: z.enum(['set', 'unset']).describe('The key is never returned once saved'),
    bounceAddress: z.string().describe('Envelope sender, so bounces reach this mailbox naming their message (VERP: local+<message>@domain)'),
    imapUrl: z.string().describe('The bounce mailbox read over IMAP, without its password (imaps://user@host:993/INBOX); empty when none is set'),
    imapPassword: z.enum(['set', 'unset']).describe('The mailbox password is never returned once saved'),
    imapReadAt: z.string().nullable().describe('When the bounce mailbox was last read'),
    imapError: z.string().nullable().describe('Why the last read of the bounce mailbox failed (null once a read succeeds)'),
    imapErrorAt: z.string().nullable(),
    imapResult: mailboxReadResultSchema.nullable().describe('What the last read of the bounce mailbox found'),
    webhookSecret: z.enum(['set', 'unset']).describe('Bearer secret of the provider bounce/complaint webhook'),
    webhookUrl: z.string().describe('Where a provider posts bounces and complaints'),
    defaultFromAddress: z.string(),
    marketingPausedAt: z.string().nullable().describe('Marketing sends are paused (complaint rate too high) since then'),
    marketingPausedReason: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'SenderSettings' });
export type SenderSettings = z.infer<typeof senderSettingsSchema>;

const address = z
  .string()
  .trim()
  .max(254)
  .pipe(z.union([z.literal(''), z.email({ error: 'must be an email address like news@example.com' })]));
const name = z
  .string()
  .trim()
  .max(120)
  .refine((v) => !/[\r\n<>"]/.test(v), { error: 'must not contain line breaks, quotes or angle brackets' });
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .refine((v) => v === '' || /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(v), { error: 'must be a domain like example.com' });

const imapUrl = z
  .string()
  .trim()
  .max(1000)
  .refine((v) => v === '' || /^imaps?:\/\/[^\s]+$/i.test(v), {
    error: 'must be an imap:// or imaps:// URL like imaps://bounces%40example.com@imap.example.com/INBOX',
  });

export const senderSettingsUpdateSchema = z
  .strictObject({
    fromName: name.optional(),
    fromAddress: address.optional(),
    transactionalFromName: name.optional(),
    transactionalFromAddress: address.optional(),
    replyTo: address.optional(),
    postalAddress: z.string().trim().max(500).optional(),
    ratePerMinute: z.number().int().min(1).max(100_000).optional(),
    dkimDomain: domain.optional(),
    dkimSelector: z
      .string()
      .trim()
      .max(63)
      .refine((v) => v === '' || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i.test(v), { error: 'must be a DNS label like mail2026' })
      .optional(),
    dkimPrivateKey: z.string().max(10_000).nullable().optional().describe('PEM; null removes it; absent keeps it'),
    bounceAddress: address.optional(),
    imapUrl: imapUrl
      .nullable()
      .optional()
      .describe('The bounce mailbox to read (imaps://user@host:993/INBOX; the password here or in imapPassword); "" or null removes it; absent keeps it'),
    imapPassword: z.string().min(1).max(500).optional().describe('The mailbox password (write-only); absent keeps the saved one'),
    rotateWebhookSecret: z.boolean().optional().describe('true: make a new webhook secret, returned in this answer only'),
    resumeMarketing: z.boolean().optional().describe('true: lift a pause of marketing sends (after a complaint-rate pause)'),
  })
  .meta({ id: 'SenderSettingsUpdate' });
export type SenderSettingsUpdate = z.input<typeof senderSettingsUpdateSchema>;

export const senderSettingsResultSchema = z
  .object({ settings: senderSettingsSchema, webhookSecret: z.string().nullable().describe('A new webhook secret, in this answer only') })
  .meta({ id: 'SenderSettingsResult' });
export type SenderSettingsResult = z.infer<typeof senderSettingsResultSchema>;

/** Test the bounce mailbox: the one given (password here, in the URL, or the saved one for the same user and host), else the saved one. */
export const mailboxTestSchema = z
  .strictObject({
    imapUrl: imapUrl.optional(),
    imapPassword: z.string().min(1).max(500).optional(),
  })
  .meta({ id: 'MailboxTest' });
export type MailboxTestInput = z.input<typeof mailboxTestSchema>;

export const mailboxTestResultSchema = z
  .object({
    ok: z.boolean(),
    mailbox: z.string().describe('The mailbox tested, without its password'),
    messages: z.number().nullable().describe('Messages in the folder'),
    unseen: z.number().nullable().describe('Unseen messages in the folder (what the next read looks at)'),
    error: z.string().nullable().describe('Why the connection or login failed'),
  })
  .meta({ id: 'MailboxTestResult' });
export type MailboxTestResult = z.infer<typeof mailboxTestResultSchema>;

/** A provider's notice of a bounce or complaint (POST /hooks/messaging/:workspaceId/bounces), one or many. */
export const bounceNoticeSchema = z.strictObject({
  type: z.enum(['bounce', 'complaint']),
  email: z
    .string()
    .trim()
    .max(254)
    .pipe(z.email({ error: 'must be an email address' })),
  messageId: z.string().max(300).optional().describe('The Message-ID header of the message it is about (<id@domain>), or Momentum’s message id'),
  bounceType: z.enum(['hard', 'soft']).default('hard').describe('bounce only: hard (permanent) suppresses the address; soft is recorded'),
  detail: z.string().max(2000).default(''),
});
export const bounceNoticesSchema = z.union([bounceNoticeSchema, z.array(bounceNoticeSchema).min(1).max(1000)]);
export type BounceNotice = z.output<typeof bounceNoticeSchema>;
