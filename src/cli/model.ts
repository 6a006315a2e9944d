import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { systemActor } from '../lib/actor.ts';
import { AppError } from '../lib/errors.ts';
import { simulateModel } from '../modules/engine/engine.simulate.ts';
import { formatIssue, locateIssues, parseModelSource } from '../modules/models/models.lint.ts';
import { applyModel, lintAgainstWorkspace } from '../modules/models/models.ts';
import { findFirstWorkspace } from '../modules/workspaces/workspaces.ts';
import { defineCommand, UserError } from './command.ts';
import { runCommand } from './run.ts';

// The file is read by the caller (main.ts) and passed as text, so a running server can run the command too.
const fileArgs = { file: z.string().min(1), source: z.string() };

async function workspaceOf(db: Parameters<typeof findFirstWorkspace>[0]) {
  const workspace = await findFirstWorkspace(db);
  if (!workspace) throw new UserError('No workspace yet: run `momentum demo` or start the server once (`npm start`).');
  return workspace;
}

function userError(e: unknown): never {
  if (e instanceof AppError) throw new UserError(e.message);
  throw e;
}

export const modelValidateCommand = defineCommand({
  name: 'model-validate',
  args: z.object(fileArgs),
  async run(rt, io, args) {
    const parsed = parseModelSource(args.source, args.file);
    const issues = [...parsed.issues];
    const workspace = await findFirstWorkspace(rt.db);
    if (parsed.definition && workspace) {
      const found = await lintAgainstWorkspace(rt.db, rt.clock, workspace.id, parsed.definition);
      issues.push(...locateIssues(args.source, args.file, found));
    }
    for (const issue of issues) io.out(formatIssue(issue));
    const errors = issues.filter((i) => i.severity === 'error').length;
    const warnings = issues.length - errors;
    if (errors > 0) {
      io.err(`${args.file}: ${errors} error(s), ${warnings} warning(s)`);
      return 1;
    }
    io.out(`${args.file}: valid model ${parsed.definition?.key} (${parsed.definition?.moments.length} moments, ${warnings} warning(s))`);
    return 0;
  },
});

export const modelApplyCommand = defineCommand({
  name: 'model-apply',
  args: z.object({ ...fileArgs, approve: z.boolean().default(false) }),
  async run(rt, io, args) {
    const workspace = await workspaceOf(rt.db);
    const parsed = parseModelSource(args.source, args.file);
    for (const issue of parsed.issues) io.err(formatIssue(issue));
    const result = await applyModel(
      rt.db,
      rt.clock,
      systemActor(workspace.id, 'cli'),
      { source: args.source, file: args.file },
      { approve: args.approve },
    ).catch(userError);
    const v = result.version;
    const what = result.created ? `Stored ${v.key} version ${v.version}` : `${v.key} version ${v.version} already has this definition`;
    io.out(`${what}: ${v.status}.`);
    if (v.status === 'draft')
      io.out(`It needs an admin's approval: POST /api/v1/models/${v.modelId}/versions/${v.version}/approve, or run again with --approve.`);
    return 0;
  },
});

