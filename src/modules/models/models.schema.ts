// The engagement model definition language (YAML or JSON files, the API and the console share it: keep it free of server code).
import { z } from 'zod';
import { text } from '../../lib/text.ts';
import { accountFilterSchema, buyingCultures } from '../accounts/accounts.schema.ts';
import { personas } from '../contacts/contacts.schema.ts';

export const ownerRoles = ['csm', 'account_manager', 'marketing', 'support', 'executive', 'partner', 'automated'] as const;
export const personRoles = ['csm', 'account_manager', 'marketing', 'support', 'executive', 'partner'] as const;
export const momentChannels = ['meeting', 'call', 'email', 'in_app', 'webinar', 'portal', 'other'] as const;
export const ruleKinds = ['scheduled', 'event', 'absence', 'expectation'] as const;
export const scheduleAnchors = ['calendar', 'engaged', 'phase_start', 'contract_start'] as const;
export const versionStatuses = ['draft', 'approved', 'active', 'retired'] as const;
export type OwnerRole = (typeof ownerRoles)[number];
export type PersonRole = (typeof personRoles)[number];
export type VersionStatus = (typeof versionStatuses)[number];
export type ScheduleAnchor = (typeof scheduleAnchors)[number];

const key = z.string().regex(/^[a-z][a-z0-9_-]{0,59}$/, 'must be a key: lower-case letters, digits, _ or -, starting with a letter');

/** A duration: "12h", "14d" or "3w". */
export const durationSchema = z.string().regex(/^\d{1,5}[hdw]$/, 'must be a duration like 12h, 14d or 3w');
export type Duration = z.infer<typeof durationSchema>;

/** Hours in a duration ("3w" = 504). */
export function durationHours(duration: Duration): number {
  const n = Number.parseInt(duration, 10);
  const unit = duration.at(-1);
  return unit === 'h' ? n : unit === 'd' ? n * 24 : n * 24 * 7;
}

const propertyCondition = z.strictObject({
  property: z.string().min(1).max(200),
  op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'exists']).default('eq'),
  value: z.union([z.string().max(500), z.number(), z.boolean(), z.array(z.union([z.string().max(500), z.number()])).max(100)]).optional(),
});
export type PropertyCondition = z.infer<typeof propertyCondition>;

/** A metric condition: a threshold over a window ("op: lt, value: 5") or a change against the previous window ("change: -30" percent). */
const metricCondition = z
  .strictObject({
    key,
    window: durationSchema.default('7d'),
    op: z.enum(['lt', 'lte', 'gt', 'gte']).optional(),
    value: z.number().optional(),
    change: z.number().min(-100).max(10000).optional().describe('percent change against the previous window; negative fires on a drop'),
  })
  .refine((m) => (m.change === undefined) !== (m.op === undefined || m.value === undefined), {
    message: 'needs either op and value (a threshold) or change (a percent change), not both',
  });
export type MetricCondition = z.infer<typeof metricCondition>;

const scheduledRule = z.strictObject({
  type: z.literal('scheduled'),
  rrule: z.string().min(5).max(500).describe('an RFC 5545 recurrence, e.g. FREQ=MONTHLY;INTERVAL=3 or FREQ=MONTHLY;BYDAY=1MO'),
  anchor: z.enum(scheduleAnchors).default('calendar').describe('calendar: dates from the rule itself; otherwise counted from that date per account'),
  offset: durationSchema.optional().describe('shifts the anchor: the first occurrence comes this long after it'),
});

const eventRule = z
  .strictObject({
    type: z.literal('event'),
    event: z.string().min(1).max(200).optional(),
    where: z.array(propertyCondition).max(20).default([]),
    metric: metricCondition.optional(),
    cooldown: durationSchema.optional().describe('no second instance of this moment for the account within this time'),
  })
  .refine((r) => (r.event === undefined) !== (r.metric === undefined), { message: 'needs exactly one of event or metric' });

const absenceRule = z
  .strictObject({
    type: z.literal('absence'),
    event: z.string().min(1).max(200).optional(),
    metric: z.strictObject({ key, below: z.number() }).optional(),
    for: durationSchema,
  })
  .refine((r) => (r.event === undefined) !== (r.metric === undefined), { message: 'needs exactly one of event or metric' });

const expectationRule = z
  .strictObject({
    type: z.literal('expectation'),
    event: z.string().min(1).max(200),
    where: z.array(propertyCondition).max(20).default([]),
    atLeast: z.number().int().min(1).max(1_000_000).default(1),
    within: durationSchema,
    after: z.union([z.strictObject({ phase: key }), z.strictObject({ moment: key }), z.strictObject({ contractStart: z.literal(true) })]),
    escalateTo: z.enum(personRoles),
  })
  .describe('an escalation to escalateTo when fewer than atLeast such events happen within the time after the anchor');

