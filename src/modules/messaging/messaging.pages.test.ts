import { generateKeyPairSync } from 'node:crypto';
import { authenticate } from 'mailauth';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace, testClock, unique } from '../../../test/factories.ts';
import { header, type ReceivedMail, startSmtpServer, type TestSmtpServer } from '../../../test/smtp.ts';
import { loadConfig } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { createAccount } from '../accounts/accounts.ts';
import { createList, isSuppressed, recordConsent, subscriptionStatuses } from '../consent/consent.ts';
import { createContact } from '../contacts/contacts.ts';
import { dispatchDue } from './messaging.dispatch.ts';
import { enqueueMessages } from './messaging.outbox.ts';
import { messageStats } from './messaging.stats.ts';

const SECRET = 'test-secret-that-is-long-enough-0123456789';
const clock = testClock('2026-06-01T09:00:00Z');
let database: TestDatabase;
let db: Db;
let ws: TestWorkspace;
let smtp: TestSmtpServer;
let api: Awaited<ReturnType<typeof createTestApp>>;
let key: string;
let accountId: string;
let listId: string;
const config = () => loadConfig({}, { MOMENTUM_SECRET: SECRET, SMTP_URL: smtp.url });

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  ws = await createTestWorkspace(db, clock);
  smtp = await startSmtpServer();
  api = await createTestApp(db, clock);
  key = await createTestKey(db, clock, ws);
  accountId = (await createAccount(db, clock, ws.system, { name: unique('Acme') })).id;
  listId = (await createList(db, clock, ws.admin, { key: unique('news'), name: 'Product news', optIn: 'single', wording: 'Send me product news' })).id;
});
afterAll(async () => {
  await api?.close();
  await smtp?.close();
  await database?.dispose();
});

/** A consenting contact, a campaign message sent to them over SMTP, and the message as it arrived. */
async function sendTo(
  html = '<p>Read <a href="https://docs.example.com/guide?x=1&amp;y=2">the guide</a></p>',
): Promise<{ contactId: string; email: string; mail: ReceivedMail; messageId: string }> {
  const email = `${unique('pat')}@customer.test`;
  const contact = await createContact(db, clock, ws.system, { accountId, name: 'Pat Doe', email });
  await recordConsent(db, clock, ws.workspaceId, {
    contactId: contact.id,
    purpose: `list:${listId}`,
    action: 'granted',
    method: 'form',
    recordedBy: { name: 'contact' },
  });
  const source = unique('campaign');
  const [messageId] = (
    await enqueueMessages(db, clock, ws.workspaceId, [
      {
        recipientId: contact.id,
        purpose: { kind: 'list', listId },
        source: { type: 'campaign', id: source, label: 'June news' },
        dedupeKey: `campaign:${source}:${contact.id}`,
        content: { subject: 'June news', html, text: 'Read the guide: https://docs.example.com/guide' },
      },
    ])
  ).ids;
  const before = smtp.received.length;
  await dispatchDue(db, clock, config(), { budgetMs: 3000 });
  await smtp.waitFor(before + 1);
  const mail = smtp.received.find((m) => m.envelope.to.includes(email)) as ReceivedMail;
  return { contactId: contact.id, email, mail, messageId: messageId as string };
}

const path = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');
const unsubscribeLink = (parsed: ParsedMail) => path((/<(https?:\/\/[^>]+)>/.exec(header(parsed, 'List-Unsubscribe') ?? '') ?? [])[1] ?? '');
const statusOf = async (contactId: string) => (await subscriptionStatuses(db, ws.workspaceId, contactId)).find((s) => s.purpose === `list:${listId}`)?.status;

