// Sending benchmark: `npm run bench -- send [--scale small|full]`.
//
// A campaign to N consenting contacts (small 2,000, full 100,000) into a local SMTP sink on loopback, end to end
// through the code the server runs: a saved MJML template and a campaign scheduled now; the campaigns.send job
// (audience batches of 500: render with Liquid per contact, consent gate, outbox) and the messaging.dispatch job
// (claim, gate again, compose with footer, unsubscribe headers and tracked links, SMTP, mark sent, Email Sent events)
// run side by side as two workers do, on the embedded database and on PostgreSQL. The baseline is a bare nodemailer
// loop sending one message of about the same size N times to the same sink over one pooled connection, as the
// dispatcher does. Target: ratio >= 0.5 on PostgreSQL. Contacts, accounts and their consent records are bulk-loaded
// with SQL matching the ledger's schema. Peak RSS is sampled while each phase runs. The last line is one JSON object.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/client.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { systemActor } from '../src/lib/actor.ts';
import { systemClock } from '../src/lib/clock.ts';
import { runCampaigns } from '../src/modules/campaigns/campaigns.jobs.ts';
import { createCampaign, scheduleCampaign } from '../src/modules/campaigns/campaigns.ts';
import { createList } from '../src/modules/consent/consent.ts';
import { dispatchDue } from '../src/modules/messaging/messaging.dispatch.ts';
import { createTemplate } from '../src/modules/templates/templates.ts';
import { createWorkspace } from '../src/modules/workspaces/workspaces.ts';

const { values } = parseArgs({ options: { scale: { type: 'string', default: 'small' } } });
const scale = values.scale === 'full' ? 'full' : 'small';
const N = scale === 'full' ? 100_000 : 2_000;
const server = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const mjml = `<mjml><mj-body background-color="#f4f5f7">
  <mj-section background-color="#1c64d9"><mj-column><mj-text color="#ffffff" font-size="22px">June at Example</mj-text></mj-column></mj-section>
  <mj-section background-color="#ffffff"><mj-column>
    <mj-text>Hi {{ contact.first_name }}, three things shipped this month for {{ account.name }}. ${'Lorem ipsum dolor sit amet. '.repeat(20)}</mj-text>
    <mj-button href="https://docs.example.com/june">Read the release notes</mj-button>
    <mj-text><a href="https://app.example.com/projects">Open your projects</a> · <a href="{{ links.preferences }}">Choose what you receive</a></mj-text>
  </mj-column></mj-section>
</mj-body></mjml>`;

/** The bare loop's message: one message of about the size the campaign's messages have. */
const content = {
  subject: 'What is new in June',
  html: `<html><body><h1>June at Example</h1><p>Hi there,</p><p>Three things shipped this month. ${'Lorem ipsum dolor sit amet. '.repeat(20)}</p>
<p><a href="https://docs.example.com/june">Read the release notes</a> or <a href="https://app.example.com/projects">open your projects</a>.</p></body></html>`,
  text: `June at Example\n\nThree things shipped this month. ${'Lorem ipsum dolor sit amet. '.repeat(20)}\nRelease notes: https://docs.example.com/june`,
};

/** An SMTP sink on loopback that accepts and counts messages (keeps nothing). */
async function startSink() {
  let received = 0;
  const sink = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', () => resolve()));
  const port = (sink.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, count: () => received, close: () => new Promise<void>((resolve) => sink.close(() => resolve())) };
}

