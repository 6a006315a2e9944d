import { generateKeyPairSync } from 'node:crypto';
import { authenticate } from 'mailauth';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace, testClock, unique } from '../../../test/factories.ts';
import { startImapServer, type TestImapServer } from '../../../test/imap.ts';
import { header, type ReceivedMail, startSmtpServer, type TestSmtpServer } from '../../../test/smtp.ts';
import { loadConfig } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { createAccount } from '../accounts/accounts.ts';
import { createList, isSuppressed, recordConsent, subscriptionStatuses } from '../consent/consent.ts';
import { createContact } from '../contacts/contacts.ts';
import { dispatchDue } from './messaging.dispatch.ts';
import { emptyResult, KEYWORD_DONE, KEYWORD_SKIPPED, readBounceMailbox, readDueMailboxes } from './messaging.mailbox.ts';
import { enqueueMessages } from './messaging.outbox.ts';
import type { MailboxReadResult } from './messaging.schema.ts';
import { getSenderSettings, type ImapMailbox, parseImapUrl, updateSenderSettings } from './messaging.settings.ts';

// The bounce mailbox read over IMAP against a real Dovecot (test/imap.ts), with mail sent over a real SMTP server
// (test/smtp.ts): DSNs, ARF complaints and mailto: unsubscribe requests made from the messages as they arrived.

const SECRET = 'test-secret-that-is-long-enough-0123456789';
const BOUNCES = 'bounces@mail.example.com';
const clock = testClock('2026-06-01T09:00:00Z');
let database: TestDatabase;
let db: Db;
let ws: TestWorkspace;
let smtp: TestSmtpServer;
let imap: TestImapServer;
let api: Awaited<ReturnType<typeof createTestApp>>;
let key: string;
let accountId: string;
let listId: string;
const config = () => loadConfig({}, { MOMENTUM_SECRET: SECRET, SMTP_URL: smtp.url, PUBLIC_URL: 'https://momentum.example.com' });

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  ws = await createTestWorkspace(db, clock);
  [smtp, imap] = await Promise.all([startSmtpServer(), startImapServer()]);
  api = await createTestApp(db, clock);
  key = await createTestKey(db, clock, ws);
  accountId = (await createAccount(db, clock, ws.system, { name: unique('Acme') })).id;
  listId = (await createList(db, clock, ws.admin, { key: unique('news'), name: 'Product news', optIn: 'single', wording: 'Send me product news' })).id;
  await updateSenderSettings(db, clock, config(), ws.admin, { fromName: 'Example News', fromAddress: 'news@mail.example.com', bounceAddress: BOUNCES });
});
afterAll(async () => {
  await api?.close();
  await smtp?.close();
  await imap?.close();
  await database?.dispose();
});

/** A consenting contact, a campaign message sent to them over SMTP, and the message as it arrived. */
async function sendTo(): Promise<{ contactId: string; email: string; mail: ReceivedMail; messageId: string }> {
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
        content: { subject: 'June news', html: '<p>News</p>', text: 'News' },
      },
    ])
  ).ids;
  const before = smtp.received.length;
  await dispatchDue(db, clock, config(), { budgetMs: 3000 });
  await smtp.waitFor(before + 1);
  const mail = smtp.received.find((m) => m.envelope.to.includes(email)) as ReceivedMail;
  return { contactId: contact.id, email, mail, messageId: messageId as string };
}

const headerBlock = (raw: Buffer) => {
  const text = raw.toString('utf8');
  return text.slice(0, text.indexOf('\r\n\r\n'));
};