describe('one-click unsubscribe (RFC 8058)', () => {
  it('GET shows a page with a confirm button and changes nothing', async () => {
    const { contactId, mail } = await sendTo();
    const link = unsubscribeLink(mail.parsed);
    expect(link).toMatch(/^\/u\/[A-Za-z0-9_-]+$/);
    const page = await api.app.inject({ method: 'GET', url: link });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post"');
    expect(page.body).toContain('Product news');
    expect(await statusOf(contactId)).toBe('confirmed');
  });

  it('a form-encoded one-click POST withdraws at once, answers 200 without a redirect, and again changes nothing more', async () => {
    const { contactId, mail, messageId } = await sendTo();
    const link = unsubscribeLink(mail.parsed);
    const post = () =>
      api.app.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    const first = await post();
    expect(first.statusCode).toBe(200);
    expect(first.headers.location).toBeUndefined();
    expect(await statusOf(contactId)).toBe('unsubscribed');
    expect((await post()).statusCode).toBe(200);
    const records = await db.selectFrom('consent_records').select(['action', 'method']).where('contact_id', '=', contactId).orderBy('seq').execute();
    expect(records).toEqual([
      { action: 'granted', method: 'form' },
      { action: 'withdrawn', method: 'one_click' },
    ]);
    const row = await db.selectFrom('messages').select('unsubscribed_at').where('id', '=', messageId).executeTakeFirstOrThrow();
    expect(row.unsubscribed_at).not.toBeNull();
  });

  it('a multipart/form-data one-click POST withdraws too', async () => {
    const { contactId, mail } = await sendTo();
    const boundary = '----momentum-test';
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    const response = await api.app.inject({
      method: 'POST',
      url: unsubscribeLink(mail.parsed),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(response.statusCode).toBe(200);
    expect(await statusOf(contactId)).toBe('unsubscribed');
  });

  it('the page’s confirm button withdraws with the unsubscribe-page method', async () => {
    const { contactId, mail } = await sendTo();
    const response = await api.app.inject({
      method: 'POST',
      url: unsubscribeLink(mail.parsed),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'confirm=yes',
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('You are unsubscribed');
    const last = await db.selectFrom('consent_records').select(['method']).where('contact_id', '=', contactId).orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(last.method).toBe('unsubscribe_page');
  });

  it('an unknown, malformed or tampered token answers 400 and changes nothing', async () => {
    const { contactId, mail } = await sendTo();
    const link = unsubscribeLink(mail.parsed);
    const tampered = `${link.slice(0, -3)}${link.slice(-3) === 'AAA' ? 'BBB' : 'AAA'}`;
    for (const url of [tampered, '/u/not-a-token', '/u/%3Cscript%3E']) {
      const response = await api.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(response.statusCode).toBe(400);
    }
    const json = await api.app.inject({ method: 'POST', url: '/u/zzz', headers: { accept: 'application/json' } });
    expect(json.json()).toMatchObject({ error: { code: 'bad_request' } });
    expect(await statusOf(contactId)).toBe('confirmed');
  });
});

describe('tracking', () => {
  it('a click redirects to the message’s link, and an altered target is refused', async () => {
    const { mail, messageId } = await sendTo();
    const tracked = /href="(https?:\/\/[^"]+\/c\/[^"]+)"/.exec(mail.parsed.html as string)?.[1]?.replace(/&amp;/g, '&') as string;
    const response = await api.app.inject({ method: 'GET', url: path(tracked) });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('https://docs.example.com/guide?x=1&y=2');
    const altered = tracked.replace(encodeURIComponent('https://docs.example.com/guide?x=1&y=2'), encodeURIComponent('https://evil.example.com/'));
    const refused = await api.app.inject({ method: 'GET', url: path(altered) });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers.location).toBeUndefined();
    const stats = await messageStats(db, ws.workspaceId, { sourceType: 'campaign' });
    expect(stats.clicked).toBeGreaterThanOrEqual(1);
    const events = await db.selectFrom('events').select('name').where('source', '=', 'module:messaging').where('name', '=', 'Email Clicked').execute();
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(messageId).toBeTruthy();
  });

  it('the pixel records one open per message, flagging privacy-proxy opens as machine opens', async () => {
    const { mail, messageId } = await sendTo();
    const pixel = /<img src="(https?:\/\/[^"]+\/o\/[^"]+)"/.exec(mail.parsed.html as string)?.[1] as string;
    clock.advance(60_000);
    const first = await api.app.inject({ method: 'GET', url: path(pixel), headers: { 'user-agent': 'Mozilla/5.0' } });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('image/gif');
    await api.app.inject({ method: 'GET', url: path(pixel), headers: { 'user-agent': 'Mozilla/5.0' } });
    const row = await db.selectFrom('messages').select(['open_count', 'machine_open', 'opened_at']).where('id', '=', messageId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ open_count: 2, machine_open: true });
    const opens = await db.selectFrom('events').select(['name', 'properties']).where('name', '=', 'Email Opened').execute();
    const mine = opens.filter((e) => (e.properties as { messageId?: string }).messageId === messageId);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.properties).toMatchObject({ machine: true });
  });
});

describe('DKIM', () => {
  it('signs with the configured key, covering both unsubscribe headers, and the signature verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const update = await api.call('PATCH', '/api/v1/messaging/sender', {
      key,
      body: { fromAddress: 'news@mail.example.com', fromName: 'Example News', dkimDomain: 'mail.example.com', dkimSelector: 's2026', dkimPrivateKey: pem },
    });
    expect(update.status).toBe(200);
    expect(update.body.settings.dkimPrivateKey).toBe('set');
    expect(JSON.stringify(update.body)).not.toContain('PRIVATE KEY');
    const { mail } = await sendTo();
    const dnsRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
    const result = await authenticate(mail.raw, {
      trustReceived: false,
      sender: mail.envelope.from,
      resolver: async (name: string, type: string) => {
        if (type === 'TXT' && name === 's2026._domainkey.mail.example.com') return [[dnsRecord]];
        const error = new Error('not found') as Error & { code: string };
        error.code = 'ENOTFOUND';
        throw error;
      },
    });
    const signature = result.dkim.results[0];
    expect(signature?.status.result).toBe('pass');
    const signed = (header(mail.parsed, 'DKIM-Signature') ?? '').replace(/\s+/g, '');
    const fields = (/(?:^|;)h=([^;]+)/.exec(signed)?.[1] ?? '').toLowerCase().split(':');
    expect(fields).toContain('list-unsubscribe');
    expect(fields).toContain('list-unsubscribe-post');
    await api.call('PATCH', '/api/v1/messaging/sender', { key, body: { dkimDomain: '', dkimSelector: '', dkimPrivateKey: null } });
    // Audited, without the key.
    const audit = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('workspace_id', '=', ws.workspaceId)
      .where('action', '=', 'sender_settings.updated')
      .execute();
    expect(audit.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(audit)).not.toContain('PRIVATE KEY');
    expect(audit.some((e) => (e.after as { dkimPrivateKey?: string } | null)?.dkimPrivateKey === 'set')).toBe(true);
  });
});

