import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { acquireLock, currentIdentity, type DataDirLock, processStartTime, readLock, releaseLock } from './lock.ts';

const bin = new URL('../../bin/momentum.js', import.meta.url).pathname;
const lockModule = new URL('./lock.ts', import.meta.url).href;
const dirs: string[] = [];
const children: ChildProcess[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'momentum-lock-'));
  dirs.push(dir);
  return dir;
}

const lockFile = (dir: string) => join(dir, 'lock.json');
const readLockFile = (dir: string) => JSON.parse(readFileSync(lockFile(dir), 'utf8')) as DataDirLock;
const writeLock = (dir: string, lock: DataDirLock) => writeFileSync(lockFile(dir), JSON.stringify(lock));

function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
}

/** A PID that was a process a moment ago and is gone now. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await started(child);
  const pid = child.pid ?? 0;
  if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
  return pid;
}

/** A live program that is not Momentum (the PID a crashed server's lock may name once the OS reuses it). */
async function unrelatedProcess(): Promise<number> {
  const child = spawn('sleep', ['60']);
  children.push(child);
  await started(child);
  return child.pid ?? 0;
}

/** Another process running Momentum's lock code: it takes the data dir as `serve` does and keeps it. */
async function momentumHolder(dir: string): Promise<ChildProcess> {
  const code = `const { acquireLock } = await import(${JSON.stringify(lockModule)});
const holder = acquireLock(${JSON.stringify(dir)}, { kind: 'serve', url: 'http://127.0.0.1:4999', controlToken: 't' });
console.log(holder ? 'busy' : 'held');
setInterval(() => {}, 1000);`;
  const typescript = (process.features as { typescript?: unknown }).typescript ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...typescript, '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const line = await new Promise<string>((resolve) => child.stdout?.once('data', (d) => resolve(String(d).trim())));
  expect(line).toBe('held');
  return child;
}

function run(args: string[], dataDir: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const child = spawn(process.execPath, [bin, ...args], { env: { ...env, MOMENTUM_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' } });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

afterEach(() => {
  for (const dir of dirs) releaseLock(dir);
});
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('data dir lock', () => {
  it('takes over a lock left by a process that has exited', async () => {
    const dir = tempDir();
    const pid = await deadPid();
    writeLock(dir, { pid, kind: 'serve', url: 'http://127.0.0.1:3000', holder: { ...currentIdentity(), started: '12345' } });
    expect(readLock(dir)).toBeUndefined();
    expect(acquireLock(dir, { kind: 'command' })).toBeUndefined();
    expect(readLockFile(dir)).toMatchObject({ pid: process.pid, kind: 'command', holder: currentIdentity() });
  });

  it('takes over a lock written before locks recorded their holder, when its PID has exited', async () => {
    const dir = tempDir();
    writeLock(dir, { pid: await deadPid(), kind: 'serve' });
    expect(acquireLock(dir, { kind: 'serve' })).toBeUndefined();
    expect(readLockFile(dir).pid).toBe(process.pid);
  });

  it('takes over a lock whose PID now belongs to a live program that is not Momentum', async () => {
    const dir = tempDir();
    const pid = await unrelatedProcess();
    // The crashed server started at another time than the program that has its PID now.
    writeLock(dir, { pid, kind: 'serve', holder: { ...currentIdentity(), started: String(Number(processStartTime(pid)) - 1) } });
    expect(acquireLock(dir, { kind: 'serve' })).toBeUndefined();
    expect(readLockFile(dir).pid).toBe(process.pid);

    // The same for a lock in the old format, which names only the PID.
    const old = tempDir();
    writeLock(old, { pid, kind: 'serve' });
    expect(acquireLock(old, { kind: 'serve' })).toBeUndefined();
  });

  it('refuses while a live Momentum process holds the data dir, and `serve` says who holds it', async () => {
    const dir = tempDir();
    const holder = await momentumHolder(dir);
    expect(acquireLock(dir, { kind: 'command' })).toMatchObject({ pid: holder.pid, kind: 'serve', url: 'http://127.0.0.1:4999' });
    expect(readLockFile(dir).pid).toBe(holder.pid);

    const serve = await run(['serve', '--no-demo', '--no-worker'], dir);
    expect(serve.code).toBe(1);
    expect(serve.stderr).toContain(`Momentum is already running on ${dir} (pid ${holder.pid}, http://127.0.0.1:4999).`);
    expect(readLockFile(dir).pid).toBe(holder.pid);
  });

  it('keeps its lock fresh while it holds it, and a copy of the data dir is not locked by it', async () => {
    const dir = tempDir();
    await momentumHolder(dir);
    const copy = tempDir();
    cpSync(dir, copy, { recursive: true });
    expect(acquireLock(copy, { kind: 'command' })).toBeUndefined();

    const past = new Date(Date.now() - 20_000);
    utimesSync(lockFile(dir), past, past);
    await expect.poll(() => statSync(lockFile(dir)).mtimeMs, { timeout: 8_000, interval: 200 }).toBeGreaterThan(Date.now() - 10_000);
  }, 15_000);

  it('counts a holder on another machine while its lock is fresh, and not once it has gone stale', () => {
    const dir = tempDir();
    const elsewhere = { started: '999', host: 'another-host', boot: 'another-boot', pidNamespace: null };
    writeLock(dir, { pid: process.pid + 100_000, kind: 'serve', holder: elsewhere, dir: undefined });
    expect(acquireLock(dir, { kind: 'serve' })).toMatchObject({ pid: process.pid + 100_000 });
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockFile(dir), old, old);
    expect(acquireLock(dir, { kind: 'serve' })).toBeUndefined();
  });

  it('releases only its own lock', async () => {
    const dir = tempDir();
    const holder = await momentumHolder(dir);
    releaseLock(dir);
    expect(readLockFile(dir).pid).toBe(holder.pid);
  });
});
