import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite admits one process per data dir. The process holding it writes lock.json there:
 * `serve` with its URL and a control token, so other commands ask it instead of opening the files.
 */
export interface DataDirLock {
  pid: number;
  kind: 'serve' | 'command';
  url?: string;
  controlToken?: string;
}

const lockPath = (dataDir: string) => join(dataDir, 'lock.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of the data dir, if any (a lock left by a dead process is ignored). */
export function readLock(dataDir: string): DataDirLock | undefined {
  const file = lockPath(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    const lock = JSON.parse(readFileSync(file, 'utf8')) as DataDirLock;
    return lock.pid !== process.pid && alive(lock.pid) ? lock : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the data dir for this process, or returns the live holder when another process has it. */
export function acquireLock(dataDir: string, lock: Omit<DataDirLock, 'pid'>): DataDirLock | undefined {
  mkdirSync(dataDir, { recursive: true });
  const file = lockPath(dataDir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ ...lock, pid: process.pid }), { flag: 'wx', mode: 0o600 });
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(dataDir);
      if (holder) return holder;
      unlinkSync(file); // stale: its process is gone
    }
  }
  return readLock(dataDir);
}

export function updateLock(dataDir: string, lock: Omit<DataDirLock, 'pid'>): void {
  writeFileSync(lockPath(dataDir), JSON.stringify({ ...lock, pid: process.pid }), { mode: 0o600 });
}

export function releaseLock(dataDir: string): void {
  const file = lockPath(dataDir);
  try {
    const lock = JSON.parse(readFileSync(file, 'utf8')) as DataDirLock;
    if (lock.pid === process.pid) unlinkSync(file);
  } catch {
    // already gone
  }
}
