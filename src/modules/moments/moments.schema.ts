// Moment instance shapes shared by the API and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';
import { momentChannels } from '../models/models.schema.ts';

/** The inbox's tabs: due within 7 days, overdue, later, escalated, every open one, and completed ones. */
export const momentViews = ['due', 'overdue', 'upcoming', 'escalated', 'open', 'completed'] as const;
export type MomentView = (typeof momentViews)[number];
/** What opened a moment: a model's rule (scheduled, event, metric, absence, expectation), or a member (an ad-hoc task). */
export const momentRules = ['scheduled', 'event', 'metric', 'absence', 'expectation', 'task'] as const;
export type MomentRule = (typeof momentRules)[number];

export const instanceStatuses = ['open', 'done', 'skipped', 'missed', 'escalated'] as const;
export type InstanceStatus = (typeof instanceStatuses)[number];

export const momentInstanceSchema = z
  .object({
    id: z.uuid(),
    account: z.object({ id: z.uuid(), name: z.string() }),
    model: z.object({ id: z.uuid(), key: z.string(), version: z.number() }).nullable().describe('null for an ad-hoc task'),
    moment: z.object({
      id: z.string(),
      name: z.string(),
      phase: z.string(),
      channel: z.string(),
      digital: z.boolean(),
      objective: z.string().nullable(),
      expectedOutcome: z.string().nullable(),
      effortMinutes: z.number(),
      playbook: z.array(z.string()),
    }),
    rule: z.enum(momentRules),
    createdBy: z.string().nullable().describe('the member who created an ad-hoc task'),
    openedAt: z.string(),
    dueAt: z.string(),
    overdue: z.boolean(),
    assignee: z.object({ role: z.string(), memberId: z.string().nullable(), name: z.string().nullable() }),
    status: z.enum(instanceStatuses),
    evidence: z.record(z.string(), z.unknown()),
    notes: z.string().nullable(),
    outcome: z.string().nullable(),
    completedAt: z.string().nullable(),
    completedBy: z.string().nullable(),
  })
  .meta({ id: 'MomentInstance' });

/** A moment instance as the API answers it. */
export type MomentInstanceShape = z.infer<typeof momentInstanceSchema>;

export const momentInboxQuerySchema = z.object({
  view: z.enum(momentViews).default('open'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  member: z
    .union([z.uuid(), z.literal('team')])
    .optional()
    .describe("another member's moments, or `team` for everyone's (admins and executives); default: mine"),
  accountId: z.uuid().optional(),
  modelId: z.uuid().optional(),
  rule: z.enum(momentRules).optional().describe('what opened it: scheduled, event, metric, absence or expectation, or `task` for ad-hoc tasks'),
});
export type MomentInboxQuery = z.input<typeof momentInboxQuerySchema>;

export const momentAssignSchema = z.strictObject({ memberId: z.uuid() });

/** An ad-hoc task: a moment a member creates on an account, with no model behind it. */
export const momentTaskSchema = z
  .strictObject({
    accountId: z.uuid(),
    title: z.string().trim().min(1, 'is required').max(200),
    description: z.string().trim().max(10_000).optional(),
    dueAt: z.iso.datetime({ offset: true }).or(z.iso.date()).describe('when it is due: a date (end of that day, UTC) or a date-time'),
    assigneeMemberId: z.uuid().optional().describe('who does it; default: the member creating it'),
    channel: z.enum(momentChannels).default('other'),
  })
  .meta({ id: 'MomentTaskCreate' });
export type MomentTaskInput = z.input<typeof momentTaskSchema>;
export type MomentTask = z.output<typeof momentTaskSchema>;

/** The model version engaging an account, its phase and phase history (GET /accounts/:id/engagement). */
export const engagementSchema = z
  .object({
    accountId: z.uuid(),
    model: z.object({ id: z.uuid(), key: z.string(), version: z.number(), versionId: z.uuid() }).nullable(),
    phase: z.string().nullable(),
    phaseEnteredAt: z.string().nullable(),
    engagedAt: z.string().nullable(),
    phases: z.array(z.object({ phase: z.string(), enteredAt: z.string(), exitedAt: z.string().nullable() })),
  })
  .meta({ id: 'AccountEngagement' });
export type AccountEngagement = z.infer<typeof engagementSchema>;
