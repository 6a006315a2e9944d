import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/client.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { systemActor } from '../lib/actor.ts';
import { fixedClock } from '../lib/clock.ts';
import { createAccount } from '../modules/accounts/accounts.ts';
import { createWorkspace } from '../modules/workspaces/workspaces.ts';

// The binary itself on an embedded data dir (the same on both test projects, so it runs once).
const bin = new URL('../../bin/momentum.js', import.meta.url).pathname;
let dataDir: string;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  return new Promise((resolve) => {
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

const model = `key: cli-model
name: CLI model
segment: { conditions: [{ field: tags, op: has, value: cli }] }
phases:
  - key: onboarding
    name: Onboarding
moments:
  - id: weekly-call
    name: Weekly call
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: Keep in touch.
    effortMinutes: 30
    start: { type: scheduled, rrule: FREQ=WEEKLY;BYDAY=MO }
    responsibilities: { measure: calls held }
`;

describe.skipIf(process.env.MOMENTUM_TEST_DB === 'postgres')('momentum model and sweep commands', () => {
  let file: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'momentum-model-cli-'));
    const database = await openDatabase({ dataDir });
    await migrateToLatest(database.db);
    const clock = fixedClock('2026-01-01T00:00:00Z');
    const workspace = await createWorkspace(database.db, clock, { name: 'CLI' });
    await createAccount(database.db, clock, systemActor(workspace.id), { name: 'Cli Co', tags: ['cli'] });
    await database.close();
    file = join(dataDir, 'model.yaml');
    writeFileSync(file, model);
  }, 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('validate names the file, line and field of each error and exits 1; a valid model exits 0', async () => {
    const bad = join(dataDir, 'bad.yaml');
    writeFileSync(bad, model.replace('channel: call', 'channel: pigeon'));
    const failed = await run(['model', 'validate', bad]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`${bad}:12:14 error moments.0.channel:`);
    const ok = await run(['model', 'validate', file]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid model cli-model \(1 moments/);
  }, 60_000);

  it('apply stores a draft, and with --approve activates it; sweep --as-of prints what it opened by rule', async () => {
    const draft = await run(['model', 'apply', file]);
    expect(draft.code).toBe(0);
    expect(draft.stdout).toMatch(/Stored cli-model version 1: draft/);
    const active = await run(['model', 'apply', file, '--approve']);
    expect(active.stdout).toMatch(/cli-model version 1 .*active/);
    await run(['sweep', '--as-of', '2026-03-01T00:00:00Z']);
    const swept = await run(['sweep', '--as-of', '2026-03-03T10:00:00Z']);
    expect(swept.code).toBe(0);
    expect(swept.stdout).toContain('Opened 1 instance(s): scheduled 1, event 0, metric 0, absence 0, expectation 0');
    expect(swept.stdout).toContain('cli-model / weekly-call (scheduled): 1');
  }, 90_000);

  it('simulate reports moments per week and effort per month per role and writes nothing', async () => {
    const result = await run(['model', 'simulate', file, '--from', '2026-03-02', '--to', '2026-03-29']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Moments: 4 (scheduled 4');
    expect(result.stdout).toMatch(/2026-03-02 {2}csm +1/);
    expect(result.stdout).toMatch(/2026-03 {2}csm +2\.0/);
    const swept = await run(['sweep', '--as-of', '2026-03-03T10:00:00Z']);
    expect(swept.stdout).toContain('Opened 0 instance(s)');
    const both = await run(['model', 'simulate', file, '--from', '2026-03-02', '--to', '2026-03-29', '--growth-per-month', '5', '--growth-rate', '2']);
    expect(both.code).toBe(2);
  }, 90_000);
});