/** Runs `work`, sampling resident memory; returns seconds and the peak in MB. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  try {
    const result = await work();
    return { result, seconds: (performance.now() - started) / 1000, peakMb: Math.round(peak / 1024 / 1024) };
  } finally {
    clearInterval(timer);
  }
}

async function adminQuery(text: string) {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A workspace with N contacts (10 per account) who granted consent to one list, loaded with set-based SQL. */
async function load(database: Database): Promise<{ workspaceId: string; listId: string; contactIds: string[] }> {
  const { db } = database;
  await migrateToLatest(db);
  const ws = await createWorkspace(db, systemClock, { name: 'Bench', postalAddress: '1 Bench Street, Springfield' });
  const actor = systemActor(ws.id, 'bench');
  const list = await createList(db, systemClock, actor, { key: 'news', name: 'Product news', optIn: 'single', wording: 'Send me product news' });
  const now = new Date();
  await sql`insert into accounts (workspace_id, id, name, created_at, updated_at)
    select ${ws.id}::uuid, gen_random_uuid(), 'Account ' || g, ${now}::timestamptz, ${now}::timestamptz from generate_series(1, ${Math.ceil(N / 10)}) g`.execute(
    db,
  );
  await sql`insert into contacts (workspace_id, id, account_id, name, email, created_at, updated_at)
    select ${ws.id}::uuid, gen_random_uuid(), a.id, 'Contact ' || a.n || '-' || g, 'c' || a.n || '-' || g || '@customer.example', ${now}::timestamptz, ${now}::timestamptz
    from (select id, row_number() over (order by id) as n from accounts where workspace_id = ${ws.id}::uuid) a, generate_series(1, 10) g
    where (a.n - 1) * 10 + g <= ${N}`.execute(db);
  // The ledger as recordConsent writes it: address hash of the normalised email, purpose list:<id>, a grant with proof.
  await sql`insert into consent_records (workspace_id, id, contact_id, address_hash, purpose, action, method, wording, wording_version, proof, recorded_by, at)
    select workspace_id, gen_random_uuid(), id, encode(sha256(convert_to(lower(trim(email)), 'UTF8')), 'hex'), ${`list:${list.id}`}, 'granted', 'import',
      'Send me product news', 1, 'bench: consent collected at sign-up', 'bench', ${now}::timestamptz
    from contacts where workspace_id = ${ws.id}::uuid`.execute(db);
  await sql`insert into sender_settings (workspace_id, from_name, from_address, rate_per_minute, updated_at)
    values (${ws.id}::uuid, 'Example News', 'news@example.com', 100000000, ${now}::timestamptz)`.execute(db);
  const contactIds = (await db.selectFrom('contacts').select('id').where('workspace_id', '=', ws.id).orderBy('id').execute()).map((r) => r.id);
  return { workspaceId: ws.id, listId: list.id, contactIds };
}

