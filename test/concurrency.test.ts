import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/client.ts';
import { migrateToLatest, migrationStatus } from '../src/db/migrate.ts';
import { jobCatalog } from '../src/jobs/catalog.ts';
import { fixedClock } from '../src/lib/clock.ts';
import { createAccount } from '../src/modules/accounts/accounts.ts';
import { recordInteractionEvents } from '../src/modules/events/events.ts';
import { applyModel } from '../src/modules/models/models.ts';
import { createEmptyPostgresDatabase } from './db.ts';
import { createTestKey, createTestMember, createTestWorkspace } from './factories.ts';
import { startServe, stopServe } from './momentum-process.ts';
import { type Child, endAll, runTogether, startDbProcess, startMomentum, until } from './processes.ts';

// The promises that only hold across processes, checked with real processes on one real PostgreSQL database: each
// test makes its own database. On the embedded database there is only ever one process, so nothing here applies.
const target = testDatabase();
const serverUrl = target.kind === 'postgres' ? target.url : '';
const SECRET = 'test-secret-that-is-long-enough-0123456789';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'momentum-concurrency-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A fresh database on the test server (migrated unless `empty`), dropped by dispose. */
async function freshDatabase(options: { empty?: boolean } = {}): Promise<Database & { url: string; dispose(): Promise<void> }> {
  const created = await createEmptyPostgresDatabase(serverUrl);
  const database = await openDatabase({ databaseUrl: created.url, poolSize: 4 });
  if (!options.empty) await migrateToLatest(database.db);
  return {
    ...database,
    url: created.url,
    dispose: async () => {
      await database.close();
      await created.drop();
    },
  };
}

