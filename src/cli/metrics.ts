import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { rebuildMetrics } from '../modules/metrics/metrics.ts';
import { findFirstWorkspace } from '../modules/workspaces/workspaces.ts';
import { defineCommand, UserError } from './command.ts';
import { runCommand } from './run.ts';

export const metricsRebuildCommand = defineCommand({
  name: 'metrics-rebuild',
  args: z.object({}),
  async run(rt, io) {
    const workspace = await findFirstWorkspace(rt.db);
    if (!workspace) throw new UserError('No workspace yet: run `momentum demo` or start the server once (`npm start`).');
    const started = Date.now();
    const result = await rebuildMetrics(rt.db, workspace.id);
    if (!result.fromDay) {
      io.out('No events stored: nothing to rebuild.');
      return 0;
    }
    io.out(
      `Rebuilt metric rollups of ${workspace.name} from raw events since ${result.fromDay}: ${result.rollups} daily rows, ${result.sums} property sums (${Date.now() - started} ms). Older days, whose raw events retention removed, were kept.`,
    );
    return 0;
  },
});

/** `momentum metrics rebuild`: recomputes the daily rollups behind every metric from the raw events. */
export function registerMetricsCommand(program: Command, exit: (code: number) => void): void {
  const metrics = program.command('metrics').description('derived data: metrics over events');
  metrics
    .command('rebuild')
    .description('recompute the daily rollups behind every metric from the raw events kept')
    .action(async () => exit(await runCommand(loadConfig(), metricsRebuildCommand, {})));
}
