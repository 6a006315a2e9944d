import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { errorSchema } from '../../http/errors.ts';
import { actorOf, defineRoutes } from '../../http/types.ts';
import { AppError } from '../../lib/errors.ts';
import { accountQueryFromRequest, listQuery } from '../accounts/accounts.routes.ts';
import { guardFormula } from './imports.csv.ts';
import { type CsvExport, exportAccounts, exportContacts, exportContracts } from './imports.exports.ts';
import { type ImportReport, importQuerySchema, importReportSchema, importTypes } from './imports.schema.ts';
import { importCsv } from './imports.ts';

const MAX_FILE = 100 * 1024 * 1024;

const exportAccountsQuery = listQuery.omit({ limit: true, cursor: true });

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 413: errorSchema, 415: errorSchema };

/** The CSV bytes: a multipart/form-data field named file, or the request body itself (text/csv). */
async function fileOf(request: FastifyRequest): Promise<Uint8Array> {
  if (request.isMultipart()) {
    const part = await request.file();
    if (part?.fieldname !== 'file')
      throw new AppError('validation_failed', 'file: send the CSV as the form field "file"', [{ path: 'file', message: 'is required' }]);
    return part.toBuffer();
  }
  if (Buffer.isBuffer(request.body)) return request.body;
  throw new AppError('validation_failed', 'file: send the CSV as multipart/form-data field "file", or as a text/csv body', [
    { path: 'file', message: 'is required' },
  ]);
}

/** An all-or-nothing import with bad rows wrote nothing: 400, every row error in details. */
function refuse(report: ImportReport): never {
  const details = report.errors.map((e) => ({ path: `row ${e.row}.${e.column}`, message: e.message }));
  const first = report.errors
    .slice(0, 3)
    .map((e) => `row ${e.row}, ${e.column}: ${e.message}`)
    .join('; ');
  throw new AppError(
    'validation_failed',
    `Nothing was imported: ${report.failed} ${report.type} ha${report.failed === 1 ? 's' : 've'} errors (${first}${report.errors.length > 3 ? '; ...' : ''}). Fix them, or import with mode=partial to write the good rows.`,
    details,
  );
}

async function sendCsv(reply: FastifyReply, name: string, csv: CsvExport) {
  // The byte order mark makes Excel read the file as UTF-8; the import accepts it.
  const out = stringify({ header: true, columns: csv.columns, bom: true, cast: { string: guardFormula } });
  void (async () => {
    try {
      for await (const record of csv.rows) if (!out.write(record)) await once(out, 'drain');
      out.end();
    } catch (error) {
      out.destroy(error as Error);
    }
  })();
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(out);
}

export const importRoutes = defineRoutes((app, { db, clock }) => {
  app.addContentTypeParser(
    ['text/csv', 'application/csv', 'application/vnd.ms-excel', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: MAX_FILE },
    (_request, body, done) => done(null, body),
  );

  app.post(
    '/imports/:type',
    {
      config: { access: 'write' },
      bodyLimit: MAX_FILE,
      schema: {
        operationId: 'importCsv',
        tags: ['imports'],
        summary: 'Import accounts, contacts or contracts from CSV (upsert by external id or email)',
        description:
          'Send the file as multipart/form-data field `file` or as a `text/csv` body (up to 100 MB). Headers are matched case- and punctuation-insensitively, ' +
          'including Salesforce and HubSpot export column names. All-or-nothing by default: any bad row answers 400 with every row error in `error.details` ' +
          '(path `row 7.email`) and writes nothing.',
        consumes: ['multipart/form-data', 'text/csv'],
        params: z.object({ type: z.enum(importTypes) }),
        querystring: importQuerySchema,
        response: { 200: importReportSchema, ...errors },
      },
    },
    async (request) => {
      const bytes = await fileOf(request);
      const { mode, dryRun, encoding, consentProof } = request.query;
      const report = await importCsv(db, clock, actorOf(request), request.params.type, bytes, { mode, dryRun, encoding, consentProof });
      if (mode === 'all_or_nothing' && report.errors.length > 0) refuse(report);
      return report;
    },
  );

  app.get(
    '/exports/accounts.csv',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'exportAccounts',
        tags: ['imports'],
        summary: 'Export accounts as CSV (the same filters as listing accounts); the file re-imports unchanged',
        produces: ['text/csv'],
        querystring: exportAccountsQuery,
        response: { 200: z.string().describe('CSV with a header row'), ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const q = request.query;
      const { filter, teamMemberId } = await accountQueryFromRequest(db, actor, q);
      return sendCsv(reply, 'accounts.csv', await exportAccounts(db, clock, actor, { filter, sort: q.sort, teamMemberId }));
    },
  );

  app.get(
    '/exports/contacts.csv',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'exportContacts',
        tags: ['imports'],
        summary: 'Export contacts as CSV; the file re-imports unchanged',
        produces: ['text/csv'],
        response: { 200: z.string().describe('CSV with a header row'), ...errors },
      },
    },
    async (request, reply) => sendCsv(reply, 'contacts.csv', await exportContacts(db, clock, actorOf(request))),
  );

  app.get(
    '/exports/contracts.csv',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'exportContracts',
        tags: ['imports'],
        summary: 'Export contracts as CSV, one row per line item; the file re-imports unchanged',
        produces: ['text/csv'],
        response: { 200: z.string().describe('CSV with a header row'), ...errors },
      },
    },
    async (request, reply) => sendCsv(reply, 'contracts.csv', await exportContracts(db, clock, actorOf(request))),
  );
});
