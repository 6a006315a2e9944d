import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
import iconv from 'iconv-lite';
import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { systemActor } from '../lib/actor.ts';
import { AppError } from '../lib/errors.ts';
import { type ImportReport, importTypes } from '../modules/imports/imports.schema.ts';
import { importCsv } from '../modules/imports/imports.ts';
import { findFirstWorkspace } from '../modules/workspaces/workspaces.ts';
import { type CommandIO, defineCommand, UserError } from './command.ts';
import { runCommand } from './run.ts';

/** Row errors printed in the terminal; the API answers with all of them. */
const SHOWN_ERRORS = 100;

function printReport(io: CommandIO, file: string, partial: boolean, report: ImportReport): void {
  for (const w of report.warnings) io.err(`warning: ${w.column ? `column "${w.column}": ` : ''}${w.message}`);
  const written = report.errors.length === 0 || partial;
  if (written) {
    const counts = `${report.created} created, ${report.updated} updated${report.failed > 0 ? `, ${report.failed} failed` : ''}`;
    io.out(report.dryRun ? `Dry run of ${file} (nothing written): would be ${counts}.` : `Imported ${report.type} from ${file}: ${counts}.`);
  }
  for (const s of report.skipped) io.out(`  row ${s.row}, ${s.column}: ${s.message}`);
  if (report.errors.length === 0) return;
  io.out(`${report.failed} ${report.type === 'contracts' ? 'contract' : 'row'}${report.failed === 1 ? '' : 's'} with errors:`);
  for (const e of report.errors.slice(0, SHOWN_ERRORS)) io.out(`  row ${e.row}, ${e.column}: ${e.message}`);
  if (report.errors.length > SHOWN_ERRORS) io.out(`  ... and ${report.errors.length - SHOWN_ERRORS} more`);
  if (!written) io.err('Nothing was imported: fix these rows and import the file again, or pass --partial to import the good rows.');
}

export const importCommand = defineCommand({
  name: 'import',
  args: z.object({
    type: z.enum(importTypes),
    /** Absolute: a running server on the same data dir may be the one reading it. */
    file: z.string().min(1).max(4096),
    encoding: z.string().max(50).optional(),
    partial: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    consentProof: z.string().max(1000).optional(),
  }),
  async run(rt, io, args) {
    const workspace = await findFirstWorkspace(rt.db);
    if (!workspace) throw new UserError('No workspace yet: run `momentum demo` or start the server once (`npm start`).');
    let bytes: Buffer;
    try {
      bytes = await readFile(args.file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(
        `Cannot read ${args.file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`,
      );
    }
    const label = `Importing ${args.type}`;
    let report: ImportReport;
    try {
      report = await importCsv(rt.db, rt.clock, systemActor(workspace.id, 'cli'), args.type, bytes, {
        mode: args.partial ? 'partial' : 'all_or_nothing',
        dryRun: args.dryRun,
        encoding: args.encoding,
        consentProof: args.consentProof,
        onProgress: (done, total) => io.progress(label, done, total),
      });
    } catch (error) {
      // File-level problems (encoding, missing columns) carry their own how-to-fix message.
      if (error instanceof AppError) throw new UserError(`Cannot import ${args.file}: ${error.message}`);
      throw error;
    }
    printReport(io, args.file, args.partial, report);
    return report.errors.length > 0 ? 1 : 0;
  },
});

function encodingName(value: string): string {
  if (!iconv.encodingExists(value)) throw new InvalidArgumentError('not an encoding this version knows (try utf-8, windows-1252 or latin1)');
  return value;
}

/** `momentum import TYPE FILE.csv [--encoding E] [--partial] [--dry-run] [--consent-proof TEXT]`. */
export function registerImportCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('import')
    .description('import accounts, contacts or contracts from a CSV file, upserting by external id (contacts: email)')
    .addArgument(new Argument('<type>', 'what the file holds').choices(importTypes))
    .argument('<file>', 'the CSV file (Salesforce, HubSpot and Momentum export headers are recognised)')
    .addOption(new Option('--encoding <encoding>', 'the file encoding when it is not UTF-8, e.g. windows-1252 or latin1').argParser(encodingName))
    .option('--partial', 'import the good rows even when some rows have errors (default: all or nothing)')
    .option('--dry-run', 'validate and report without writing anything')
    .option('--consent-proof <text>', 'contacts with a consent_lists column: how they agreed (where, when, what they were shown); required with that column')
    .action(async (type: string, file: string, opts: { encoding?: string; partial?: boolean; dryRun?: boolean; consentProof?: string }) =>
      exit(
        await runCommand(loadConfig(), importCommand, {
          type,
          file: resolve(file),
          encoding: opts.encoding,
          partial: opts.partial ?? false,
          dryRun: opts.dryRun ?? false,
          consentProof: opts.consentProof,
        }),
      ),
    );
}