export const modelSimulateCommand = defineCommand({
  name: 'model-simulate',
  args: z.object({
    ...fileArgs,
    from: z.string(),
    to: z.string(),
    growthPerMonth: z.number().positive().optional(),
    growthRate: z.number().positive().optional(),
  }),
  async run(rt, io, args) {
    if (args.growthPerMonth !== undefined && args.growthRate !== undefined) {
      io.err('--growth-per-month and --growth-rate cannot be used together: give one of them');
      return 2;
    }
    const workspace = await workspaceOf(rt.db);
    const from = new Date(args.from);
    const to = new Date(args.to);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new UserError('--from and --to must be dates (YYYY-MM-DD)');
    const growth =
      args.growthPerMonth !== undefined
        ? { accountsPerMonth: args.growthPerMonth }
        : args.growthRate !== undefined
          ? { monthlyRate: args.growthRate }
          : undefined;
    const report = await simulateModel(rt.db, workspace.id, { source: args.source, file: args.file }, { from, to, growth }, (done, total) =>
      io.progress('simulating days', done, total),
    ).catch(userError);
    io.out(`Simulated ${report.model} from ${args.from} to ${args.to} (${report.days} days) over ${report.accounts} account(s); nothing was written.`);
    const g = report.growth;
    if (g) {
      const stated = g.accountsPerMonth !== null ? `${g.accountsPerMonth} account(s) per month` : `${g.monthlyRate}% a month of ${g.base} segment account(s)`;
      io.out(
        `Growth: ${stated}, modelled on ${g.templates} real account(s): ${g.added} synthetic account(s) added (${g.perMonth
          .map((m) => `${m.month} ${m.accounts}`)
          .join(', ')}); ${g.engaged} engaged, ${g.moments} of the moments are theirs.`,
      );
    }
    io.out(
      `Moments: ${report.total} (${Object.entries(report.byRule)
        .map(([rule, n]) => `${rule} ${n}`)
        .join(', ')}); phase changes ${report.phaseChanges}.`,
    );
    io.out(`Digital share: ${(report.digitalShare * 100).toFixed(1)}%`);
    io.out('');
    io.out('Moments per week per role:');
    io.out('week        role              moments');
    for (const r of report.perWeek) io.out(`${r.week}  ${r.role.padEnd(16)}  ${String(r.moments).padStart(7)}`);
    io.out('');
    io.out('Effort hours per month per role:');
    io.out('month    role              hours');
    for (const r of report.effortPerMonth) io.out(`${r.month}  ${r.role.padEnd(16)}  ${r.hours.toFixed(1).padStart(7)}`);
    io.out('');
    io.out('Event-based moments need future events and are not forecast; absence and expectation rules assume no new activity.');
    if (g) io.out('Synthetic accounts have no contracts: schedules counted from contract start do not fire for them.');
    return 0;
  },
});

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number above 0');
  return n;
}

function readModelFile(file: string): { file: string; source: string } {
  try {
    return { file, source: readFileSync(file, 'utf8') };
  } catch (e) {
    throw new UserError(`Cannot read ${file}: ${(e as Error).message}`);
  }
}

/** `momentum model validate|apply|simulate FILE`. */
export function registerModelCommands(program: Command, exit: (code: number) => void) {
  const model = program.command('model').description('check, apply or forecast an engagement model (YAML or JSON)');
  model
    .command('validate <file>')
    .description('check a model file: every problem with its file, line and field')
    .action(async (file: string) => exit(await runCommand(loadConfig(), modelValidateCommand, readModelFile(file))));
  model
    .command('apply <file>')
    .description('store a model file as a draft needing approval, or approve and activate it with --approve')
    .option('--approve', 'approve and activate it now (as the operator of this installation)', false)
    .action(async (file: string, opts: { approve: boolean }) =>
      exit(await runCommand(loadConfig(), modelApplyCommand, { ...readModelFile(file), approve: opts.approve })),
    );
  model
    .command('simulate <file>')
    .description(
      'forecast a model over the current accounts (and optionally a growing synthetic population): moments per week and effort per month per role, digital share (nothing is written)',
    )
    .requiredOption('--from <date>', 'first day (YYYY-MM-DD)')
    .requiredOption('--to <date>', 'last day (YYYY-MM-DD)')
    .addOption(
      new Option('--growth-per-month <n>', 'add N synthetic accounts a month, modelled on members of the segment')
        .argParser(positiveNumber)
        .conflicts('growthRate'),
    )
    .addOption(new Option('--growth-rate <pct>', 'grow the segment by PCT percent a month (compounded) with synthetic accounts').argParser(positiveNumber))
    .action(async (file: string, opts: { from: string; to: string; growthPerMonth?: number; growthRate?: number }) =>
      exit(
        await runCommand(loadConfig(), modelSimulateCommand, {
          ...readModelFile(file),
          from: opts.from,
          to: opts.to,
          growthPerMonth: opts.growthPerMonth,
          growthRate: opts.growthRate,
        }),
      ),
    );
}