describe('provider bounce and complaint webhook', () => {
  it('refuses a call without the workspace secret, then suppresses on a complaint and withdraws the list', async () => {
    const { contactId, email, mail } = await sendTo();
    const url = `/hooks/messaging/${ws.workspaceId}/bounces`;
    const body = { type: 'complaint', email, messageId: header(mail.parsed, 'Message-ID'), detail: 'abuse report' };
    expect((await api.call('POST', url, { body })).status).toBe(404);
    expect((await api.call('POST', url, { body, headers: { authorization: 'Bearer mws_wrong' } })).status).toBe(404);
    const rotated = await api.call('PATCH', '/api/v1/messaging/sender', { key, body: { rotateWebhookSecret: true } });
    const secret = rotated.body.webhookSecret as string;
    expect(secret).toMatch(/^mws_/);
    const response = await api.call('POST', url, { body, headers: { authorization: `Bearer ${secret}` } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: 1, matched: 1, suppressed: 1 });
    expect(await isSuppressed(db, ws.workspaceId, email)).toBe(true);
    expect(await statusOf(contactId)).toBe('unsubscribed');
    const bad = await api.call('POST', url, { body: { type: 'bounce', email: 'not-an-address' }, headers: { authorization: `Bearer ${secret}` } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('email');
  });
});

describe('sender settings API', () => {
  it('refuses bad input naming the field and changes nothing', async () => {
    const before = await api.call('GET', '/api/v1/messaging/sender', { key });
    const bad = await api.call('PATCH', '/api/v1/messaging/sender', { key, body: { fromAddress: 'nope', ratePerMinute: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['body.fromAddress', 'body.ratePerMinute']);
    const half = await api.call('PATCH', '/api/v1/messaging/sender', { key, body: { dkimDomain: 'example.com' } });
    expect(half.status).toBe(400);
    expect(half.body.error.details[0].path).toBe('body.dkimSelector');
    expect((await api.call('GET', '/api/v1/messaging/sender', { key })).body).toEqual(before.body);
  });
});
