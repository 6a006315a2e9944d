import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/client.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { systemClock } from '../lib/clock.ts';
import { createWorkspace } from '../modules/workspaces/workspaces.ts';

const bin = new URL('../../bin/momentum.js', import.meta.url).pathname;
let dataDir: string;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const child = spawn(process.execPath, [bin, ...args], { env: { ...env, MOMENTUM_DATA_DIR: dataDir, LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'momentum-apikey-'));
  const database = await openDatabase({ dataDir });
  await migrateToLatest(database.db);
  await createWorkspace(database.db, systemClock, { name: 'Key Co' });
  await database.close();
});
afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('momentum apikey create', () => {
  it('creates a key that expires after --expires-in days, and refuses a number of days that is not 1 to 3650', async () => {
    const before = Date.now();
    const created = await run(['apikey', 'create', '--name', 'ci', '--scope', 'ingest', '--expires-in', '30']);
    expect(created.code).toBe(0);
    expect(created.stdout.trim().split('\n').at(-1)).toMatch(/^mk_/);
    const expires = created.stderr.match(/expires (\d{4}-\d\d-\d\d \d\d:\d\d) UTC/)?.[1];
    const expected = new Date(before + 30 * 24 * 60 * 60 * 1000).getTime();
    expect(Math.abs(new Date(`${expires?.replace(' ', 'T')}:00Z`).getTime() - expected)).toBeLessThan(5 * 60 * 1000);

    for (const days of ['0', '2.5', 'soon', '3651']) {
      const refused = await run(['apikey', 'create', '--name', 'ci', '--expires-in', days]);
      expect(refused.code, days).toBe(2);
      expect(refused.stderr).toContain('must be a whole number of days from 1 to 3650');
    }
  }, 60_000);
});
