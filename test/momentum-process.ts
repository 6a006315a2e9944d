import { type ChildProcess, spawn } from 'node:child_process';

// The operator's view in tests: real `momentum` processes on a data dir, as the CLI is run from a shell.
export const bin = new URL('../bin/momentum.js', import.meta.url).pathname;

/** The environment of a `momentum` process on `dataDir` (the test's own DATABASE_URL left out). */
export function momentumEnv(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return { ...rest, MOMENTUM_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra };
}

export interface Finished {
  /** null when it did not end by itself within the time allowed (then it was killed) or ended by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `momentum ARGS` to its end. `onStderr` sees the stderr so far at each chunk (to interrupt it at a point); a
 * process still running after `timeoutMs` is killed, so a command that never ends fails its test instead of hanging it.
 */
export function runMomentum(
  dataDir: string,
  args: string[],
  extra: Record<string, string> = {},
  options: { onStderr?: (stderr: string, child: ChildProcess) => void; timeoutMs?: number } = {},
): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: momentumEnv(dataDir, extra) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      options.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `momentum serve ARGS` on port 0 and waits until it prints its address. */
export async function startServe(
  dataDir: string,
  args: string[] = ['--no-demo'],
  extra: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], { env: momentumEnv(dataDir, { PORT: '0', ...extra }) });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    const match = output.match(/running at (http:\/\/[^\s]+)/);
    if (match?.[1]) return { child, url: match[1] };
    if (child.exitCode !== null) throw new Error(`serve exited: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`serve did not start: ${output}`);
}

/** Sends SIGTERM and waits for the exit; returns the exit code. */
export async function stopServe(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}