export const startRuleSchema = z.discriminatedUnion('type', [scheduledRule, eventRule, absenceRule, expectationRule]);
export type StartRule = z.infer<typeof startRuleSchema>;
export type ScheduledRule = z.infer<typeof scheduledRule>;
export type EventRule = z.infer<typeof eventRule>;
export type AbsenceRule = z.infer<typeof absenceRule>;
export type ExpectationRule = z.infer<typeof expectationRule>;

const responsibilities = z.strictObject({
  responsible: z.enum(ownerRoles).optional(),
  accountable: z.enum(personRoles).optional(),
  consulted: z.array(z.enum(ownerRoles)).max(10).default([]),
  informed: z.array(z.enum(ownerRoles)).max(10).default([]),
  procedure: z.url().max(1000).optional().describe('how: a link to the procedure or playbook document'),
  tools: z.array(text(100)).max(20).default([]),
  measure: text(500).optional().describe('the metric this moment is measured by'),
});

const slug = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a key: lower-case letters, digits, _ or -');
const actionPersonas = z
  .array(z.enum(personas))
  .min(1)
  .max(personas.length)
  // overwrite, not transform: the API also answers with this shape (a transform cannot be encoded).
  .overwrite((list) => [...new Set(list)])
  .describe(`the account's contacts with these personas (${personas.join(', ')})`);

const action = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('webhook'), url: z.url().max(1000) }),
  z.strictObject({ type: z.literal('record'), note: text(500).optional() }),
  z
    .strictObject({
      type: z.literal('email'),
      template: slug.describe('the template key'),
      personas: actionPersonas,
      list: slug.optional().describe('the mailing list key (marketing: only confirmed subscribers); omitted: a service email tied to the contract'),
    })
    .describe('emails a template to the account’s contacts of these personas, through the consent gate'),
  z
    .strictObject({ type: z.literal('enrol'), stream: slug.describe('the nurture stream key'), personas: actionPersonas })
    .describe('enrols the account’s contacts of these personas in a nurture stream (each contact once)'),
]);
export type MomentAction = z.infer<typeof action>;

export const momentSchema = z.strictObject({
  id: key,
  name: text(200),
  phase: key,
  owner: z.enum(ownerRoles).optional(),
  channel: z.enum(momentChannels),
  digital: z.boolean(),
  objective: text(2000).optional(),
  expectedOutcome: text(2000).optional(),
  effortMinutes: z.number().int().min(0).max(100_000).default(0),
  playbook: z.array(text(500)).max(50).default([]),
  due: durationSchema.default('7d').describe('how long after it opens the moment is due'),
  start: startRuleSchema,
  when: accountFilterSchema.optional().describe('only for the accounts this filter matches (e.g. the top tier), within the model segment'),
  responsibilities: responsibilities.default({ consulted: [], informed: [], tools: [] }),
  action: action.optional().describe('what an automated moment does (run through the job queue)'),
});
export type MomentDef = z.infer<typeof momentSchema>;

const criteria = z.strictObject({
  description: text(1000).optional(),
  accountPhase: key.optional().describe("entry: the account's phase field says so (imported accounts start where they are)"),
  after: durationSchema.optional().describe('exit: this long in the phase'),
  momentsDone: z.array(key).max(20).optional().describe('exit: these moments are done in the phase'),
  event: z.string().min(1).max(200).optional().describe('exit: this event happened in the phase'),
  renewalWithin: durationSchema.optional().describe("the account's next renewal is this close"),
});
export type PhaseCriteria = z.infer<typeof criteria>;

export const phaseSchema = z.strictObject({
  key,
  name: text(200),
  description: text(2000).optional(),
  entry: criteria.optional(),
  exit: criteria.optional(),
});
export type PhaseDef = z.infer<typeof phaseSchema>;

export const modelDefinitionSchema = z
  .strictObject({
    key,
    name: text(200),
    description: text(4000).optional(),
    buyingCulture: z.enum(buyingCultures).optional(),
    segment: accountFilterSchema.default({ conditions: [] }),
    precedence: z.number().int().min(0).max(1000).optional().describe('where segments overlap, the model with the higher precedence engages the account'),
    phases: z.array(phaseSchema).min(1).max(20),
    moments: z.array(momentSchema).max(200).default([]),
  })
  .meta({ id: 'ModelDefinition' });
export type ModelDefinition = z.infer<typeof modelDefinitionSchema>;

