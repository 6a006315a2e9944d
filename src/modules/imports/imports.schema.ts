// Import shapes shared by the API and the console (web/ may import this file: keep it free of server code).
import { z } from 'zod';

export const importTypes = ['accounts', 'contacts', 'contracts'] as const;
export type ImportType = (typeof importTypes)[number];

export const importModes = ['all_or_nothing', 'partial'] as const;
export type ImportMode = (typeof importModes)[number];

export const rowErrorSchema = z.object({
  row: z.number().int().describe('Spreadsheet row number: the header is row 1, the first data row is row 2'),
  column: z.string(),
  message: z.string(),
});
export type RowError = z.infer<typeof rowErrorSchema>;

export const importWarningSchema = z.object({ column: z.string().nullable(), message: z.string() });
export type ImportWarning = z.infer<typeof importWarningSchema>;

export const importReportSchema = z
  .object({
    type: z.enum(importTypes),
    created: z.number().int(),
    updated: z.number().int(),
    failed: z.number().int().describe('Records (accounts, contacts or contracts) not written because of errors'),
    dryRun: z.boolean(),
    errors: z.array(rowErrorSchema).describe('Row-level errors: row is the spreadsheet row number (the header is row 1)'),
    warnings: z.array(importWarningSchema),
    skipped: z.array(rowErrorSchema).describe('Rows written whose consent was not recorded, and why (an address that withdrew earlier)'),
  })
  .meta({ id: 'ImportReport' });
export type ImportReport = z.infer<typeof importReportSchema>;

export const importQuerySchema = z.strictObject({
  mode: z.enum(importModes).default('all_or_nothing').describe('all_or_nothing: any bad row and nothing is written; partial: write the good rows'),
  dryRun: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('Validate and report without writing'),
  encoding: z.string().trim().max(50).optional().describe('The file encoding when it is not UTF-8, e.g. windows-1252 or latin1'),
  consentProof: z
    .string()
    .max(1000)
    .optional()
    .describe('Contacts with a consent_lists column: how these contacts agreed (required with that column; kept in the consent ledger as proof)'),
});
/** The query string as a client sends it. */
export type ImportQuery = z.input<typeof importQuerySchema>;