describe.skipIf(target.kind !== 'postgres')('several processes on one PostgreSQL database (postgres project only: needs TEST_DATABASE_URL)', () => {
  describe('engine sweeps', () => {
    const T0 = '2026-06-01T09:00:00Z';
    const at = (days: number) => new Date(new Date(T0).getTime() + days * 86_400_000);
    const ACCOUNTS = 150;
    const model = `
key: concurrency
name: Concurrency
segment: { conditions: [{ field: tags, op: has, value: racing }] }
phases:
  - key: onboarding
    name: Onboarding
    exit: { after: 20d }
  - key: ongoing
    name: Ongoing
moments:
  - { id: monthly, name: Monthly review, phase: onboarding, owner: csm, channel: call, digital: false, objective: Review., start: { type: scheduled, rrule: FREQ=MONTHLY;BYDAY=+1MO } }
  - { id: welcome, name: Welcome, phase: onboarding, owner: csm, channel: email, digital: true, objective: Welcome., start: { type: scheduled, rrule: FREQ=DAILY;COUNT=1, anchor: engaged } }
  - { id: silent, name: No login for 7 days, phase: onboarding, owner: csm, channel: email, digital: true, objective: Re-engage., start: { type: absence, event: Logged In, for: 7d } }
  - { id: few-users, name: Fewer than 2 users in 5 days, phase: onboarding, owner: csm, channel: call, digital: false, objective: Escalate., start: { type: expectation, event: User Created, atLeast: 2, within: 5d, after: { phase: onboarding }, escalateTo: account_manager } }
  - { id: sev1, name: High-severity case, phase: onboarding, owner: csm, channel: call, digital: false, objective: React., start: { type: event, event: Case Opened, where: [{ property: severity, op: eq, value: high }] } }
  - { id: handover, name: Handover, phase: ongoing, owner: csm, channel: meeting, digital: false, objective: Hand over., start: { type: scheduled, rrule: FREQ=WEEKLY;COUNT=1, anchor: phase_start } }
`;

    /** The same workspace on any database: accounts created at T0 and the model; returns the workspace and accounts. */
    async function seed(database: Database) {
      const clock = fixedClock(T0);
      const ws = await createTestWorkspace(database.db, clock);
      const csm = await createTestMember(database.db, clock, ws, ['csm']);
      const am = await createTestMember(database.db, clock, ws, ['account_manager']);
      const accounts: string[] = [];
      for (let i = 0; i < ACCOUNTS; i++) {
        const team = { csm: csm.member.id, account_manager: am.member.id };
        accounts.push((await createAccount(database.db, clock, ws.system, { name: `Racing ${i}`, tags: ['racing'], team })).id);
      }
      await applyModel(database.db, clock, ws.system, { source: model, file: 'concurrency.yaml' }, { approve: true });
      return { workspaceId: ws.workspaceId, accounts };
    }

    /** After the accounts are engaged: a third active (no absence, enough users), one in ten with a severe case. */
    async function activity(database: Database, seeded: Awaited<ReturnType<typeof seed>>) {
      const event = (accountId: string, name: string, day: number, properties = {}) => ({
        accountId,
        name,
        channel: 'product' as const,
        digital: true,
        occurredAt: at(day),
        properties,
        key: `${name}:${accountId}:${day}`,
        source: 'test',
      });
      const events = seeded.accounts.flatMap((id, i) => [
        ...(i % 3 === 0 ? [event(id, 'Logged In', 6), event(id, 'User Created', 1), event(id, 'User Created', 2)] : []),
        ...(i % 10 === 0 ? [event(id, 'Case Opened', 8, { severity: 'high' })] : []),
      ]);
      await recordInteractionEvents(database.db, fixedClock(at(8)), seeded.workspaceId, events);
    }

    /** Each instance as (account, moment, rule, due), each phase entry, and the events the engine recorded, by name. */
    async function outcome(database: Database) {
      const instances = await sql<{ row: string }>`
        select a.name || ' ' || i.moment_id || ' ' || i.rule || ' ' || i.due_at::text as row
        from moment_instances i join accounts a on a.workspace_id = i.workspace_id and a.id = i.account_id order by 1`.execute(database.db);
      const phases = await sql<{ row: string }>`
        select a.name || ' ' || p.phase || ' ' || p.entered_at::text || ' ' || coalesce(p.exited_at::text, '-') as row
        from engagement_phases p join accounts a on a.workspace_id = p.workspace_id and a.id = p.account_id order by 1`.execute(database.db);
      const events = await sql<{ name: string; n: number }>`
        select name, count(*)::int as n from events where source like 'module:%' group by 1 order by 1`.execute(database.db);
      const engagements = await sql<{ n: number }>`select count(*)::int as n from engagements`.execute(database.db);
      return {
        instances: instances.rows.map((r) => r.row),
        phases: phases.rows.map((r) => r.row),
        events: events.rows,
        engagements: engagements.rows[0]?.n,
      };
    }

    it('three sweep processes of the same instant open each occurrence once, exactly what one sweep alone opens', async () => {
      const shared = await freshDatabase();
      const alone = await freshDatabase();
      const racers = [1, 2, 3].map(() => startDbProcess(shared.url));
      const loner = startDbProcess(alone.url);
      try {
        const [seededShared, seededAlone] = await Promise.all([seed(shared), seed(alone)]);
        type Report = { opened: Record<string, number>; engaged: number };
        // Each instant swept by three processes at once on one database, and by one process alone on the other.
        const round = async (asOf: Date) => {
          const [racing, single] = await Promise.all([
            runTogether<Report>(racers, `sweep ${asOf.toISOString()}`),
            runTogether<Report>([loner], `sweep ${asOf.toISOString()}`),
          ]);
          return { racing, single };
        };
        const engaging = await round(at(0));
        await Promise.all([activity(shared, seededShared), activity(alone, seededAlone)]);
        const later = await round(at(10));
        const moving = await round(at(25));
        await endAll([...racers, loner]);

        const expected = await outcome(alone);
        const reports = [...engaging.single, ...later.single, ...moving.single];
        // Between the two instants the fixture exercises every rule kind the sweep runs.
        const rules = new Set(
          reports.flatMap((r) =>
            Object.entries(r.opened)
              .filter(([, n]) => n > 0)
              .map(([rule]) => rule),
          ),
        );
        expect([...rules].sort()).toEqual(['absence', 'event', 'expectation', 'scheduled']);
        expect(expected.engagements).toBe(ACCOUNTS);
        // Every account moved to the second phase at the third instant.
        expect(expected.phases.filter((p) => p.includes(' ongoing '))).toHaveLength(ACCOUNTS);
        expect(await outcome(shared)).toEqual(expected);
        // Each instance was opened (and reported) by exactly one of the three; each account engaged by one.
        const racing = [...engaging.racing, ...later.racing, ...moving.racing];
        const total = (r: Report) => Object.values(r.opened).reduce((x, y) => x + y, 0);
        expect(racing.reduce((sum, r) => sum + total(r), 0)).toBe(expected.instances.length);
        expect(racing.reduce((sum, r) => sum + r.engaged, 0)).toBe(ACCOUNTS);
      } finally {
        await Promise.all([...racers, loner].map((c) => c.stop(0)));
        await shared.dispose();
        await alone.dispose();
      }
    }, 120_000);
  });

  describe('ingestion through two servers', () => {
    let database: Awaited<ReturnType<typeof freshDatabase>>;
    const servers: { child: import('node:child_process').ChildProcess; url: string }[] = [];
    let writeKey: string;
    let workspaceId: string;

    beforeAll(async () => {
      database = await freshDatabase();
      const ws = await createTestWorkspace(database.db);
      workspaceId = ws.workspaceId;
      writeKey = await createTestKey(database.db, fixedClock(new Date()), ws, ['ingest']);
      // Each server built with DATABASE_URL, so its ingest writer has its production lanes.
      const env = { DATABASE_URL: database.url, MOMENTUM_SECRET: SECRET };
      // (Each kept as it starts: one that fails to start does not leave the other running.)
      await Promise.all(
        [1, 2].map(async (i) => {
          servers.push(await startServe(join(root, `serve-${i}`), ['--no-demo', '--no-worker'], env));
        }),
      );
    }, 60_000);
    afterAll(async () => {
      const codes = await Promise.all(servers.map((s) => stopServe(s.child)));
      await database?.dispose();
      expect(codes).toEqual(servers.map(() => 0));
    });

    const stored = async (prefix: string) =>
      (
        await sql<{ id: string; n: number }>`select message_id as id, count(*)::int as n from events
          where workspace_id = ${workspaceId}::uuid and message_id like ${`${prefix}%`} group by 1`.execute(database.db)
      ).rows;

    it('stores each messageId once when four Segment SDK clients on two servers send the same messages at once', async () => {
      const N = 400;
      const messages = Array.from({ length: N }, (_, i) => ({ userId: `user-${i % 40}`, event: 'Report Built', properties: { i }, messageId: `sdk-${i}` }));
      const failures: unknown[] = [];
      let acknowledged = 0;
      const clients = [0, 1, 2, 3].map((c) => {
        const analytics = new Analytics({ writeKey, host: servers[c % 2]?.url ?? '', flushAt: 25, maxRetries: 0 });
        analytics.on('error', (error) => failures.push(error));
        // Each client in its own order, so the same messageIds arrive in different batches at the same time.
        const order = c % 2 === 0 ? messages : [...messages].reverse();
        for (const m of c < 2 ? order : [...order.slice(N / 2), ...order.slice(0, N / 2)])
          analytics.track(m, (error) => {
            if (error) failures.push(error);
            else acknowledged++;
          });
        return analytics;
      });
      await Promise.all(clients.map((a) => a.closeAndFlush({ timeout: 30_000 })));
      expect(failures).toEqual([]);
      expect(acknowledged).toBe(4 * N);
      const rows = await stored('sdk-');
      expect(rows).toHaveLength(N);
      expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    });

    it('creates one account per new groupId and one contact per email when four SDK clients on two servers name them at once', async () => {
      const G = 40;
      const failures: unknown[] = [];
      const clients = [0, 1, 2, 3].map((c) => {
        const analytics = new Analytics({ writeKey, host: servers[c % 2]?.url ?? '', flushAt: 20, maxRetries: 0 });
        analytics.on('error', (error) => failures.push(error));
        for (let k = 0; k < G; k++) {
          const i = c % 2 === 0 ? k : G - 1 - k;
          // Each client its own messageIds: the calls differ, the groups and people they name are the same.
          analytics.identify({ userId: `person-${i}`, traits: { email: `person-${i}@group-${i}.test`, name: `Person ${i}` }, messageId: `id-${c}-${i}` });
          analytics.group({ userId: `person-${i}`, groupId: `group-${i}`, traits: { name: `Group ${i}` }, messageId: `gr-${c}-${i}` });
          analytics.track({ userId: `person-${i}`, event: 'Grouped Report', messageId: `tr-${c}-${i}` });
        }
        return analytics;
      });
      await Promise.all(clients.map((a) => a.closeAndFlush({ timeout: 30_000 })));
      expect(failures).toEqual([]);
      const accounts = await sql<{ external_id: string; n: number }>`select external_id, count(*)::int as n from accounts
        where workspace_id = ${workspaceId}::uuid and external_id like 'group-%' group by 1`.execute(database.db);
      expect(accounts.rows).toHaveLength(G);
      expect(accounts.rows.filter((r) => r.n !== 1)).toEqual([]);
      const contacts = await sql<{ email: string; n: number; accounts: number }>`select email, count(*)::int as n, count(distinct account_id)::int as accounts
        from contacts where workspace_id = ${workspaceId}::uuid and email like 'person-%' group by 1`.execute(database.db);
      expect(contacts.rows).toHaveLength(G);
      expect(contacts.rows.filter((r) => r.n !== 1 || r.accounts !== 1)).toEqual([]);
      // The news of each new account is told once, whichever request created it.
      const created = await sql<{ n: number }>`select count(*)::int as n from events
        where workspace_id = ${workspaceId}::uuid and name = 'Account Created' and source like 'module:%'`.execute(database.db);
      expect(created.rows[0]?.n).toBe(G);
      // Every track landed on its person's account.
      const tracks = await sql<{ n: number }>`select count(*)::int as n from events e join accounts a on a.workspace_id = e.workspace_id and a.id = e.account_id
        where e.workspace_id = ${workspaceId}::uuid and e.name = 'Grouped Report' and a.external_id = 'group-' || substring(e.user_id from 8)`.execute(
        database.db,
      );
      expect(tracks.rows[0]?.n).toBe(4 * G);
    });

    it('tells exactly one of six concurrent clients that a message was new, the others that it was a duplicate', async () => {
      const N = 300;
      const batch = (c: number) =>
        Array.from({ length: N }, (_, i) => ({ type: 'track', userId: `raw-${i % 30}`, event: 'Raw Sent', messageId: `raw-${(i + c * 50) % N}` }));
      const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
      const replies = await Promise.all(
        [0, 1, 2, 3, 4, 5].flatMap((c) =>
          // Each client sends its messages as three requests of 100, all at once, half to each server.
          [0, 1, 2].map(async (part) => {
            const response = await fetch(`${servers[c % 2]?.url}/v1/batch`, {
              method: 'POST',
              headers: { authorization: auth, 'content-type': 'application/json' },
              body: JSON.stringify({ batch: batch(c).slice(part * 100, part * 100 + 100) }),
            });
            return { status: response.status, body: (await response.json()) as { stored: number; duplicates: number } };
          }),
        ),
      );
      expect(replies.filter((r) => r.status !== 200)).toEqual([]);
      expect(replies.reduce((sum, r) => sum + r.body.stored, 0)).toBe(N);
      expect(replies.reduce((sum, r) => sum + r.body.duplicates, 0)).toBe(5 * N);
      const rows = await stored('raw-');
      expect(rows).toHaveLength(N);
      expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    });
  });

  it('three `momentum worker` processes started at once on an empty database migrate it and run each schedule tick once', async () => {
    const database = await freshDatabase({ empty: true });
    const workers: Child[] = [1, 2, 3].map((i) =>
      startMomentum(['worker'], { databaseUrl: database.url, dataDir: join(root, `worker-${i}`), env: { MOMENTUM_SECRET: SECRET } }),
    );
    try {
      await Promise.all(workers.map((w) => w.waitFor(/worker: consuming \d+ queue/, 'the worker running')));
      const everyMinute = jobCatalog.filter((spec) => spec.cron === '* * * * *').map((spec) => spec.name);
      // Started or done (messaging.dispatch keeps polling the outbox for most of its minute).
      const ran = (state: string) => state === 'active' || state === 'completed';
      const jobs = async () =>
        (
          await sql<{ name: string; state: string; retry_count: number }>`select name, state, retry_count from pgboss.job
            where name = any(${everyMinute}::text[])`.execute(database.db)
        ).rows;
      // pg-boss's cron pass runs every 30 s (one worker claims each pass): the first tick comes within about that.
      let started: Awaited<ReturnType<typeof jobs>> = [];
      await until(
        async () => {
          started = await jobs();
          return everyMinute.every((name) => started.some((r) => r.name === name)) && started.every((r) => ran(r.state));
        },
        'every minute schedule to have ticked and its jobs to have started',
        75_000,
      );
      // Each job started once: none was retried (a job two workers fetched would be).
      expect(started.filter((r) => r.retry_count !== 0)).toEqual([]);
      // Killed rather than stopped: a graceful stop waits out messaging.dispatch's polling, and is not what is tested.
      for (const w of workers) expect(w.output()).not.toMatch(/error/i);
      await Promise.all(
        workers.map((w) => {
          w.process.kill('SIGKILL');
          return w.exited;
        }),
      );

      // One schedule row per catalog entry, however many workers wrote it.
      const schedules = await sql<{ name: string; n: number }>`select name, count(*)::int as n from pgboss.schedule group by 1 order by 1`.execute(database.db);
      expect(schedules.rows).toEqual(
        jobCatalog
          .filter((spec) => spec.cron)
          .map((spec) => ({ name: spec.name, n: 1 }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      );
      // Each tick (schedule and minute slot) was forwarded once, and became exactly one job, started once.
      const ticks = await sql<{ name: string; slots: number; forwards: number; forwarded: number }>`
        select data->>'name' as name, count(distinct singleton_on)::int as slots, count(*)::int as forwards,
          (count(*) filter (where state = 'completed'))::int as forwarded
        from pgboss.job where name = '__pgboss__send-it' group by 1`.execute(database.db);
      const created = await jobs();
      for (const name of everyMinute) {
        const tick = ticks.rows.find((t) => t.name === name);
        expect(tick?.slots, name).toBeGreaterThan(0);
        expect(tick?.forwards, name).toBe(tick?.slots);
        // (A tick forwarded in the instant before the kill may not have become its job yet.)
        expect(created.filter((r) => r.name === name).length, name).toBe(tick?.forwarded);
      }
      const migrations = await sql<{ name: string; n: number }>`select name, count(*)::int as n from kysely_migration group by 1 order by 1`.execute(
        database.db,
      );
      expect(migrations.rows).toEqual((await migrationStatus(database.db)).map((m) => ({ name: m.name, n: 1 })));
    } finally {
      await Promise.all(workers.map((w) => w.stop(0)));
      await database.dispose();
    }
  }, 120_000);

  it('three processes migrating an empty database at the same instant all succeed, and each migration is applied once', async () => {
    const database = await freshDatabase({ empty: true });
    const children = [1, 2, 3].map(() => startDbProcess(database.url));
    try {
      const results = await runTogether<string[]>(children, 'migrate');
      await endAll(children);
      const all = (await migrationStatus(database.db)).map((m) => m.name);
      expect(all.length).toBeGreaterThan(10);
      // Between them they applied every migration, none twice; the losers waited and found nothing left to do.
      expect(results.flat().sort()).toEqual(all);
      const rows = await sql<{ name: string; n: number }>`select name, count(*)::int as n from kysely_migration group by 1 order by 1`.execute(database.db);
      expect(rows.rows).toEqual(all.map((name) => ({ name, n: 1 })));
      expect((await migrationStatus(database.db)).every((m) => m.applied)).toBe(true);
    } finally {
      await Promise.all(children.map((c) => c.stop(0)));
      await database.dispose();
    }
  });
});
