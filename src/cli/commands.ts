import { apiKeyCreateCommand } from './apikey.ts';
import { backupCommand } from './backup.ts';
import type { CommandSpec } from './command.ts';
import { demoCommand } from './demo.ts';
import { importCommand } from './import.ts';
import { metricsRebuildCommand } from './metrics.ts';
import { migrateCommand } from './migrate.ts';
import { modelApplyCommand, modelSimulateCommand, modelValidateCommand } from './model.ts';
import { sweepCommand } from './sweep.ts';

/** Commands that run against the database: locally, or inside a running `serve` on the same embedded data dir. */
export const remoteCommands: CommandSpec[] = [
  migrateCommand,
  apiKeyCreateCommand,
  backupCommand,
  demoCommand,
  importCommand,
  modelValidateCommand,
  modelApplyCommand,
  modelSimulateCommand,
  sweepCommand,
  metricsRebuildCommand,
];
