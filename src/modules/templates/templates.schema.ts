// Template shapes shared by the API and the console (web/ may import this file: keep it free of server code).
import { z } from 'zod';

export const templateKinds = ['marketing', 'transactional'] as const;
export const templateBodyFormats = ['simple', 'mjml'] as const;

/** Largest template sources accepted (characters); rendering has its own time and output limits. */
export const TEMPLATE_LIMITS = { subject: 500, body: 200_000, text: 100_000 } as const;

/**
 * The variables a template may use, as the console's reference shows them. `custom.<key>` and `metrics.<key>` are the
 * workspace's own custom fields and metrics; team roles are csm, account_manager, marketing, support, executive, partner.
 */
export const templateVariableReference: { path: string; what: string }[] = [
  { path: 'contact.name', what: "The contact's full name" },
  { path: 'contact.first_name', what: 'The first word of the name' },
  { path: 'contact.last_name', what: 'The rest of the name' },
  { path: 'contact.email', what: 'Email address' },
  { path: 'contact.title', what: 'Job title' },
  { path: 'contact.phone', what: 'Phone' },
  { path: 'contact.persona', what: 'executive_sponsor, champion, admin, end_user, buyer, other' },
  { path: 'contact.custom.<key>', what: 'A contact custom field' },
  { path: 'account.name', what: "The contact's account" },
  { path: 'account.domain', what: 'Web domain' },
  { path: 'account.industry', what: 'Industry' },
  { path: 'account.region', what: 'Region' },
  { path: 'account.phase', what: 'onboarding, ongoing or renewal' },
  { path: 'account.arr', what: 'Annual recurring revenue' },
  { path: 'account.next_renewal_date', what: 'Next renewal (YYYY-MM-DD)' },
  { path: 'account.touch_model', what: 'high, low or tech' },
  { path: 'account.offerings', what: 'Offerings owned (a list: use a for loop or | join)' },
  { path: 'account.custom.<key>', what: 'An account custom field' },
  { path: 'team.csm.name', what: "The account's CSM (also .email; other roles: account_manager, marketing, support, executive, partner)" },
  { path: 'metrics.<key>', what: "A metric's value for the account over the last 28 days (last_seen metrics: the day last seen)" },
  { path: 'workspace.name', what: 'Your organisation' },
  { path: 'workspace.postal_address', what: 'Your postal address' },
  { path: 'links.unsubscribe', what: 'Unsubscribe link of the campaign or stream list (marketing only)' },
  { path: 'links.preferences', what: "The contact's preference centre" },
];

const key = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'must be a slug: lowercase letters, digits and single hyphens (e.g. renewal-reminder)' });

const content = {
  subject: z.string().trim().min(1).max(TEMPLATE_LIMITS.subject).describe('Liquid'),
  bodyFormat: z.enum(templateBodyFormats).describe('simple: HTML content wrapped in the default responsive layout; mjml: a whole <mjml> document'),
  body: z.string().min(1).max(TEMPLATE_LIMITS.body).describe('MJML or simple HTML content, with Liquid'),
  text: z.string().max(TEMPLATE_LIMITS.text).nullable().describe('Liquid plain-text part; null: derived from the HTML'),
};

export const templateCreateSchema = z
  .strictObject({
    key,
    name: z.string().trim().min(1).max(200),
    kind: z.enum(templateKinds).default('marketing'),
    subject: content.subject,
    bodyFormat: content.bodyFormat.default('simple'),
    body: content.body,
    text: content.text.default(null),
  })
  .meta({ id: 'TemplateCreate' });
export type TemplateCreate = z.input<typeof templateCreateSchema>;

export const templateUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    kind: z.enum(templateKinds).optional(),
    subject: content.subject.optional(),
    bodyFormat: content.bodyFormat.optional(),
    body: content.body.optional(),
    text: content.text.optional(),
    archived: z.boolean().optional().describe('true archives it (no new campaigns or streams can use it); false restores it'),
  })
  .meta({ id: 'TemplateUpdate' });
export type TemplateUpdate = z.input<typeof templateUpdateSchema>;

export const templateSchema = z
  .object({
    id: z.uuid(),
    key: z.string(),
    name: z.string(),
    kind: z.enum(templateKinds),
    subject: z.string(),
    bodyFormat: z.enum(templateBodyFormats),
    body: z.string(),
    text: z.string().nullable(),
    variables: z.array(z.string()).describe('Variable paths the template uses'),
    archived: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Template' });
export type Template = z.infer<typeof templateSchema>;

/** A draft rendered as one contact, before (or without) saving: the editor's live preview. */
export const templatePreviewRequestSchema = z
  .strictObject({
    contactId: z.uuid().nullable().default(null).describe('The contact to render as; null: a sample contact'),
    subject: content.subject,
    bodyFormat: content.bodyFormat.default('simple'),
    body: content.body,
    text: content.text.default(null),
  })
  .meta({ id: 'TemplatePreviewRequest' });
export type TemplatePreviewRequest = z.input<typeof templatePreviewRequestSchema>;

export const templatePreviewSchema = z
  .object({
    contact: z.object({ id: z.uuid().nullable(), name: z.string(), email: z.string() }),
    subject: z.string().nullable(),
    html: z.string().nullable(),
    text: z.string().nullable(),
    missing: z.array(z.string()).describe('Variables this contact has no value for: a send to them would be excluded (missing_data)'),
    variables: z.array(z.string()),
  })
  .meta({ id: 'TemplatePreview' });
export type TemplatePreview = z.infer<typeof templatePreviewSchema>;

export const templateTestSendSchema = z
  .strictObject({ contactId: z.uuid().nullable().default(null).describe('Render as this contact; null: a sample contact') })
  .meta({ id: 'TemplateTestSend' });

export const templateTestResultSchema = z
  .object({
    queued: z.boolean(),
    to: z.string().describe('The signed-in member, who receives it'),
    messageId: z.string().nullable(),
    reason: z.string().nullable().describe('Why it was not queued'),
  })
  .meta({ id: 'TemplateTestResult' });
export type TemplateTestResult = z.infer<typeof templateTestResultSchema>;
