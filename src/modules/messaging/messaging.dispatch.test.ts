import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestWorkspace, type TestWorkspace, testClock, unique } from '../../../test/factories.ts';
import { header, startSmtpServer, type TestSmtpServer } from '../../../test/smtp.ts';
import { loadConfig } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { createAccount } from '../accounts/accounts.ts';
import { createList, isSuppressed, recordConsent } from '../consent/consent.ts';
import { createContact } from '../contacts/contacts.ts';
import { dispatchDue, type MailTransport, openTransport } from './messaging.dispatch.ts';
import { enqueueMessages, type OutgoingMessage } from './messaging.outbox.ts';
import { messageStats } from './messaging.stats.ts';
import { eraseContactMessages, purgeErasedFiles } from './messaging.ts';

const clock = testClock('2026-06-01T09:00:00Z');
let database: TestDatabase;
let db: Db;
let ws: TestWorkspace;
let smtp: TestSmtpServer;
let accountId: string;
let listId: string;
const config = () =>
  loadConfig({}, { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789', SMTP_URL: smtp.url, PUBLIC_URL: 'https://momentum.example.com' });

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  ws = await createTestWorkspace(db, clock);
  smtp = await startSmtpServer();
  accountId = (await createAccount(db, clock, ws.system, { name: unique('Acme') })).id;
  listId = (await createList(db, clock, ws.admin, { key: unique('news'), name: 'Product news', optIn: 'single', wording: 'Send me product news' })).id;
});
afterAll(async () => {
  await smtp?.close();
  await database?.dispose();
});

async function contact(options: { consent?: boolean } = {}): Promise<{ id: string; email: string }> {
  const email = `${unique('pat')}@customer.test`;
  const c = await createContact(db, clock, ws.system, { accountId, name: 'Pat Doe', email });
  if (options.consent !== false) {
    await recordConsent(db, clock, ws.workspaceId, {
      contactId: c.id,
      purpose: `list:${listId}`,
      action: 'granted',
      method: 'form',
      recordedBy: { name: 'contact' },
    });
  }
  return { id: c.id, email };
}

function marketing(contactId: string, sourceId: string, subject = 'Hello'): OutgoingMessage {
  return {
    recipientId: contactId,
    purpose: { kind: 'list', listId },
    source: { type: 'campaign', id: sourceId, label: 'June news' },
    dedupeKey: `campaign:${sourceId}:${contactId}`,
    content: { subject, html: `<html><body><p>Hi Pat</p><a href="https://docs.example.com/start?a=1&amp;b=2">Start</a></body></html>`, text: 'Hi Pat' },
  };
}

describe('enqueueMessages', () => {
  it('queues consenting recipients, excludes the others with the gate’s reason, and ignores a dedupe key already present', async () => {
    const yes = await contact();
    const no = await contact({ consent: false });
    const source = unique('campaign');
    const first = await enqueueMessages(db, clock, ws.workspaceId, [
      marketing(yes.id, source),
      marketing(no.id, source),
      { ...marketing(yes.id, `${source}-x`), content: { missing: ['contact.first_name'] } },
    ]);
    expect(first).toMatchObject({ queued: 1, excluded: { no_consent: 1, missing_data: 1 }, duplicates: 0 });
    expect(first.ids).toHaveLength(3);
    const again = await enqueueMessages(db, clock, ws.workspaceId, [marketing(yes.id, source), marketing(yes.id, source)]);
    expect(again).toMatchObject({ queued: 0, duplicates: 2, ids: [] });
    const stats = await messageStats(db, ws.workspaceId, { sourceType: 'campaign', sourceId: source });
    expect(stats).toMatchObject({ total: 2, queued: 1, excluded: { no_consent: 1 } });
  });
});

