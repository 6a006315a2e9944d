import { z } from 'zod';

// API shapes of the consent module, shared by the server and the console.

/** Why the gate refused a message (recorded on it, counted in audience previews and stats). */
export const exclusionReasons = [
  'no_email',
  'suppressed',
  'withdrawn',
  'no_consent',
  'unconfirmed',
  'left_company',
  'list_archived',
  'member_inactive',
  'member_opted_out',
  'missing_data',
] as const;
export type ExclusionReason = (typeof exclusionReasons)[number];

export const optIns = ['single', 'double'] as const;
export const consentActions = ['requested', 'granted', 'withdrawn'] as const;
/** How a consent record came to be. */
export const consentMethods = [
  'form',
  'double_opt_in',
  'import',
  'portal',
  'preference_centre',
  'one_click',
  'unsubscribe_page',
  'complaint',
  'hard_bounce',
  'admin',
  'api',
  'erasure',
] as const;
export type ConsentMethod = (typeof consentMethods)[number];
export const subscriptionStatuses = ['none', 'unconfirmed', 'confirmed', 'unsubscribed'] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];
export const suppressionReasons = ['hard_bounce', 'complaint', 'erasure', 'manual'] as const;

const listKey = z
  .string()
  .trim()
  .min(1)
  .max(60)
  .regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'lower-case letters, digits and dashes, like onboarding-tips' });

export const mailingListCreateSchema = z.strictObject({
  key: listKey,
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).default(''),
  optIn: z.enum(optIns).describe('double: a subscription counts only once the contact confirms from an email'),
  public: z.boolean().default(true).describe('offered on subscribe pages and in the preference centre'),
  wording: z.string().trim().min(1).max(2000).describe('what a contact is shown when subscribing (recorded in the ledger with its version)'),
});
export type MailingListCreate = z.input<typeof mailingListCreateSchema>;

export const mailingListUpdateSchema = mailingListCreateSchema.omit({ key: true }).partial().extend({ archived: z.boolean().optional() }).strict();
export type MailingListUpdate = z.input<typeof mailingListUpdateSchema>;

export const mailingListSchema = z.object({
  id: z.uuid(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  optIn: z.enum(optIns),
  public: z.boolean(),
  wording: z.string(),
  wordingVersion: z.number().int(),
  archivedAt: z.string().nullable(),
  counts: z.object({ unconfirmed: z.number().int(), confirmed: z.number().int(), unsubscribed: z.number().int() }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type MailingList = z.infer<typeof mailingListSchema>;

export const consentRecordSchema = z.object({
  id: z.uuid(),
  contactId: z.uuid().nullable(),
  purpose: z.string().describe('`list:<list id>` or `service`'),
  purposeName: z.string().describe('the list name, or "Service messages"'),
  action: z.enum(consentActions),
  method: z.enum(consentMethods),
  wording: z.string().nullable(),
  wordingVersion: z.number().int().nullable(),
  sourceIp: z.string().nullable(),
  userAgent: z.string().nullable(),
  proof: z.string().nullable(),
  recordedBy: z.string(),
  at: z.string(),
});
export type ConsentRecord = z.infer<typeof consentRecordSchema>;

export const subscriptionSchema = z.object({
  purpose: z.string(),
  purposeName: z.string(),
  listId: z.uuid().nullable(),
  status: z.enum(subscriptionStatuses),
  since: z.string().nullable(),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

export const suppressionSchema = z.object({
  addressHash: z.string(),
  address: z.string().nullable(),
  reason: z.enum(suppressionReasons),
  detail: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type Suppression = z.infer<typeof suppressionSchema>;

/** A contact's consent: the status per purpose and the ledger behind it, newest first. */
export const contactConsentSchema = z.object({
  contact: z.object({ id: z.uuid(), name: z.string(), email: z.string(), suppressed: z.enum(suppressionReasons).nullable() }),
  subscriptions: z.array(subscriptionSchema),
  records: z.array(consentRecordSchema),
});
export type ContactConsent = z.infer<typeof contactConsentSchema>;

/** A member records what the contact asked for (by email, on a call): the note says how the request came. */
export const consentRequestSchema = z.strictObject({
  listId: z.uuid().nullable().describe('the list; null for service messages'),
  action: z.enum(['granted', 'withdrawn']),
  note: z
    .string()
    .trim()
    .min(5, { message: 'say how the contact asked (at least 5 characters), e.g. "Asked by email to Sam on 3 May"' })
    .max(1000)
    .describe('how and when the contact asked: kept in the ledger as the proof'),
});
export type ConsentRequest = z.input<typeof consentRequestSchema>;

export const consentRequestResultSchema = z.object({
  recorded: z.boolean(),
  reason: z.enum(['unchanged', 'withdrawn_earlier']).nullable().describe('why nothing was recorded'),
  consent: contactConsentSchema,
});

/** Erasure asks for the contact's address again, so a slip of the mouse cannot erase the wrong person. */
export const consentEraseSchema = z.strictObject({
  confirm: z.string().trim().min(1).max(254).describe("the contact's email address, typed again"),
});

export const consentEraseResultSchema = z.object({
  recordsRemoved: z.number().int(),
  withdrawalsKept: z.number().int().describe('one hashed withdrawal per purpose the address had'),
  messagesErased: z.number().int().nullable().describe('outbox messages whose personal data was removed'),
});
export type ConsentEraseResult = z.infer<typeof consentEraseResultSchema>;

export const suppressionCreateSchema = z.strictObject({
  address: z
    .string()
    .trim()
    .max(254)
    .pipe(z.email({ message: 'must be an email address like name@example.com' })),
  detail: z.string().trim().max(500).default(''),
});
export type SuppressionCreate = z.input<typeof suppressionCreateSchema>;

/** A list's hosted subscribe page and embeddable form (GET /lists/:id/form). */
export const listFormSchema = z.object({
  hostedUrl: z.string().nullable().describe('the hosted subscribe page (null while the list is not public or is archived)'),
  snippet: z.string().nullable().describe('an HTML form to paste into another site; it posts to the hosted page'),
});
export type ListForm = z.infer<typeof listFormSchema>;
