import { describe, expect, it } from 'vitest';
import { testClock } from '../../../test/factories.ts';
import { apiSuite } from '../../../test/suite.ts';
import { createContact } from '../contacts/contacts.ts';
import { preferencesUrl } from '../messaging/messaging.links.ts';
import { type ConfirmationToken, signConfirmationToken, verifyConfirmationToken } from './consent.forms.ts';
import { gate } from './consent.gate.ts';
import { addressHash, createList, recordConsent } from './consent.ts';

const clock = testClock();
const suite = apiSuite(clock);
const SECRET = 'test-secret-that-is-long-enough-0123456789';
const linkConfig = { publicUrl: 'http://127.0.0.1:3000', secret: SECRET };

let ip = 0;
/** Each post from its own client address, so the per-address limit only counts where a test means it to. */
const nextIp = () => `198.51.100.${++ip}`;

async function post(url: string, form: Record<string, string | string[]>, from = nextIp()) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const value of Array.isArray(v) ? v : [v]) params.append(k, value);
  return suite.api.call('POST', url, {
    body: params.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from, 'user-agent': 'Mozilla/5.0 (Test)' },
  });
}

async function list(key: string, optIn: 'single' | 'double', isPublic = true) {
  return createList(suite.database.db, clock, suite.ws.system, { key, name: `The ${key}`, optIn, wording: `Yes, email me ${key}.`, public: isPublic });
}

const subscribePath = (key: string) => `/subscribe/${suite.ws.workspaceId}/${key}`;

async function recordsOf(email: string) {
  return suite.database.db.selectFrom('consent_records').selectAll().where('address_hash', '=', addressHash(email)).orderBy('seq').execute();
}

async function contactId(email: string) {
  return (await suite.database.db.selectFrom('contacts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

async function confirmationMessages(email: string) {
  const id = await contactId(email);
  return suite.database.db.selectFrom('messages').selectAll().where('recipient_id', '=', id).where('source_type', '=', 'confirmation').execute();
}

/** The confirmation link in the last confirmation message queued for this address. */
async function confirmLink(email: string): Promise<string> {
  const messages = await confirmationMessages(email);
  const text = JSON.stringify(messages.at(-1));
  const match = /\/confirm\/([A-Za-z0-9_-]+)/.exec(text);
  if (!match) throw new Error(`no confirmation link for ${email}`);
  return `/confirm/${match[1]}`;
}

describe('hosted subscribe page', () => {
  it('shows the list wording and a form; a missing or private list is a 404 page', async () => {
    await list('page-news', 'single');
    await list('private-news', 'single', false);
    const page = await suite.api.call('GET', subscribePath('page-news'));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.raw).toContain('Yes, email me page-news.');
    expect(page.raw).toContain('name="email"');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect((await suite.api.call('GET', subscribePath('private-news'))).status).toBe(404);
    expect((await suite.api.call('GET', subscribePath('nope'))).status).toBe(404);
    expect((await suite.api.call('GET', '/subscribe/not-a-uuid/x')).status).toBe(404);
  });

  it('single opt-in: a post creates the contact (no account) and records granted with wording, version, IP and user agent', async () => {
    const l = await list('single-news', 'single');
    const res = await post(subscribePath('single-news'), { name: 'Sam Single', email: 'Sam@Example.org', website: '', v: '1' }, '203.0.113.50');
    expect(res.status).toBe(200);
    expect(res.raw).toContain('You are subscribed');
    const contact = await suite.database.db.selectFrom('contacts').selectAll().where('email', '=', 'sam@example.org').executeTakeFirstOrThrow();
    expect(contact).toMatchObject({ name: 'Sam Single', account_id: null });
    expect(await recordsOf('sam@example.org')).toEqual([
      expect.objectContaining({
        contact_id: contact.id,
        purpose: `list:${l.id}`,
        action: 'granted',
        method: 'form',
        wording: 'Yes, email me single-news.',
        wording_version: 1,
        source_ip: '203.0.113.50',
        user_agent: 'Mozilla/5.0 (Test)',
        recorded_by: 'contact',
      }),
    ]);
    const decision = await gate(suite.database.db, suite.ws.workspaceId, { kind: 'list', listId: l.id }, [contact.id]);
    expect(decision[0]?.allowed).toBe(true);
  });

  it('an anonymous post never changes an existing contact', async () => {
    await list('keep-name', 'single');
    await createContact(suite.database.db, clock, suite.ws.system, { email: 'known@example.org', name: 'Known Person' });
    await post(subscribePath('keep-name'), { name: 'Impostor', email: 'known@example.org' });
    const contact = await suite.database.db.selectFrom('contacts').select('name').where('email', '=', 'known@example.org').executeTakeFirstOrThrow();
    expect(contact.name).toBe('Known Person');
  });

  it('refuses script in the name and a bad email with a 400 page naming the field, escaped, and records nothing', async () => {
    await list('xss-news', 'single');
    const res = await post(subscribePath('xss-news'), { name: '<script>alert(1)</script>', email: 'xss@example.org' });
    expect(res.status).toBe(400);
    expect(res.raw).not.toContain('<script>alert(1)</script>');
    expect(res.raw).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.raw).toContain('Your name cannot contain &lt; or &gt;');
    expect(await suite.database.db.selectFrom('contacts').select('id').where('email', '=', 'xss@example.org').execute()).toEqual([]);
    const bad = await post(subscribePath('xss-news'), { name: 'Ok', email: 'not-an-email"><img src=x onerror=alert(1)>' });
    expect(bad.status).toBe(400);
    expect(bad.raw).toContain('Enter an email address like name@example.com');
    expect(bad.raw).not.toContain('<img src=x');
  });

  it('a filled honeypot answers like a success and records nothing', async () => {
    await list('honey-news', 'single');
    const res = await post(subscribePath('honey-news'), { name: 'Bot', email: 'bot@example.org', website: 'http://spam.example' });
    expect(res.status).toBe(200);
    expect(res.raw).toContain('You are subscribed');
    expect(await suite.database.db.selectFrom('contacts').select('id').where('email', '=', 'bot@example.org').execute()).toEqual([]);
  });

  it('limits posts per client address with a 429 page', async () => {
    await list('busy-news', 'single');
    const from = '192.0.2.77';
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await post(subscribePath('busy-news'), { email: `busy${i}@example.org` }, from)).status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const limited = await post(subscribePath('busy-news'), { email: 'busy-more@example.org' }, from);
    expect(limited.raw).toContain('Too many attempts');
    expect(limited.headers['retry-after']).toBeDefined();
    // Another address is not affected.
    expect((await post(subscribePath('busy-news'), { email: 'other@example.org' })).status).toBe(200);
  });

  it('records an old embedded form’s wording version rather than today’s wording', async () => {
    const l = await list('old-embed', 'single');
    const { updateList } = await import('./consent.ts');
    await updateList(suite.database.db, clock, suite.ws.system, l.id, { wording: 'New wording' });
    await post(subscribePath('old-embed'), { email: 'embed@example.org', v: '1' });
    expect((await recordsOf('embed@example.org'))[0]).toMatchObject({ wording: null, wording_version: 1, proof: expect.stringContaining('version 1') });
  });
});

