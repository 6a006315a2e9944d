// Custom field shapes shared by the API and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';

export const customFieldEntities = ['account', 'contact'] as const;
export const customFieldTypes = ['text', 'number', 'boolean', 'date', 'select'] as const;
export type CustomFieldType = (typeof customFieldTypes)[number];

/** A custom field definition as the API returns it. */
export const customFieldSchema = z
  .object({
    id: z.uuid(),
    entity: z.enum(customFieldEntities),
    key: z.string(),
    label: z.string(),
    type: z.enum(customFieldTypes),
    options: z.array(z.string()),
    required: z.boolean(),
  })
  .meta({ id: 'CustomField' });
export type CustomFieldView = z.infer<typeof customFieldSchema>;

export const customFieldListQuerySchema = z.strictObject({ entity: z.enum(customFieldEntities).optional() });
export const customFieldListSchema = z.object({ items: z.array(customFieldSchema) });

export const customFieldCreateSchema = z.strictObject({
  entity: z.enum(customFieldEntities),
  key: z.string().regex(/^[a-z][a-z0-9_]{0,49}$/, 'must be lower_snake_case, starting with a letter, at most 50 characters'),
  label: z.string().trim().min(1).max(100),
  type: z.enum(customFieldTypes),
  options: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
  required: z.boolean().optional(),
});

/** What can change after a field exists: its label, its options (select fields) and whether it is required. */
export const customFieldUpdateSchema = z.strictObject({
  label: z.string().trim().min(1).max(100).optional(),
  options: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
  required: z.boolean().optional(),
});
export type CustomFieldUpdate = z.input<typeof customFieldUpdateSchema>;