describe('dispatch over SMTP', () => {
  it('sends a marketing message once, with the footer in both parts and the one-click unsubscribe headers', async () => {
    const pat = await contact();
    const source = unique('campaign');
    const before = smtp.received.length;
    await enqueueMessages(db, clock, ws.workspaceId, [marketing(pat.id, source, 'June news')]);
    const report = await dispatchDue(db, clock, config(), { budgetMs: 5000 });
    expect(report).toMatchObject({ failed: 0 });
    await smtp.waitFor(before + 1);
    const mine = smtp.received.filter((m) => m.envelope.to.includes(pat.email));
    expect(mine).toHaveLength(1);
    const parsed = mine[0]?.parsed as NonNullable<(typeof mine)[0]>['parsed'];
    expect(parsed.subject).toBe('June news');
    expect(header(parsed, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(header(parsed, 'List-Unsubscribe')).toMatch(/^<https:\/\/momentum\.example\.com\/u\/[A-Za-z0-9_-]+>$/);
    expect(header(parsed, 'List-Id')).toMatch(/^"June news" <[0-9a-f-]{36}\.list-id\.[^>]+>$/);
    expect(parsed.text).toContain('Unsubscribe: https://momentum.example.com/u/');
    expect(parsed.text).toContain('Manage your email preferences: https://momentum.example.com/preferences/');
    expect(parsed.html).toContain('Unsubscribe</a>');
    expect(parsed.html).toContain('https://momentum.example.com/c/');
    expect(parsed.html).toContain('https://momentum.example.com/o/');
    expect((await dispatchDue(db, clock, config(), { budgetMs: 2000 })).sent).toBe(0);
    const stats = await messageStats(db, ws.workspaceId, { sourceType: 'campaign', sourceId: source });
    expect(stats).toMatchObject({ sent: 1, delivered: 1, queued: 0 });
  });

  it('sends transactional mail from the transactional sender without footer, unsubscribe headers or tracking', async () => {
    const pat = await contact({ consent: false });
    const before = smtp.received.length;
    await enqueueMessages(db, clock, ws.workspaceId, [
      {
        recipientId: pat.id,
        purpose: { kind: 'request' },
        source: { type: 'confirmation', id: unique('c') },
        dedupeKey: unique('confirm'),
        content: { subject: 'Confirm', html: '<p><a href="https://momentum.example.com/confirm/x">Confirm</a></p>', text: 'Confirm' },
      },
    ]);
    await dispatchDue(db, clock, config(), { budgetMs: 5000 });
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail?.parsed.headers.has('list-unsubscribe')).toBe(false);
    expect(mail?.parsed.html).not.toContain('/o/');
    expect(mail?.parsed.html).not.toContain('/c/');
    expect(mail?.parsed.text).toBe('Confirm');
  });

  it('retries a temporary (4xx) refusal later and then sends it', async () => {
    const pat = await contact();
    let refusals = 0;
    smtp.onRecipient = (address) => (address === pat.email && refusals++ === 0 ? { code: 451, message: 'Try again later' } : undefined);
    const source = unique('campaign');
    const [id] = (await enqueueMessages(db, clock, ws.workspaceId, [marketing(pat.id, source)])).ids;
    expect((await dispatchDue(db, clock, config(), { budgetMs: 3000 })).retrying).toBe(1);
    const waiting = await db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', id as string)
      .executeTakeFirstOrThrow();
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1 });
    expect(waiting.last_error).toContain('451');
    clock.advance(61_000);
    expect((await dispatchDue(db, clock, config(), { budgetMs: 3000 })).sent).toBe(1);
    smtp.onRecipient = () => undefined;
  });

  it('fails a permanent (5xx) refusal, suppresses the address and records the bounce', async () => {
    const pat = await contact();
    smtp.onRecipient = (address) => (address === pat.email ? { code: 550, message: 'No such user' } : undefined);
    const source = unique('campaign');
    const [id] = (await enqueueMessages(db, clock, ws.workspaceId, [marketing(pat.id, source)])).ids;
    expect((await dispatchDue(db, clock, config(), { budgetMs: 3000 })).failed).toBe(1);
    smtp.onRecipient = () => undefined;
    const row = await db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', id as string)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', bounce_kind: 'hard' });
    expect(await isSuppressed(db, ws.workspaceId, pat.email)).toBe(true);
    const events = await db
      .selectFrom('events')
      .select(['name', 'contact_id'])
      .where('workspace_id', '=', ws.workspaceId)
      .where('contact_id', '=', pat.id)
      .execute();
    expect(events.map((e) => e.name)).toContain('Email Bounced');
    // The next message to the address is excluded at enqueue.
    const next = await enqueueMessages(db, clock, ws.workspaceId, [marketing(pat.id, `${source}-2`)]);
    expect(next.excluded).toEqual({ suppressed: 1 });
  });

  it('never sends a queued message to a contact who unsubscribed meanwhile: it is excluded as withdrawn', async () => {
    const pat = await contact();
    const source = unique('campaign');
    const before = smtp.received.length;
    const [id] = (await enqueueMessages(db, clock, ws.workspaceId, [marketing(pat.id, source)])).ids;
    await recordConsent(db, clock, ws.workspaceId, {
      contactId: pat.id,
      purpose: `list:${listId}`,
      action: 'withdrawn',
      method: 'one_click',
      recordedBy: { name: 'contact' },
    });
    const report = await dispatchDue(db, clock, config(), { budgetMs: 3000 });
    expect(report).toMatchObject({ sent: 0, excluded: 1 });
    const row = await db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', id as string)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'excluded', reason: 'withdrawn' });
    expect(smtp.received.slice(before).filter((m) => m.envelope.to.includes(pat.email))).toEqual([]);
  });

  it('sends each message exactly once when two dispatchers run at the same time', async () => {
    const source = unique('campaign');
    const contacts = [];
    for (let i = 0; i < 30; i++) contacts.push(await contact());
    const before = smtp.received.length;
    await db.insertInto('sender_settings').values({ workspace_id: ws.workspaceId, rate_per_minute: 10_000, updated_at: clock.now() }).execute();
    await enqueueMessages(
      db,
      clock,
      ws.workspaceId,
      contacts.map((c) => marketing(c.id, source)),
    );
    const [a, b] = await Promise.all([
      dispatchDue(db, clock, config(), { budgetMs: 5000, batch: 7 }),
      dispatchDue(db, clock, config(), { budgetMs: 5000, batch: 7 }),
    ]);
    expect((a?.sent ?? 0) + (b?.sent ?? 0)).toBe(30);
    const mails = (await smtp.waitFor(before + 30)).slice(before);
    const recipients = mails.flatMap((m) => m.envelope.to);
    expect(new Set(recipients).size).toBe(30);
    expect(recipients).toHaveLength(30);
  });
});

