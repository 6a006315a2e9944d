// Contract shapes shared by the API, the import and the console (web/ may import this file: keep it free of server code).
import { z } from 'zod';

export const contractStatuses = ['draft', 'active', 'expired', 'cancelled'] as const;
export type ContractStatus = (typeof contractStatuses)[number];
export const billingKinds = ['recurring', 'one_off'] as const;
export type Billing = (typeof billingKinds)[number];

/** A calendar date as YYYY-MM-DD (real dates only: 2026-02-30 is refused). */
export const isoDate = z.iso.date({ message: 'must be a date as YYYY-MM-DD' });

const trimmedOrNull = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullable()
    .transform((v) => (v === '' ? null : v));

// numeric(14,2) holds values below 10^12; the bounds keep every line and the contract's ARR inside it.
export const lineItemSchema = z.strictObject({
  offering: z.string().trim().min(1).max(200),
  quantity: z.number().min(0.01).max(1_000_000_000),
  unitPrice: z.number().min(0).max(100_000_000_000).describe('Per year for recurring items; the whole price for one-off items'),
  billing: z.enum(billingKinds).default('recurring'),
  renewable: z.boolean().optional().describe('Defaults to true for recurring items, false for one-off items'),
});

/** Every writable contract attribute, all optional (updates); creates require the ones listed in contractRequired. */
export const contractFields = {
  accountId: z.uuid(),
  externalId: trimmedOrNull(200),
  name: z.string().trim().min(1).max(200),
  status: z.enum(contractStatuses).describe('Only active contracts count towards the account ARR and next renewal; defaults to active on create'),
  startDate: isoDate,
  endDate: isoDate,
  renewalDate: isoDate.nullable(),
  autoRenew: z.boolean(),
  currency: z
    .string()
    .trim()
    .transform((v) => v.toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter currency code like USD')),
  services: z.array(z.string().trim().min(1).max(200)).max(100),
  supportEntitlement: trimmedOrNull(200),
  lineItems: z.array(lineItemSchema).max(500),
};

export const contractPatchSchema = z.strictObject(contractFields).partial();
export const contractRequired = ['accountId', 'name', 'startDate', 'endDate'] as const;
export const contractCreateSchema = contractPatchSchema
  .required({ accountId: true, name: true, startDate: true, endDate: true })
  .meta({ id: 'ContractCreate' });
export const contractUpdateSchema = contractPatchSchema.meta({ id: 'ContractUpdate' });
/** A POST /contracts body as the caller sends it. */
export type ContractCreate = z.input<typeof contractCreateSchema>;
/** A PATCH /contracts/:id body as the caller sends it. */
export type ContractUpdate = z.input<typeof contractUpdateSchema>;

/** A line of a contract's bill of materials as the API returns it. */
export const lineItemViewSchema = z
  .object({ offering: z.string(), quantity: z.number(), unitPrice: z.number(), billing: z.enum(billingKinds), renewable: z.boolean() })
  .meta({ id: 'ContractLineItem' });
export type LineItemView = z.infer<typeof lineItemViewSchema>;

/** A contract as the API returns it. */
export const contractSchema = z
  .object({
    id: z.uuid(),
    accountId: z.uuid(),
    externalId: z.string().nullable(),
    name: z.string(),
    status: z.enum(contractStatuses),
    startDate: z.string(),
    endDate: z.string(),
    renewalDate: z.string().nullable(),
    autoRenew: z.boolean(),
    currency: z.string(),
    services: z.array(z.string()),
    supportEntitlement: z.string().nullable(),
    arr: z.number().describe('Sum of quantity x unit price over recurring line items'),
    lineItems: z.array(lineItemViewSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Contract' });
export type ContractView = z.infer<typeof contractSchema>;

export const contractListQuerySchema = z.strictObject({
  accountId: z.uuid().optional().describe("Only this account's contracts"),
  status: z.enum(contractStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
});

export const contractListSchema = z.object({ items: z.array(contractSchema), nextCursor: z.string().nullable(), total: z.number() });
export type ContractList = z.infer<typeof contractListSchema>;
