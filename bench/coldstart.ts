// Cold-start benchmark: `npm run bench -- coldstart [--scale small|full] [--runs N]`.
//
// Creates an embedded data dir with a first `momentum serve` (migrations and the demo seed), stops it, then starts
// `node bin/momentum.js serve` on that existing data dir N times (3 by default), measuring seconds from spawn to
// the first `GET /healthz` 200. Baseline: a bare Node process that opens the same PGlite data dir and answers
// `select 1` (the floor any embedded start pays). Both scales run the same workload; `full` only adds runs.
// The last line of output is one JSON object with the figures.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts `serve` on the data dir and resolves with seconds to the first /healthz 200; the server keeps running. */
async function startServe(dataDir: string, timeoutMs: number): Promise<{ child: ChildProcess; seconds: number; output: () => string }> {
  const port = await freePort();
  let output = '';
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'bin/momentum.js'), 'serve'], {
    cwd: root,
    env: { ...process.env, MOMENTUM_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  while (performance.now() - t0 < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) return { child, seconds: (performance.now() - t0) / 1000, output: () => output };
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  child.kill('SIGTERM');
  throw new Error(`no /healthz 200 within ${timeoutMs / 1000} s:\n${output}`);
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited(child);
  clearTimeout(timer);
}

/** Seconds for a bare Node process to open the PGlite data dir and answer `select 1`. */
async function pgliteFloor(dataDir: string): Promise<number> {
  const script = `
    import { PGlite } from '@electric-sql/pglite';
    import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
    const db = await PGlite.create({ dataDir: ${JSON.stringify(join(dataDir, 'pgdata'))}, extensions: { pg_trgm } });
    await db.query('select 1');
    process.stdout.write('ready\\n');
    await db.close();`;
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let seconds = 0;
  child.stdout?.on('data', (d: Buffer) => {
    if (!seconds && d.toString().includes('ready')) seconds = (performance.now() - t0) / 1000;
  });
  const code = await exited(child);
  if (code !== 0 || !seconds) throw new Error(`the PGlite baseline exited with ${code}`);
  return seconds;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const round = (n: number) => Math.round(n * 100) / 100;

async function main() {
  const { values } = parseArgs({ options: { scale: { type: 'string', default: 'small' }, runs: { type: 'string' } } });
  const scale = values.scale === 'full' ? 'full' : 'small';
  const runs = Number(values.runs ?? (scale === 'full' ? 5 : 3));
  const dataDir = mkdtempSync(join(tmpdir(), 'momentum-coldstart-'));
  try {
    const first = await startServe(dataDir, 300_000);
    console.log(`coldstart bench (${scale}, embedded PGlite): first start (migrate + demo seed) ${first.seconds.toFixed(2)} s`);
    await stop(first.child);
    const starts: number[] = [];
    for (let i = 0; i < runs; i++) {
      const run = await startServe(dataDir, 120_000);
      starts.push(run.seconds);
      console.log(`  start ${i + 1} on the existing data dir: ${run.seconds.toFixed(2)} s to /healthz 200`);
      await stop(run.child);
    }
    const floors: number[] = [];
    for (let i = 0; i < runs; i++) floors.push(await pgliteFloor(dataDir));
    const seconds = median(starts);
    const baseline = median(floors);
    console.log(
      `  median ${seconds.toFixed(2)} s; baseline (bare Node opening the same PGlite dir, select 1) median ${baseline.toFixed(2)} s; ratio ${(seconds / baseline).toFixed(2)}`,
    );
    console.log(
      JSON.stringify({
        bench: 'coldstart',
        scale,
        db: 'pglite',
        runs,
        first_start_s: round(first.seconds),
        seconds: round(seconds),
        runs_s: starts.map(round),
        baseline_s: round(baseline),
        ratio: round(seconds / baseline),
      }),
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