describe('a dispatcher killed mid-send', () => {
  it('loses nothing: the one message whose SMTP acceptance raced the crash is sent twice, every other exactly once', async () => {
    const source = unique('campaign');
    const contacts = [];
    for (let i = 0; i < 8; i++) contacts.push(await contact());
    await enqueueMessages(
      db,
      clock,
      ws.workspaceId,
      contacts.map((c) => marketing(c.id, source)),
    );
    const before = smtp.received.length;
    const real = openTransport(config());
    let sends = 0;
    // SMTP accepts the 4th message, then the process dies (kill -9) before it can mark the message sent.
    const dying: MailTransport = {
      kind: 'smtp',
      send: async (mail, id) => {
        const info = await real.send(mail, id);
        if (++sends === 4) return new Promise<never>(() => undefined);
        return info;
      },
      close: () => undefined,
    };
    void dispatchDue(db, clock, config(), { transport: dying, budgetMs: 60_000 });
    await smtp.waitFor(before + 4);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // A restarted dispatcher takes over once the dead one's lease has lapsed.
    clock.advance(5 * 60_000 + 1000);
    const report = await dispatchDue(db, clock, config(), { budgetMs: 5000 });
    expect(report.sent).toBe(5);
    real.close();
    const received = (await smtp.waitFor(before + 9)).slice(before).flatMap((m) => m.envelope.to);
    const copies = contacts.map((c) => received.filter((to) => to === c.email).length);
    expect(copies.filter((n) => n === 2)).toHaveLength(1);
    expect(copies.filter((n) => n === 1)).toHaveLength(7);
    const stats = await messageStats(db, ws.workspaceId, { sourceType: 'campaign', sourceId: source });
    expect(stats).toMatchObject({ sent: 8, queued: 0 });
  });
});

describe('dispatch without SMTP_URL', () => {
  it('writes each message as an .eml file in the data dir outbox, the same MIME SMTP would carry', async () => {
    const pat = await contact();
    const dataDir = mkdtempSync(join(tmpdir(), 'momentum-outbox-'));
    const files = loadConfig(
      {},
      { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789', MOMENTUM_DATA_DIR: dataDir, PUBLIC_URL: 'https://m.example.com' },
    );
    expect(openTransport(files).kind).toBe('files');
    const [id] = (await enqueueMessages(db, clock, ws.workspaceId, [marketing(pat.id, unique('campaign'), 'As a file')])).ids;
    expect((await dispatchDue(db, clock, files, { budgetMs: 3000 })).sent).toBe(1);
    const written = readdirSync(join(dataDir, 'outbox'));
    expect(written).toHaveLength(1);
    expect(written[0]).toContain(id);
    const parsed = await simpleParser(readFileSync(join(dataDir, 'outbox', written[0] as string)));
    expect(parsed.subject).toBe('As a file');
    expect(header(parsed, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const row = await db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', id as string)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', eml_file: written[0] });
  });

  it('an erased contact’s messages lose their personal data, a queued one is never sent, and the .eml file is deleted', async () => {
    const pat = await contact();
    const dataDir = mkdtempSync(join(tmpdir(), 'momentum-outbox-'));
    const files = loadConfig({}, { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789', MOMENTUM_DATA_DIR: dataDir });
    const source = unique('campaign');
    const [sent] = (await enqueueMessages(db, clock, ws.workspaceId, [marketing(pat.id, source)])).ids;
    await dispatchDue(db, clock, files, { budgetMs: 3000 });
    const [queued] = (await enqueueMessages(db, clock, ws.workspaceId, [marketing(pat.id, `${source}-2`)])).ids;
    expect(await eraseContactMessages(db, ws.workspaceId, pat.id)).toBe(2);
    const rows = await db.selectFrom('messages').selectAll().where('recipient_id', '=', pat.id).execute();
    for (const row of rows) expect(row).toMatchObject({ to_address: null, subject: null, html: null, text: null });
    expect(rows.find((r) => r.id === queued)).toMatchObject({ status: 'excluded', reason: 'withdrawn' });
    expect(rows.find((r) => r.id === sent)?.status).toBe('sent');
    expect(await purgeErasedFiles(db, files)).toBeGreaterThanOrEqual(1);
    expect(readdirSync(join(dataDir, 'outbox'))).toEqual([]);
    expect((await dispatchDue(db, clock, files, { budgetMs: 2000 })).sent).toBe(0);
  });
});