/** A problem found in a model: an error blocks it, a warning is reported. `line` is set when read from a file. */
export const modelIssueSchema = z
  .object({
    severity: z.enum(['error', 'warning']),
    path: z.string(),
    message: z.string(),
    file: z.string().optional(),
    line: z.number().optional(),
    column: z.number().optional(),
  })
  .meta({ id: 'ModelIssue' });
export type ModelIssue = z.infer<typeof modelIssueSchema>;

// Response and request shapes of the models routes (the console imports their types from here).

const versionSummary = z.object({
  id: z.uuid(),
  version: z.number(),
  status: z.enum(versionStatuses),
  author: z.string(),
  approver: z.string().nullable(),
  createdAt: z.string(),
});

export const modelSchema = z
  .object({
    id: z.uuid(),
    key: z.string(),
    name: z.string(),
    activeVersion: z.number().nullable(),
    versions: z.array(versionSummary),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Model' });

export const modelVersionSchema = z
  .object({
    id: z.uuid(),
    modelId: z.uuid(),
    key: z.string(),
    version: z.number(),
    status: z.enum(versionStatuses),
    definition: modelDefinitionSchema,
    source: z.string(),
    sourceFormat: z.enum(['yaml', 'json']),
    author: z.object({ type: z.string(), id: z.string().nullable(), name: z.string() }),
    approver: z.object({ id: z.string().nullable(), name: z.string() }).nullable(),
    approvedAt: z.string().nullable(),
    activatedAt: z.string().nullable(),
    retiredAt: z.string().nullable(),
    supersededBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ModelVersion' });

/** A model as a YAML/JSON source (the file's text) or as a definition object. */
export const modelBody = z
  .union([
    z.strictObject({
      source: z.string().min(1).max(500_000),
      format: z.enum(['yaml', 'json']).optional(),
      file: z.string().max(300).optional().describe('a file name, used in error messages'),
    }),
    z.strictObject({ definition: z.record(z.string(), z.unknown()) }),
  ])
  .meta({ id: 'ModelSourceBody' });

export const validationSchema = z
  .object({ valid: z.boolean(), definition: modelDefinitionSchema.nullable(), issues: z.array(modelIssueSchema) })
  .meta({ id: 'ModelValidation' });

export const responsibilitySchema = z
  .object({
    model: z.object({ id: z.uuid(), key: z.string(), name: z.string(), version: z.number() }),
    moment: z.object({
      id: z.string(),
      name: z.string(),
      phase: z.string(),
      owner: z.string().nullable(),
      channel: z.string(),
      digital: z.boolean(),
      objective: z.string().nullable(),
    }),
    as: z.array(z.enum(['owner', 'responsible', 'accountable', 'consulted', 'informed'])),
    responsible: z.string().nullable(),
    accountable: z.string().nullable(),
    consulted: z.array(z.string()),
    informed: z.array(z.string()),
    procedure: z.string().nullable(),
    tools: z.array(z.string()),
    measure: z.string().nullable(),
  })
  .meta({ id: 'Responsibility' });

/** What retiring a version affects: accounts it runs today and its moment instances still open. */
export const retireImpactSchema = z.object({ accounts: z.number().int(), openInstances: z.number().int() }).meta({ id: 'ModelRetireImpact' });

export type ModelSummary = z.infer<typeof modelSchema>;
export type ModelVersion = z.infer<typeof modelVersionSchema>;
export type ModelValidation = z.infer<typeof validationSchema>;
export type ModelRetireImpact = z.infer<typeof retireImpactSchema>;

/** A forecast's answer (POST /models/simulate): what the model would open, by week and role, and the effort by month. */
export const simulationSchema = z
  .object({
    model: z.string(),
    from: z.string(),
    to: z.string(),
    days: z.number(),
    accounts: z.number(),
    total: z.number(),
    byRule: z.record(z.string(), z.number()),
    perWeek: z.array(z.object({ week: z.string(), role: z.string(), moments: z.number() })),
    effortPerMonth: z.array(z.object({ month: z.string(), role: z.string(), hours: z.number() })),
    digitalShare: z.number(),
    phaseChanges: z.number(),
    growth: z
      .object({
        accountsPerMonth: z.number().nullable(),
        monthlyRate: z.number().nullable(),
        base: z.number(),
        templates: z.number(),
        added: z.number(),
        perMonth: z.array(z.object({ month: z.string(), accounts: z.number() })),
        engaged: z.number(),
        moments: z.number(),
      })
      .nullable(),
  })
  .meta({ id: 'Simulation' });

export type Simulation = z.infer<typeof simulationSchema>;
