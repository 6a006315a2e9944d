import { Command, CommanderError, Option } from 'commander';
import { apiKeyCreateCommand, expiryDays } from './cli/apikey.ts';
import { registerBackupCommands } from './cli/backup.ts';
import { UserError } from './cli/command.ts';
import { demoCommand } from './cli/demo.ts';
import { registerImportCommand } from './cli/import.ts';
import { registerMetricsCommand } from './cli/metrics.ts';
import { migrateCommand } from './cli/migrate.ts';
import { registerModelCommands } from './cli/model.ts';
import { runCommand } from './cli/run.ts';
import { serve } from './cli/serve.ts';
import { registerSweepCommand } from './cli/sweep.ts';
import { runWorker } from './cli/worker.ts';
import { ConfigError, loadConfig } from './config.ts';
import { DatabaseUnavailableError } from './db/client.ts';

const program = new Command('momentum').description('Momentum: open-source customer engagement platform').exitOverride().showHelpAfterError();

const exit = (code: number) => {
  process.exitCode = code;
};

program
  .command('serve')
  .description('serve the console, API and portal, with the worker in the same process')
  .option('--no-worker', 'do not run the worker in this process')
  .option('--no-demo', 'do not seed the demo workspace into an empty database')
  .action(async (opts: { worker: boolean; demo: boolean }) => serve({ worker: opts.worker, demo: opts.demo }));

program
  .command('worker')
  .description('run the worker alone (PostgreSQL; run several for scale)')
  .action(async () => runWorker());

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => exit(await runCommand(loadConfig(), migrateCommand, {}, { migrate: false })));

program
  .command('demo')
  .description('seed the demo workspace (idempotent)')
  .action(async () => exit(await runCommand(loadConfig(), demoCommand, {})));

const apikey = program.command('apikey').description('manage API keys');
apikey
  .command('create')
  .description('create an API key and print it as the last line of stdout')
  .requiredOption('--name <name>', 'a name to recognise the key by')
  .addOption(new Option('--scope <scope>', 'what the key may do').choices(['admin', 'ingest']).default('admin'))
  .addOption(new Option('--expires-in <days>', 'refuse the key after this many days (default: never expires)').argParser(expiryDays))
  .action(async (opts: { name: string; scope: string; expiresIn?: number }) => exit(await runCommand(loadConfig(), apiKeyCreateCommand, opts)));

registerBackupCommands(program, exit);
registerImportCommand(program, exit);
registerMetricsCommand(program, exit);
registerModelCommands(program, exit);
registerSweepCommand(program, exit);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof UserError || error instanceof ConfigError || error instanceof DatabaseUnavailableError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