/** A delivery status notification as Postfix writes it (RFC 3464), about a message as it was sent. */
function dsn(sent: ReceivedMail, options: { status: string; action: 'failed' | 'delayed'; to?: string; diagnostic: string; original?: 'message' | 'headers' }) {
  const recipient = sent.envelope.to[0] as string;
  const boundary = `B${unique('dsn')}`;
  const original = options.original ?? 'headers';
  return [
    'From: MAILER-DAEMON@mx.customer.test (Mail Delivery System)',
    `To: ${options.to ?? sent.envelope.from}`,
    `Subject: ${options.action === 'failed' ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'}`,
    'Date: Mon, 1 Jun 2026 09:01:00 +0000',
    `Message-ID: <${unique('dsn')}@mx.customer.test>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.customer.test.',
    '',
    `<${recipient}>: ${options.diagnostic}`,
    '',
    `--${boundary}`,
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.customer.test',
    'X-Postfix-Queue-ID: 4F2B81C0A2',
    'Arrival-Date: Mon,  1 Jun 2026 09:00:00 +0000 (UTC)',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Original-Recipient: rfc822;${recipient}`,
    `Action: ${options.action}`,
    `Status: ${options.status}`,
    'Remote-MTA: dns; mx2.customer.test',
    `Diagnostic-Code: smtp; ${options.diagnostic}`,
    '',
    `--${boundary}`,
    `Content-Description: ${original === 'message' ? 'Undelivered Message' : 'Undelivered Message Headers'}`,
    `Content-Type: ${original === 'message' ? 'message/rfc822' : 'text/rfc822-headers'}`,
    '',
    original === 'message' ? sent.raw.toString('utf8') : headerBlock(sent.raw),
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** An abuse report in the Abuse Reporting Format (RFC 5965), as a mailbox provider's feedback loop sends it. */
function arf(sent: ReceivedMail) {
  const boundary = `A${unique('arf')}`;
  return [
    'From: Mailbox Provider Feedback <feedback@fbl.provider.test>',
    `To: ${BOUNCES}`,
    'Subject: Abuse report: June news',
    'Date: Mon, 1 Jun 2026 10:00:00 +0000',
    `Message-ID: <${unique('arf')}@fbl.provider.test>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=feedback-report; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset="US-ASCII"',
    'Content-Transfer-Encoding: 7bit',
    '',
    'This is an email abuse report for an email message received from IP 192.0.2.1 on Mon, 1 Jun 2026 09:00:00 +0000.',
    '',
    `--${boundary}`,
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: ProviderFBL/1.0',
    'Version: 1',
    `Original-Mail-From: <${sent.envelope.from}>`,
    `Original-Rcpt-To: <${sent.envelope.to[0]}>`,
    'Arrival-Date: Mon, 1 Jun 2026 09:00:00 +0000',
    'Reporting-MTA: dns; mx.provider.test',
    'Source-IP: 192.0.2.1',
    'Reported-Domain: mail.example.com',
    '',
    `--${boundary}`,
    'Content-Type: message/rfc822',
    'Content-Disposition: inline',
    '',
    sent.raw.toString('utf8'),
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** What a mail client sends for the mailto: of List-Unsubscribe (a new Message-ID each time). */
async function mailtoRequest(sent: ReceivedMail, tamper = false): Promise<Buffer> {
  const mailto = /<mailto:([^?>]+)\?subject=([^>]+)>/.exec(header(sent.parsed, 'List-Unsubscribe') ?? '');
  if (!mailto) throw new Error('no mailto: in List-Unsubscribe');
  let subject = decodeURIComponent(mailto[2] as string);
  if (tamper) subject = subject.slice(0, -3) + (subject.endsWith('AAA') ? 'BBB' : 'AAA');
  return new MailComposer({ from: sent.envelope.to[0], to: mailto[1], subject, text: 'This is an unsubscribe request.' }).compile().build();
}

const statusOf = async (contactId: string) => (await subscriptionStatuses(db, ws.workspaceId, contactId)).find((s) => s.purpose === `list:${listId}`)?.status;
const eventsOf = (contactId: string, name: string) =>
  db
    .selectFrom('events')
    .select(['name', 'properties'])
    .where('workspace_id', '=', ws.workspaceId)
    .where('contact_id', '=', contactId)
    .where('name', '=', name)
    .execute();
const ledgerOf = (contactId: string) =>
  db.selectFrom('consent_records').select(['action', 'method', 'proof']).where('contact_id', '=', contactId).orderBy('seq').execute();
const messageRow = (id: string) => db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** One run of the `messaging.read-bounces` job, the next time it is due. */
async function readJob() {
  clock.advance(5 * 60_000);
  return readDueMailboxes(db, clock, config(), { budgetMs: 30_000 });
}
const counts = (partial: Partial<MailboxReadResult>): MailboxReadResult => ({ ...emptyResult(), ...partial });

describe('List-Unsubscribe and the bounce mailbox', () => {
  it('carries only the HTTPS link without a mailbox, and a mailto: with the token once one is set, DKIM covering both headers', async () => {
    const without = await sendTo();
    expect(header(without.mail.parsed, 'List-Unsubscribe')).toMatch(/^<https:\/\/momentum\.example\.com\/u\/[A-Za-z0-9_-]+>$/);

    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const update = await api.call('PATCH', '/api/v1/messaging/sender', {
      key,
      body: {
        imapUrl: imap.url,
        dkimDomain: 'mail.example.com',
        dkimSelector: 's2026',
        dkimPrivateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    });
    expect(update.status).toBe(200);
    const { mail } = await sendTo();
    const listUnsubscribe = header(mail.parsed, 'List-Unsubscribe') ?? '';
    const [, https, mailto] = /^<(https:\/\/[^>]+)>, <(mailto:[^>]+)>$/.exec(listUnsubscribe) ?? [];
    expect(https).toMatch(/^https:\/\/momentum\.example\.com\/u\/[A-Za-z0-9_-]+$/);
    // The same signed token as the one-click link.
    expect(mailto).toBe(`mailto:${BOUNCES}?subject=unsubscribe-${https?.split('/u/')[1]}`);
    expect(header(mail.parsed, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');

    const dnsRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
    const result = await authenticate(mail.raw, {
      trustReceived: false,
      sender: mail.envelope.from,
      resolver: async (name: string, type: string) => {
        if (type === 'TXT' && name === 's2026._domainkey.mail.example.com') return [[dnsRecord]];
        throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      },
    });
    expect(result.dkim.results[0]?.status.result).toBe('pass');
    const signed = (header(mail.parsed, 'DKIM-Signature') ?? '').replace(/\s+/g, '');
    const fields = (/(?:^|;)h=([^;]+)/.exec(signed)?.[1] ?? '').toLowerCase().split(':');
    expect(fields).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post']));
    await api.call('PATCH', '/api/v1/messaging/sender', { key, body: { dkimDomain: '', dkimSelector: '', dkimPrivateKey: null } });
  });
});

describe('the bounce mailbox settings', () => {
  it('never return the password, audit changes without it, and refuse bad input naming the field', async () => {
    const got = await api.call('GET', '/api/v1/messaging/sender', { key });
    expect(got.body).toMatchObject({ imapUrl: `imap://bounces@127.0.0.1:${imap.port}/INBOX`, imapPassword: 'set' });
    expect(JSON.stringify(got.body)).not.toContain(imap.password);
    // The URL without its password keeps the saved one (same user and host).
    const same = await api.call('PATCH', '/api/v1/messaging/sender', { key, body: { imapUrl: got.body.imapUrl } });
    expect(same.status).toBe(200);
    expect(same.body.settings.imapPassword).toBe('set');
    const stored = await db.selectFrom('sender_settings').select('imap_url').where('workspace_id', '=', ws.workspaceId).executeTakeFirstOrThrow();
    expect(stored.imap_url).toBe(imap.url);

    const bad = async (body: Record<string, unknown>) => {
      const response = await api.call('PATCH', '/api/v1/messaging/sender', { key, body });
      expect(response.status).toBe(400);
      return response.body.error.details.map((d: { path: string }) => d.path);
    };
    expect(await bad({ imapUrl: 'pop3://bounces@mail.example.com' })).toEqual(['body.imapUrl']);
    expect(await bad({ imapUrl: 'imaps://imap.example.com/INBOX' })).toEqual(['body.imapUrl']);
    // Another host does not get the saved password.
    expect(await bad({ imapUrl: 'imaps://bounces@imap.elsewhere.example/INBOX' })).toEqual(['body.imapPassword']);
    expect(await bad({ bounceAddress: '' })).toEqual(['body.bounceAddress']);
    expect((await api.call('GET', '/api/v1/messaging/sender', { key })).body).toEqual(got.body);

    const audit = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('workspace_id', '=', ws.workspaceId)
      .where('action', '=', 'sender_settings.updated')
      .execute();
    expect(JSON.stringify(audit)).not.toContain(imap.password);
    expect(audit.some((e) => (e.after as { imapPassword?: string } | null)?.imapPassword === 'changed')).toBe(true);
  });

  it('test the connection: the message count, or the IMAP error in words', async () => {
    const ok = await api.call('POST', '/api/v1/messaging/sender/mailbox-test', { key, body: {} });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, mailbox: `imap://bounces@127.0.0.1:${imap.port}/INBOX`, error: null });
    expect(typeof ok.body.messages).toBe('number');
    const wrong = await api.call('POST', '/api/v1/messaging/sender/mailbox-test', {
      key,
      body: { imapUrl: `imap://bounces@127.0.0.1:${imap.port}/INBOX`, imapPassword: 'not-the-password' },
    });
    expect(wrong.body).toMatchObject({ ok: false, messages: null });
    expect(wrong.body.error).toContain(`Login failed for bounces at 127.0.0.1:${imap.port}`);
    expect(wrong.body.error).not.toContain('not-the-password');
    const missing = await api.call('POST', '/api/v1/messaging/sender/mailbox-test', { key, body: { imapUrl: `${imap.url.replace('/INBOX', '/Nope')}` } });
    expect(missing.body.error).toContain('Nope');
  });
});

