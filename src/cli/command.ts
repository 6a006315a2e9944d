import type { z } from 'zod';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Clock } from '../lib/clock.ts';

/** Where a command writes: the terminal when run locally, an NDJSON stream when a running server runs it for the CLI. */
export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
  /** Reports progress of long work (rendered as a progress bar in a terminal). */
  progress(label: string, done: number, total: number): void;
}

export interface Runtime {
  db: Db;
  clock: Clock;
  config: Config;
}

/** Exit codes (CONTRACT.md): 0 success, 1 a failure the user can fix, 2 bad usage. */
export type ExitCode = 0 | 1 | 2;

/** A command that can run against a database, in this process or inside a running `serve` on the same data dir. */
export interface CommandSpec<S extends z.ZodType = z.ZodType> {
  name: string;
  args: S;
  run(rt: Runtime, io: CommandIO, args: z.infer<S>): Promise<ExitCode>;
}

export function defineCommand<S extends z.ZodType>(spec: CommandSpec<S>): CommandSpec<S> {
  return spec;
}

/** A failure the user can fix: printed without a stack trace, exit code 1. */
export class UserError extends Error {}
