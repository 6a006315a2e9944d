import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * PGlite admits one process per data dir. The process holding it writes lock.json there:
 * `serve` with its URL and a control token, so other commands ask it instead of opening the files.
 *
 * A PID alone proves nothing (a crashed server's PID is soon another program's), so the lock records who wrote it:
 * the process's start time (its PID and start time name one process for as long as the machine runs), the machine
 * (host name, boot id, PID namespace) and the data dir's identity (device and inode: a copied data dir is another
 * dir). While held, the file is touched every few seconds: a holder on another machine or container, whose process
 * cannot be looked at, counts only while that heartbeat is fresh.
 */
export interface DataDirLock {
  pid: number;
  kind: 'serve' | 'command';
  url?: string;
  controlToken?: string;
  /** Who holds it (absent in locks written by Momentum before 0.1's lock check). */
  holder?: ProcessIdentity;
  /** The data dir's device:inode when the lock was taken. */
  dir?: string;
}

export interface ProcessIdentity {
  /** The process's start time as the OS reports it (/proc/PID/stat ticks on Linux, `ps -o lstart` elsewhere). */
  started: string | null;
  host: string;
  /** Linux: changes at every boot. */
  boot: string | null;
  /** Linux: the PID namespace (containers sharing a host name do not share PIDs). */
  pidNamespace: string | null;
}

const HEARTBEAT_MS = 5_000;
/** A lock from another machine whose file has not been touched for this long is left over. */
export const STALE_AFTER_MS = 30_000;

const lockPath = (dataDir: string) => join(dataDir, 'lock.json');

/** Heartbeats of the locks this process holds, by data dir (process-local handles, stopped by releaseLock). */
const heartbeats = new Map<string, NodeJS.Timeout>();

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** A process's start time, or null when it is gone or cannot be read. */
export function processStartTime(pid: number): string | null {
  if (process.platform === 'linux') {
    const stat = readText(`/proc/${pid}/stat`);
    if (stat === null) return null;
    // Field 22 (starttime); the command name in field 2 may hold spaces and parentheses, so count from its end.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  }
  if (process.platform === 'win32') return null;
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

function pidNamespace(pid: number | 'self'): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

export function currentIdentity(): ProcessIdentity {
  return {
    started: processStartTime(process.pid),
    host: hostname(),
    boot: readText('/proc/sys/kernel/random/boot_id')?.trim() || null,
    pidNamespace: pidNamespace('self'),
  };
}

function dirIdentity(dataDir: string): string | undefined {
  try {
    const stat = statSync(dataDir);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isMine(lock: DataDirLock, me: ProcessIdentity): boolean {
  return lock.pid === process.pid && (!lock.holder || (lock.holder.started === me.started && lock.holder.pidNamespace === me.pidNamespace));
}

/** Whether the process that wrote the lock still runs and holds this data dir. */
function holds(lock: DataDirLock, dataDir: string, touchedAt: number, me: ProcessIdentity): boolean {
  if (lock.dir && lock.dir !== dirIdentity(dataDir)) return false; // a copy of another data dir, lock file included
  const holder = lock.holder;
  if (!holder) return alive(lock.pid) && looksLikeMomentum(lock.pid); // written before locks recorded their holder
  const sameMachine = holder.host === me.host && holder.boot === me.boot;
  if (holder.host === me.host && holder.boot && me.boot && holder.boot !== me.boot) return false; // rebooted since
  if (sameMachine && holder.pidNamespace === me.pidNamespace) {
    if (!alive(lock.pid)) return false;
    const started = processStartTime(lock.pid);
    // The PID is someone else's now unless it started when the holder did; unreadable here: trust the PID.
    return started === null || holder.started === null || started === holder.started;
  }
  // Another machine or container: its processes cannot be seen from here, but a live holder keeps the file fresh.
  return Date.now() - touchedAt < STALE_AFTER_MS;
}

/** For a lock written before holders were recorded: is that PID running Momentum? (Unknowable off Linux: yes.) */
function looksLikeMomentum(pid: number): boolean {
  const cmdline = readText(`/proc/${pid}/cmdline`);
  return cmdline === null || /momentum/i.test(cmdline);
}

function readLockFile(dataDir: string): { lock: DataDirLock; touchedAt: number } | undefined {
  const file = lockPath(dataDir);
  try {
    return { lock: JSON.parse(readFileSync(file, 'utf8')) as DataDirLock, touchedAt: statSync(file).mtimeMs };
  } catch {
    return undefined;
  }
}

/** The live holder of the data dir, if another process has it (a lock its holder left behind is ignored). */
export function readLock(dataDir: string): DataDirLock | undefined {
  if (!existsSync(lockPath(dataDir))) return undefined;
  const found = readLockFile(dataDir);
  if (!found) return undefined;
  const me = currentIdentity();
  return !isMine(found.lock, me) && holds(found.lock, dataDir, found.touchedAt, me) ? found.lock : undefined;
}

function ownLock(dataDir: string, lock: Omit<DataDirLock, 'pid' | 'holder' | 'dir'>): string {
  return JSON.stringify({ ...lock, pid: process.pid, holder: currentIdentity(), dir: dirIdentity(dataDir) });
}

function startHeartbeat(dataDir: string): void {
  clearInterval(heartbeats.get(dataDir));
  const file = lockPath(dataDir);
  const timer = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // released or removed meanwhile
    }
  }, HEARTBEAT_MS);
  timer.unref();
  heartbeats.set(dataDir, timer);
}

/** Takes the data dir for this process, or returns the live holder when another process has it. */
export function acquireLock(dataDir: string, lock: Omit<DataDirLock, 'pid' | 'holder' | 'dir'>): DataDirLock | undefined {
  mkdirSync(dataDir, { recursive: true });
  const file = lockPath(dataDir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, ownLock(dataDir, lock), { flag: 'wx', mode: 0o600 });
      startHeartbeat(dataDir);
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const seen = readText(file);
      const holder = readLock(dataDir);
      if (holder) return holder;
      // Left behind: its process is gone, or is not the one that wrote it. Removed unless another starting process
      // has just replaced it with its own.
      if (seen !== null && readText(file) === seen) removeFile(file);
    }
  }
  return readLock(dataDir);
}

function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export function updateLock(dataDir: string, lock: Omit<DataDirLock, 'pid' | 'holder' | 'dir'>): void {
  writeFileSync(lockPath(dataDir), ownLock(dataDir, lock), { mode: 0o600 });
}

export function releaseLock(dataDir: string): void {
  clearInterval(heartbeats.get(dataDir));
  heartbeats.delete(dataDir);
  const found = readLockFile(dataDir);
  if (found && isMine(found.lock, currentIdentity())) removeFile(lockPath(dataDir));
}