/** The campaign scheduled now; the send job and the dispatcher run side by side until every message is sent. */
async function endToEnd(database: Database, smtpUrl: string, dataDir: string) {
  const { workspaceId, listId, contactIds } = await load(database);
  const { db } = database;
  const config = loadConfig({}, { MOMENTUM_SECRET: 'bench-secret-that-is-long-enough-0123456789', MOMENTUM_DATA_DIR: dataDir, SMTP_URL: smtpUrl });
  const actor = systemActor(workspaceId, 'bench');
  await createTemplate(db, systemClock, actor, {
    key: 'june',
    name: 'June news',
    kind: 'marketing',
    bodyFormat: 'mjml',
    subject: 'What is new in June for {{ account.name }}',
    body: mjml,
  });
  const campaign = await createCampaign(db, systemClock, actor, { name: 'June news', templateId: 'june', listId, segmentId: null, personas: [] });
  await scheduleCampaign(db, systemClock, actor, campaign.id, { at: null });
  let queuedSeconds = 0;
  const run = await measured(async () => {
    const started = performance.now();
    let queued = 0;
    const campaigns = (async () => {
      while (queued < contactIds.length) {
        const report = await runCampaigns(db, systemClock, { budgetMs: 10_000 });
        queued += report.queued;
        if (report.excluded > 0) throw new Error(`${report.excluded} contacts excluded: every one should consent`);
      }
      queuedSeconds = (performance.now() - started) / 1000;
    })();
    let sent = 0;
    let idle = 0;
    while (sent < contactIds.length) {
      const report = await dispatchDue(db, systemClock, config, { budgetMs: 10_000, batch: 500 });
      sent += report.sent;
      // The dispatcher may run ahead of the send job: wait for it, but not forever.
      idle = report.sent === 0 ? idle + 1 : 0;
      if (idle > 600) throw new Error(`dispatch stalled at ${sent} of ${contactIds.length}`);
      if (report.sent === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await campaigns;
    return sent;
  });
  return { ...run, queuedSeconds };
}

/** The bare loop: the same pre-rendered message, N times, over one pooled nodemailer connection. */
async function bareLoop(smtpUrl: string) {
  return measured(async () => {
    const transporter = nodemailer.createTransport(`${smtpUrl}?pool=true&maxConnections=1`);
    for (let i = 0; i < N; i++) {
      await transporter.sendMail({
        from: 'Example News <news@example.com>',
        to: `c${i}@customer.example`,
        subject: content.subject,
        html: content.html,
        text: content.text,
      });
    }
    transporter.close();
    return N;
  });
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

async function main() {
  console.log(`send benchmark (${scale}): a campaign to ${N.toLocaleString('en')} consenting contacts into an SMTP sink on loopback`);
  const sink = await startSink();
  const dataDir = mkdtempSync(join(tmpdir(), 'momentum-bench-send-'));
  let dbName: string | undefined;
  try {
    const bare = await bareLoop(sink.url);
    const barePerS = N / bare.seconds;
    console.log(`  bare nodemailer loop        ${round(barePerS).toLocaleString('en')} msgs/s  (${round(bare.seconds, 1)} s)`);

    const embeddedDb = await openDatabase({ dataDir });
    const embedded = await endToEnd(embeddedDb, sink.url, dataDir).finally(() => embeddedDb.close());
    const embeddedPerS = N / embedded.seconds;
    console.log(
      `  embedded (PGlite) end to end ${round(embeddedPerS).toLocaleString('en')} msgs/s  (${round(embedded.seconds, 1)} s, all queued after ${round(embedded.queuedSeconds, 1)} s)  ratio ${round(embeddedPerS / barePerS, 2)}  peak RSS ${embedded.peakMb} MB`,
    );

    dbName = `momentum_bench_${randomBytes(5).toString('hex')}`;
    await adminQuery(`create database ${dbName}`);
    const url = new URL(server);
    url.pathname = `/${dbName}`;
    const postgresDb = await openDatabase({ databaseUrl: url.toString(), poolSize: 4 });
    const postgres = await endToEnd(postgresDb, sink.url, dataDir).finally(() => postgresDb.close());
    const postgresPerS = N / postgres.seconds;
    console.log(
      `  PostgreSQL end to end        ${round(postgresPerS).toLocaleString('en')} msgs/s  (${round(postgres.seconds, 1)} s, all queued after ${round(postgres.queuedSeconds, 1)} s)  ratio ${round(postgresPerS / barePerS, 2)}  peak RSS ${postgres.peakMb} MB`,
    );
    const expected = 3 * N;
    if (sink.count() !== expected) throw new Error(`the sink received ${sink.count()} messages, expected ${expected}`);
    console.log(`  the sink received ${sink.count().toLocaleString('en')} messages: each exactly once per run`);
    console.log(
      JSON.stringify({
        bench: 'send',
        scale,
        messages: N,
        baseline_per_s: round(barePerS),
        postgres_per_s: round(postgresPerS),
        ratio: round(postgresPerS / barePerS, 2),
        embedded_per_s: round(embeddedPerS),
        embedded_ratio: round(embeddedPerS / barePerS, 2),
        postgres_queued_s: round(postgres.queuedSeconds, 2),
        embedded_queued_s: round(embedded.queuedSeconds, 2),
        peak_rss_mb: Math.max(postgres.peakMb, embedded.peakMb),
      }),
    );
  } finally {
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (dbName) await adminQuery(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
  }
}

await main();