describe('double opt-in', () => {
  it('records requested and queues one confirmation email (purpose request); the GET changes nothing, the POST grants once', async () => {
    const l = await list('double-news', 'double');
    const res = await post(subscribePath('double-news'), { name: 'Dee Double', email: 'dee@example.org' }, '203.0.113.60');
    expect(res.raw).toContain('Check your inbox');
    expect((await recordsOf('dee@example.org')).map((r) => r.action)).toEqual(['requested']);
    const messages = await confirmationMessages('dee@example.org');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ status: 'queued', purpose: 'request' });
    const id = await contactId('dee@example.org');
    expect((await gate(suite.database.db, suite.ws.workspaceId, { kind: 'list', listId: l.id }, [id]))[0]).toMatchObject({
      allowed: false,
      reason: 'unconfirmed',
    });

    const link = await confirmLink('dee@example.org');
    const shown = await suite.api.call('GET', link, { headers: { 'user-agent': 'LinkScanner/1.0' } });
    expect(shown.status).toBe(200);
    expect(shown.raw).toContain('Yes, subscribe me');
    expect(shown.raw).toContain('dee@example.org');
    await suite.api.call('GET', link);
    expect((await recordsOf('dee@example.org')).map((r) => r.action)).toEqual(['requested']);

    const confirmed = await post(link, {}, '203.0.113.61');
    expect(confirmed.status).toBe(200);
    expect(confirmed.raw).toContain('Subscription confirmed');
    const records = await recordsOf('dee@example.org');
    expect(records.map((r) => r.action)).toEqual(['requested', 'granted']);
    const token = verifyConfirmationToken(SECRET, link.slice('/confirm/'.length));
    expect(records[1]).toMatchObject({ method: 'double_opt_in', proof: token?.i, wording: 'Yes, email me double-news.', source_ip: '203.0.113.61' });
    expect((await gate(suite.database.db, suite.ws.workspaceId, { kind: 'list', listId: l.id }, [id]))[0]?.allowed).toBe(true);

    const twice = await post(link, {});
    expect(twice.status).toBe(200);
    expect(twice.raw).toContain('Already confirmed');
    expect(await recordsOf('dee@example.org')).toHaveLength(2);

    // Subscribing again while confirmed changes nothing and mails nothing.
    await post(subscribePath('double-news'), { email: 'dee@example.org' });
    expect(await recordsOf('dee@example.org')).toHaveLength(2);
    expect(await confirmationMessages('dee@example.org')).toHaveLength(1);
  });

  it('throttles confirmation mails per address', async () => {
    await list('throttled-news', 'double');
    await post(subscribePath('throttled-news'), { email: 'throttle@example.org' });
    await post(subscribePath('throttled-news'), { email: 'throttle@example.org' });
    await post(subscribePath('throttled-news'), { email: 'THROTTLE@example.org' });
    expect(await confirmationMessages('throttle@example.org')).toHaveLength(1);
  });

  it('a tampered link is a 400 page; an expired one offers a new link, which the resend button sends', async () => {
    const l = await list('expiring-news', 'double');
    await post(subscribePath('expiring-news'), { email: 'late@example.org' });
    const link = await confirmLink('late@example.org');
    const token = link.slice('/confirm/'.length);
    const data = verifyConfirmationToken(SECRET, token) as ConfirmationToken;
    const raw = Buffer.from(token, 'base64url');
    // A later expiry with the old tag, one flipped bit, a cut token, another secret's token, junk.
    const later = Buffer.from(raw);
    later.writeUInt32BE(data.e + 86400 * 365, 1);
    const flipped = Buffer.from(raw);
    flipped[30] = (flipped[30] ?? 0) ^ 1;
    const bad = [
      later.toString('base64url'),
      flipped.toString('base64url'),
      token.slice(0, -3),
      `${token}A`,
      signConfirmationToken('another-secret-of-enough-length-0123456789', data),
      'garbage',
    ];
    for (const b of bad) {
      const page = await suite.api.call('GET', `/confirm/${b}`);
      expect(page.status).toBe(400);
      expect(page.raw).toContain('This link is not valid');
      expect((await post(`/confirm/${b}`, {})).status).toBe(400);
    }

    const expiredToken = signConfirmationToken(SECRET, { ...data, e: Math.floor(clock.now().getTime() / 1000) - 60 });
    const expired = await suite.api.call('GET', `/confirm/${expiredToken}`);
    expect(expired.status).toBe(410);
    expect(expired.raw).toContain('This link has expired');
    expect(expired.raw).toContain(`/confirm/${expiredToken}/resend`);
    expect((await post(`/confirm/${expiredToken}`, {})).status).toBe(410);
    expect((await recordsOf('late@example.org')).map((r) => r.action)).toEqual(['requested']);

    // Within the throttle window the earlier link still stands; later, a new one is sent.
    clock.advance(11 * 60_000);
    const resent = await post(`/confirm/${expiredToken}/resend`, {});
    expect(resent.status).toBe(200);
    expect(await confirmationMessages('late@example.org')).toHaveLength(2);
    const fresh = await confirmLink('late@example.org');
    expect(fresh).not.toBe(link);
    expect((await post(fresh, {})).raw).toContain('Subscription confirmed');
    const id = await contactId('late@example.org');
    expect((await gate(suite.database.db, suite.ws.workspaceId, { kind: 'list', listId: l.id }, [id]))[0]?.allowed).toBe(true);
  });
});