describe('reading the bounce mailbox', () => {
  it('a 5.1.1 DSN suppresses the address and records Email Bounced on its message (found by the VERP address)', async () => {
    const { contactId, email, mail, messageId } = await sendTo();
    expect(mail.envelope.from).toBe(`bounces+${messageId.replace(/-/g, '')}@mail.example.com`);
    await imap.append(
      dsn(mail, { status: '5.1.1', action: 'failed', diagnostic: '550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table' }),
    );
    const run = await readJob();
    expect(run).toMatchObject({ mailboxes: 1, failed: 0, totals: counts({ read: 1, hardBounces: 1 }) });
    expect(await isSuppressed(db, ws.workspaceId, email)).toBe(true);
    expect(await messageRow(messageId)).toMatchObject({ bounce_kind: 'hard' });
    const bounced = await eventsOf(contactId, 'Email Bounced');
    expect(bounced).toHaveLength(1);
    expect(bounced[0]?.properties).toMatchObject({ messageId, kind: 'hard', detail: expect.stringContaining('5.1.1') });
  });

  it('a 4.x DSN records a soft bounce without suppressing (found by the original Message-ID when the report went to the bare address)', async () => {
    const { contactId, email, mail, messageId } = await sendTo();
    await imap.append(
      dsn(mail, { status: '4.4.1', action: 'delayed', to: BOUNCES, original: 'message', diagnostic: 'connect to mx2.customer.test: Connection timed out' }),
    );
    const run = await readJob();
    expect(run.totals).toEqual(counts({ read: 1, softBounces: 1 }));
    expect(await isSuppressed(db, ws.workspaceId, email)).toBe(false);
    expect(await messageRow(messageId)).toMatchObject({ bounce_kind: 'soft' });
    expect(await eventsOf(contactId, 'Email Bounced')).toHaveLength(1);
    expect(await statusOf(contactId)).toBe('confirmed');
  });

  it('an ARF abuse report records a complaint: suppressed, the list withdrawn, Email Complained', async () => {
    const { contactId, email, mail, messageId } = await sendTo();
    await imap.append(arf(mail));
    const run = await readJob();
    expect(run.totals).toEqual(counts({ read: 1, complaints: 1 }));
    expect(await isSuppressed(db, ws.workspaceId, email)).toBe(true);
    expect(await statusOf(contactId)).toBe('unsubscribed');
    expect((await ledgerOf(contactId)).map((r) => r.method)).toEqual(['form', 'complaint']);
    expect((await messageRow(messageId)).complained_at).not.toBeNull();
    expect(await eventsOf(contactId, 'Email Complained')).toHaveLength(1);
  });

  it('a mailto: unsubscribe withdraws the list (a second copy changes nothing; a tampered token changes nothing and is counted)', async () => {
    const { contactId, mail, messageId } = await sendTo();
    const tampered = await sendTo();
    await imap.append(await mailtoRequest(mail));
    await imap.append(await mailtoRequest(tampered.mail, true));
    const run = await readJob();
    expect(run.totals).toEqual(counts({ read: 2, unsubscribes: 1, invalidTokens: 1 }));
    expect(await statusOf(contactId)).toBe('unsubscribed');
    const ledger = await ledgerOf(contactId);
    expect(ledger.map((r) => [r.action, r.method])).toEqual([
      ['granted', 'form'],
      ['withdrawn', 'one_click'],
    ]);
    expect(ledger[1]?.proof).toContain('List-Unsubscribe mailto:');
    expect((await messageRow(messageId)).unsubscribed_at).not.toBeNull();
    const unsubscribed = await eventsOf(contactId, 'Email Unsubscribed');
    expect(unsubscribed.map((e) => e.properties)).toEqual([expect.objectContaining({ method: 'one_click', via: 'mailto' })]);
    expect(await statusOf(tampered.contactId)).toBe('confirmed');
    expect(await ledgerOf(tampered.contactId)).toHaveLength(1);

    // A second request (another mail, its own Message-ID) from the same contact.
    await imap.append(await mailtoRequest(mail));
    expect((await readJob()).totals).toEqual(counts({ read: 1, unsubscribes: 1 }));
    expect(await ledgerOf(contactId)).toHaveLength(2);
    expect(await eventsOf(contactId, 'Email Unsubscribed')).toHaveLength(1);
  });

  it('leaves unrelated mail unread and does not read it again; a report about no message of ours is left too', async () => {
    const personal = new MailComposer({ from: 'sam@partner.test', to: BOUNCES, subject: 'Lunch on Friday?', text: 'Are you free?' }).compile().build();
    const uid = await imap.append(await personal);
    const stranger = await sendTo();
    // A forged report naming a message that does not exist here must not suppress the address it names.
    const forged = dsn(stranger.mail, { status: '5.1.1', action: 'failed', to: BOUNCES, diagnostic: '550 5.1.1 User unknown' }).replace(
      /Message-ID: <[0-9a-f-]{36}@/gi,
      'Message-ID: <00000000-0000-4000-8000-000000000000@',
    );
    const forgedUid = await imap.append(forged);
    expect((await readJob()).totals).toEqual(counts({ read: 2, unrecognised: 1, unmatched: 1 }));
    expect(await isSuppressed(db, ws.workspaceId, stranger.email)).toBe(false);
    const flags = await imap.flags();
    expect([...(flags.get(uid) ?? [])]).toEqual([KEYWORD_SKIPPED]);
    expect([...(flags.get(forgedUid) ?? [])]).toEqual([KEYWORD_SKIPPED]);
    expect((await readJob()).totals).toEqual(counts({}));
  });

  it('takes a bounded batch per read, oldest first, and leaves the rest for the next one', async () => {
    for (const n of [1, 2, 3]) {
      await imap.append(await new MailComposer({ from: 'sam@partner.test', to: BOUNCES, subject: `Note ${n}`, text: 'Hello' }).compile().build());
    }
    const mailbox = parseImapUrl(imap.url) as ImapMailbox;
    expect(await readBounceMailbox(db, clock, config(), ws.workspaceId, mailbox, { maxMessages: 2 })).toEqual(
      counts({ read: 2, unrecognised: 2, remaining: 1 }),
    );
    expect(await readBounceMailbox(db, clock, config(), ws.workspaceId, mailbox, { maxMessages: 2 })).toEqual(counts({ read: 1, unrecognised: 1 }));
  });

  it('running twice doubles nothing, even when a read acted on mail and crashed before flagging it', async () => {
    const { contactId, email, mail, messageId } = await sendTo();
    const uid = await imap.append(dsn(mail, { status: '5.2.1', action: 'failed', diagnostic: '550 5.2.1 Mailbox disabled' }));
    expect((await readJob()).totals).toEqual(counts({ read: 1, hardBounces: 1 }));
    expect([...((await imap.flags()).get(uid) ?? [])].sort()).toEqual([KEYWORD_DONE, '\\Seen'].sort());
    expect((await readJob()).totals).toEqual(counts({}));
    // As if the read had died between recording and flagging: the mail is unseen again.
    const client = await imap.client();
    await client.mailboxOpen('INBOX');
    await client.messageFlagsRemove([uid], ['\\Seen', KEYWORD_DONE], { uid: true });
    await client.logout();
    const suppressions = await db.selectFrom('suppressions').select('address_hash').where('workspace_id', '=', ws.workspaceId).execute();
    expect((await readJob()).totals).toEqual(counts({ read: 1, alreadyDone: 1 }));
    expect(await eventsOf(contactId, 'Email Bounced')).toHaveLength(1);
    expect(await db.selectFrom('suppressions').select('address_hash').where('workspace_id', '=', ws.workspaceId).execute()).toHaveLength(suppressions.length);
    expect(await isSuppressed(db, ws.workspaceId, email)).toBe(true);
    expect((await messageRow(messageId)).bounce_kind).toBe('hard');
    const settings = await getSenderSettings(db, config(), ws.admin);
    expect(settings.imapReadAt).toBe(clock.now().toISOString());
    expect(settings.imapResult).toEqual(counts({ read: 1, alreadyDone: 1 }));
  });

  it('records a wrong password as a clear error on the settings, without stopping the other workspaces', async () => {
    const other = await createTestWorkspace(db, clock);
    await updateSenderSettings(db, clock, config(), other.admin, {
      bounceAddress: 'bounces@other.example.com',
      imapUrl: `imap://bounces@127.0.0.1:${imap.port}/INBOX`,
      imapPassword: 'wrong-password',
    });
    const { email, mail } = await sendTo();
    await imap.append(dsn(mail, { status: '5.1.1', action: 'failed', diagnostic: '550 5.1.1 User unknown' }));
    const run = await readJob();
    expect(run).toMatchObject({ mailboxes: 2, failed: 1, totals: counts({ read: 1, hardBounces: 1 }) });
    expect(await isSuppressed(db, ws.workspaceId, email)).toBe(true);
    const failed = await getSenderSettings(db, config(), other.admin);
    expect(failed.imapError).toBe(`Login failed for bounces at 127.0.0.1:${imap.port}: Authentication failed.`);
    expect(failed.imapErrorAt).toBe(clock.now().toISOString());
    expect(failed.imapReadAt).toBeNull();
    // It waits longer before the next try; the working mailbox is read on time.
    expect((await readJob()).mailboxes).toBe(1);
    // Fixing the password clears the error and the mailbox is read at the next run.
    await updateSenderSettings(db, clock, config(), other.admin, { imapPassword: imap.password });
    expect((await getSenderSettings(db, config(), other.admin)).imapError).toBeNull();
    const fixed = await readJob();
    expect(fixed).toMatchObject({ mailboxes: 2, failed: 0 });
  });
});
