import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { fixedClock } from '../lib/clock.ts';
import { sweep } from '../modules/engine/engine.ts';
import { defineCommand, UserError } from './command.ts';
import { runCommand } from './run.ts';

export const sweepCommand = defineCommand({
  name: 'sweep',
  args: z.object({ asOf: z.string().optional() }),
  async run(rt, io, args) {
    const asOf = args.asOf ? new Date(args.asOf) : rt.clock.now();
    if (Number.isNaN(asOf.getTime())) throw new UserError('--as-of must be an ISO time, e.g. 2026-06-01T09:00:00Z');
    const report = await sweep(rt.db, fixedClock(asOf));
    const total = Object.values(report.opened).reduce((a, b) => a + b, 0);
    io.out(
      `Sweep as of ${report.asOf}: ${report.workspaces} workspace(s), ${report.engaged} account(s) newly engaged, ${report.phaseChanges} phase change(s).`,
    );
    io.out(
      `Opened ${total} instance(s): ${Object.entries(report.opened)
        .map(([rule, n]) => `${rule} ${n}`)
        .join(', ')}`,
    );
    for (const m of report.byMoment) io.out(`  ${m.model} / ${m.moment} (${m.rule}): ${m.opened}`);
    const t = report.timings;
    io.err(`(${t.engage + t.phases + t.rules + t.events} ms: engage ${t.engage}, phases ${t.phases}, time rules ${t.rules}, events ${t.events})`);
    return 0;
  },
});

/** `momentum sweep --as-of ISO_TIME`. */
export function registerSweepCommand(program: Command, exit: (code: number) => void) {
  program
    .command('sweep')
    .description("run the engine's time-driven triggers as of a time and print what it opened, by rule")
    .option('--as-of <time>', 'ISO time to sweep as of (default: now)')
    .action(async (opts: { asOf?: string }) => exit(await runCommand(loadConfig(), sweepCommand, { asOf: opts.asOf })));
}
