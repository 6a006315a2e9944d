// Nurture stream shapes shared by the API and the console (web/ may import this file: keep it free of server code).
import { z } from 'zod';
import { personas } from '../contacts/contacts.schema.ts';
import { durationSchema } from '../models/models.schema.ts';

export const streamStatuses = ['draft', 'active', 'paused', 'archived'] as const;
export type StreamStatusName = (typeof streamStatuses)[number];

/** Why an enrolment ended early: `event:<name>`, `phase:<key>`, `unsubscribed`, `suppressed`, `stream_archived`. */
export const exitReasonHelp = 'event:<name>, phase:<key>, unsubscribed, suppressed or stream_archived';

const key = z.string().regex(/^[a-z][a-z0-9_-]{0,59}$/, 'must be a key: lower-case letters, digits, _ or -, starting with a letter');
const templateKey = z.string().trim().min(1).max(100);

export const streamStepSchema = z
  .object({
    id: z.uuid().describe('Names the step in the outbox and the funnel'),
    template: z.string().describe('The template key'),
    delay: z.string().describe('How long after the previous step (the first: after entry) it is sent, e.g. 2d'),
  })
  .meta({ id: 'StreamStep' });
export type StreamStep = z.infer<typeof streamStepSchema>;

export const streamStepInputSchema = z.strictObject({
  id: z.uuid().optional().describe('An existing step (keep it to keep its stats); omitted: a new step'),
  template: templateKey.describe('The template key'),
  delay: durationSchema.describe('After the previous step (the first: after entry): 12h, 2d, 1w; 0d sends at once'),
});
export type StreamStepInput = z.input<typeof streamStepInputSchema>;

const entrySchema = z.strictObject({
  segmentId: z
    .uuid()
    .nullable()
    .default(null)
    .describe('Contacts of accounts in this segment enter (checked every 5 minutes); null: only engine moments (`enrol`) enrol'),
  personas: z.array(z.enum(personas)).max(personas.length).default([]).describe('Only contacts with these personas; empty: every persona'),
});
const exitSchema = z.strictObject({
  events: z
    .array(z.string().trim().min(1).max(200))
    .max(20)
    .default([])
    .describe('An event of one of these names on the contact’s account, after entry, ends the enrolment (e.g. Account Activated)'),
  phases: z
    .array(z.union([key, z.literal('*')]))
    .max(20)
    .default([])
    .describe('The account entering one of these lifecycle phases ends the enrolment; "*": any phase change'),
});

export const streamCreateSchema = z
  .strictObject({
    key: key.describe('Slug used by model files (`enrol` actions)'),
    name: z.string().trim().min(1).max(200),
    description: z.string().trim().max(2000).default(''),
    list: z.string().trim().min(1).max(100).describe('The mailing list (id or key): the consent every step needs'),
    entry: entrySchema.default({ segmentId: null, personas: [] }),
    exit: exitSchema.default({ events: [], phases: [] }),
    steps: z.array(streamStepInputSchema).max(50).default([]),
  })
  .meta({ id: 'StreamCreate' });
export type StreamCreate = z.input<typeof streamCreateSchema>;

export const streamUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().trim().max(2000).optional(),
    list: z.string().trim().min(1).max(100).optional().describe('Only while a draft'),
    entry: entrySchema.optional(),
    exit: exitSchema.optional(),
    steps: z
      .array(streamStepInputSchema)
      .max(50)
      .optional()
      .describe('Once activated: only new steps at the end and different delays (the steps sent so far stay as they are)'),
    status: z.enum(streamStatuses).optional().describe('active starts (or resumes) it; paused holds every enrolment; archived ends every enrolment'),
  })
  .meta({ id: 'StreamUpdate' });
export type StreamUpdate = z.input<typeof streamUpdateSchema>;

export const streamSchema = z
  .object({
    id: z.uuid(),
    key: z.string(),
    name: z.string(),
    description: z.string(),
    list: z.object({ id: z.uuid(), key: z.string(), name: z.string() }),
    status: z.enum(streamStatuses),
    entry: z.object({ segmentId: z.uuid().nullable(), segmentName: z.string().nullable(), personas: z.array(z.string()) }),
    exit: z.object({ events: z.array(z.string()), phases: z.array(z.string()) }),
    steps: z.array(streamStepSchema),
    enrolments: z.object({ active: z.number(), completed: z.number(), exited: z.number() }),
    createdAt: z.string(),
    updatedAt: z.string(),
    activatedAt: z.string().nullable(),
  })
  .meta({ id: 'Stream' });
export type Stream = z.infer<typeof streamSchema>;

export const stepStatsSchema = z
  .object({
    id: z.uuid(),
    index: z.number(),
    template: z.string(),
    delay: z.string(),
    reached: z.number().describe('Enrolments that got to this step (its message queued, sent or excluded)'),
    queued: z.number().describe('Waiting in the outbox to be sent'),
    sent: z.number(),
    delivered: z.number(),
    opened: z.number().describe('Opens by people (privacy-proxy opens are counted in machineOpened)'),
    machineOpened: z.number(),
    clicked: z.number(),
    unsubscribed: z.number(),
    bounced: z.number(),
    excluded: z.record(z.string(), z.number()).describe('Messages the gate refused, by reason'),
  })
  .meta({ id: 'StreamStepStats' });
export type StepStats = z.infer<typeof stepStatsSchema>;

export const streamStatsSchema = z
  .object({
    entered: z.number(),
    active: z.number(),
    completed: z.number(),
    exited: z.record(z.string(), z.number()).describe(`Enrolments ended early, by reason (${exitReasonHelp})`),
    steps: z.array(stepStatsSchema),
  })
  .meta({ id: 'StreamStats' });
export type StreamStats = z.infer<typeof streamStatsSchema>;

export const enrolmentStates = ['active', 'completed', 'exited'] as const;

export const enrolmentSchema = z
  .object({
    id: z.uuid(),
    contact: z.object({ id: z.uuid(), name: z.string(), email: z.string() }),
    account: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    source: z.enum(['segment', 'moment', 'member']),
    enteredAt: z.string(),
    step: z.number().describe('Steps sent so far'),
    nextAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    exitedAt: z.string().nullable(),
    exitReason: z.string().nullable(),
  })
  .meta({ id: 'StreamEnrolment' });
export type Enrolment = z.infer<typeof enrolmentSchema>;