describe('preference centre', () => {
  it('lists public lists with the status, saves changes (method preference_centre) and leaves all', async () => {
    const a = await list('pref-a', 'single');
    const b = await list('pref-b', 'double');
    const hidden = await list('pref-hidden', 'single', false);
    const contact = await createContact(suite.database.db, clock, suite.ws.system, { email: 'prefs@example.org', name: 'Pat Prefs' });
    for (const l of [a, hidden]) {
      await recordConsent(suite.database.db, clock, suite.ws.workspaceId, {
        contactId: contact.id,
        purpose: `list:${l.id}`,
        action: 'granted',
        method: 'form',
        recordedBy: { name: 'contact' },
      });
    }
    const url = preferencesUrl(linkConfig, suite.ws.workspaceId, contact.id, clock.now());
    const path = new URL(url).pathname;
    const page = await suite.api.call('GET', path);
    expect(page.status).toBe(200);
    expect(page.raw).toContain('prefs@example.org');
    expect(page.raw).toMatch(new RegExp(`value="${a.id}" checked`));
    expect(page.raw).toContain(`value="${b.id}"`);
    expect(page.raw).not.toMatch(new RegExp(`value="${b.id}" checked`));
    // A private list the contact is on is shown so they can leave it.
    expect(page.raw).toContain(`value="${hidden.id}" checked`);

    const saved = await post(path, { list: [b.id, hidden.id], action: 'save' }, '203.0.113.70');
    expect(saved.status).toBe(200);
    expect(saved.raw).toContain('Your choices are saved');
    const statuses = async () => {
      const rows = await recordsOf('prefs@example.org');
      const latest = new Map<string, string>();
      for (const r of rows) latest.set(r.purpose, `${r.action}:${r.method}`);
      return latest;
    };
    expect(await statuses()).toEqual(
      new Map([
        [`list:${a.id}`, 'withdrawn:preference_centre'],
        [`list:${hidden.id}`, 'granted:form'],
        [`list:${b.id}`, 'granted:preference_centre'],
      ]),
    );

    await post(path, { action: 'leave_all' });
    expect([...(await statuses()).values()].every((s) => s.startsWith('withdrawn'))).toBe(true);

    const tampered = `${path.slice(0, 20)}${path[20] === 'A' ? 'B' : 'A'}${path.slice(21)}`;
    expect((await suite.api.call('GET', tampered)).status).toBe(400);
    expect((await post(tampered, { action: 'leave_all' })).status).toBe(400);
  });
});
