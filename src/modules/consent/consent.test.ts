import { describe, expect, it } from 'vitest';
import { createTestMember, TEST_PASSWORD, testClock } from '../../../test/factories.ts';
import { apiSuite } from '../../../test/suite.ts';
import { createAccount } from '../accounts/accounts.ts';
import { listAudit } from '../audit/audit.ts';
import { createContact } from '../contacts/contacts.ts';
import { listEvents } from '../events/events.ts';
import { importCsv } from '../imports/imports.ts';
import { gate } from './consent.gate.ts';
import { addressHash, recordConsent } from './consent.ts';

const clock = testClock();
const suite = apiSuite(clock);

async function newList(key: string, optIn: 'single' | 'double' = 'single') {
  const created = await suite.api.call('POST', '/api/v1/lists', { key: suite.key, body: { key, name: `List ${key}`, optIn, wording: `Send me ${key} news` } });
  expect(created.status).toBe(201);
  return created.body as { id: string; key: string };
}

async function newContact(email: string) {
  const account = await createAccount(suite.database.db, clock, suite.ws.system, { name: `Acme ${email}` });
  return { ...(await createContact(suite.database.db, clock, suite.ws.system, { email, name: 'Dana Contact', accountId: account.id })), accountId: account.id };
}

describe('mailing lists API', () => {
  it('creates, lists with counts, changes wording (new version) and archives a list, auditing each change', async () => {
    const list = await newList('product-news', 'double');
    const contact = await newContact('lists@customer.test');
    await recordConsent(suite.database.db, clock, suite.ws.workspaceId, {
      contactId: contact.id,
      purpose: `list:${list.id}`,
      action: 'requested',
      method: 'form',
      recordedBy: { name: 'contact' },
    });
    const all = await suite.api.call('GET', '/api/v1/lists', { key: suite.key });
    expect(all.body.items.find((l: { id: string }) => l.id === list.id)).toMatchObject({
      optIn: 'double',
      wordingVersion: 1,
      counts: { unconfirmed: 1, confirmed: 0 },
    });

    const changed = await suite.api.call('PATCH', `/api/v1/lists/${list.id}`, { key: suite.key, body: { wording: 'New words' } });
    expect(changed.body).toMatchObject({ wording: 'New words', wordingVersion: 2 });
    const archived = await suite.api.call('PATCH', `/api/v1/lists/${list.id}`, { key: suite.key, body: { archived: true } });
    expect(archived.body.archivedAt).not.toBeNull();
    expect((await suite.api.call('GET', '/api/v1/lists', { key: suite.key })).body.items.some((l: { id: string }) => l.id === list.id)).toBe(false);

    const audit = await listAudit(suite.database.db, suite.ws.system, { entityType: 'list', entityId: list.id, limit: 10 });
    expect(audit.items.map((a) => a.action).reverse()).toEqual(['list.created', 'list.updated', 'list.updated']);
  });

  it('refuses a bad key, a duplicate key and a missing wording with a 4xx naming the field', async () => {
    const bad = await suite.api.call('POST', '/api/v1/lists', { key: suite.key, body: { key: 'Not A Slug', name: 'x', optIn: 'single', wording: 'w' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.key');
    await newList('dup-list');
    const dup = await suite.api.call('POST', '/api/v1/lists', { key: suite.key, body: { key: 'dup-list', name: 'x', optIn: 'single', wording: 'w' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details[0].path).toBe('body.key');
    const noWording = await suite.api.call('POST', '/api/v1/lists', { key: suite.key, body: { key: 'no-wording', name: 'x', optIn: 'single' } });
    expect(noWording.status).toBe(400);
    expect(noWording.body.error.message).toContain('wording');
  });

  it('gives the hosted page and an embeddable form for a public list, none for a private one', async () => {
    const list = await newList('embed-me');
    const form = await suite.api.call('GET', `/api/v1/lists/${list.id}/form`, { key: suite.key });
    expect(form.body.hostedUrl).toMatch(new RegExp(`/subscribe/${suite.ws.workspaceId}/embed-me$`));
    expect(form.body.snippet).toContain(`action="${form.body.hostedUrl}"`);
    expect(form.body.snippet).toContain('name="website"');
    await suite.api.call('PATCH', `/api/v1/lists/${list.id}`, { key: suite.key, body: { public: false } });
    expect((await suite.api.call('GET', `/api/v1/lists/${list.id}/form`, { key: suite.key })).body).toEqual({ hostedUrl: null, snippet: null });
  });

  it('lets an executive read lists but not create them', async () => {
    const exec = await createTestMember(suite.database.db, clock, suite.ws, ['executive'], 'Eve Exec');
    const session = await suite.api.call('POST', '/api/v1/auth/sign-in', { body: { email: exec.email, password: TEST_PASSWORD } });
    const cookie = String(session.headers['set-cookie']).split(';')[0] as string;
    expect((await suite.api.call('GET', '/api/v1/lists', { cookie })).status).toBe(200);
    const refused = await suite.api.call('POST', '/api/v1/lists', { cookie, body: { key: 'exec-list', name: 'x', optIn: 'single', wording: 'w' } });
    expect(refused.status).toBe(403);
  });
});

describe("a contact's consent API", () => {
  it('records a grant the contact asked for (method admin, the note as proof, who recorded it), audited and as a Contact Subscribed event', async () => {
    const list = await newList('asked-for');
    const contact = await newContact('asked@customer.test');
    const noNote = await suite.api.call('POST', `/api/v1/contacts/${contact.id}/consent`, {
      key: suite.key,
      body: { listId: list.id, action: 'granted', note: '' },
    });
    expect(noNote.status).toBe(400);
    expect(noNote.body.error.details[0].path).toBe('body.note');

    const granted = await suite.api.call('POST', `/api/v1/contacts/${contact.id}/consent`, {
      key: suite.key,
      body: { listId: list.id, action: 'granted', note: 'Asked by email to Sam on 3 May' },
    });
    expect(granted.status).toBe(200);
    expect(granted.body.recorded).toBe(true);
    expect(granted.body.consent.subscriptions.find((s: { listId: string }) => s.listId === list.id).status).toBe('confirmed');
    expect(granted.body.consent.records[0]).toMatchObject({
      action: 'granted',
      method: 'admin',
      proof: 'Asked by email to Sam on 3 May',
      wording: 'Send me asked-for news',
    });

    const decisions = await gate(suite.database.db, suite.ws.workspaceId, { kind: 'list', listId: list.id }, [contact.id]);
    expect(decisions[0]?.allowed).toBe(true);

    const audit = await listAudit(suite.database.db, suite.ws.system, { entityType: 'contact', entityId: contact.id, limit: 10 });
    expect(audit.items.map((a) => a.action)).toContain('consent.granted');
    const events = await listEvents(suite.database.db, suite.ws.system, { accountId: contact.accountId, limit: 10 });
    expect(events.items.map((e) => e.name)).toContain('Contact Subscribed');

    const withdrawn = await suite.api.call('POST', `/api/v1/contacts/${contact.id}/consent`, {
      key: suite.key,
      body: { listId: list.id, action: 'withdrawn', note: 'Phoned to stop the newsletter' },
    });
    expect(withdrawn.body.consent.subscriptions.find((s: { listId: string }) => s.listId === list.id).status).toBe('unsubscribed');
    const again = await suite.api.call('POST', `/api/v1/contacts/${contact.id}/consent`, {
      key: suite.key,
      body: { listId: list.id, action: 'withdrawn', note: 'Phoned to stop the newsletter' },
    });
    expect(again.body).toMatchObject({ recorded: false, reason: 'unchanged' });
    const later = await listEvents(suite.database.db, suite.ws.system, { accountId: contact.accountId, limit: 10 });
    expect(later.items.filter((e) => e.name === 'Contact Unsubscribed')).toHaveLength(1);
  });

  it('records no Contact Unsubscribed for a withdrawal by an email link (messaging records Email Unsubscribed: one fact, one event)', async () => {
    const list = await newList('one-fact');
    const contact = await newContact('onefact@customer.test');
    const base = { contactId: contact.id, purpose: `list:${list.id}`, recordedBy: { name: 'contact' } };
    await recordConsent(suite.database.db, clock, suite.ws.workspaceId, { ...base, action: 'granted', method: 'form' });
    await recordConsent(suite.database.db, clock, suite.ws.workspaceId, { ...base, action: 'withdrawn', method: 'one_click' });
    const events = await listEvents(suite.database.db, suite.ws.system, { accountId: contact.accountId, limit: 10 });
    expect(events.items.map((e) => e.name).filter((n) => n?.startsWith('Contact'))).toEqual(['Contact Subscribed']);
  });

  it('exports the ledger as JSON and CSV downloads (a data-subject request), audited', async () => {
    const list = await newList('exported');
    const contact = await newContact('export@customer.test');
    await recordConsent(suite.database.db, clock, suite.ws.workspaceId, {
      contactId: contact.id,
      purpose: `list:${list.id}`,
      action: 'granted',
      method: 'form',
      wording: '=cmd|calc, "quoted"',
      sourceIp: '203.0.113.9',
      userAgent: 'Firefox',
      recordedBy: { name: 'contact' },
    });
    const json = await suite.api.call('GET', `/api/v1/contacts/${contact.id}/consent/export?format=json`, { key: suite.key });
    expect(json.status).toBe(200);
    expect(json.headers['content-disposition']).toBe(`attachment; filename="consent-${contact.id}.json"`);
    expect(json.body).toMatchObject({
      contact: { email: 'export@customer.test' },
      records: [{ sourceIp: '203.0.113.9', userAgent: 'Firefox', method: 'form' }],
    });
    const csv = await suite.api.call('GET', `/api/v1/contacts/${contact.id}/consent/export?format=csv`, { key: suite.key });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = (csv.raw as string)
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('at,purpose,purpose_name,action,method,wording,wording_version,source_ip,user_agent,proof,recorded_by,record_id');
    // A spreadsheet formula is neutralised.
    expect(lines[1]).toContain(`"'=cmd|calc, ""quoted"""`);
    expect(lines[1]).toContain('203.0.113.9');
    const bad = await suite.api.call('GET', `/api/v1/contacts/${contact.id}/consent/export?format=xml`, { key: suite.key });
    expect(bad.status).toBe(400);
    const audit = await listAudit(suite.database.db, suite.ws.system, { entityType: 'contact', entityId: contact.id, limit: 10 });
    expect(audit.items.filter((a) => a.action === 'consent.exported')).toHaveLength(2);
  });

  it('erases consent data keeping a hashed withdrawal and a suppression by hash: a re-import does not subscribe again', async () => {
    const list = await newList('erased-list');
    const contact = await newContact('erase.me@customer.test');
    await recordConsent(suite.database.db, clock, suite.ws.workspaceId, {
      contactId: contact.id,
      purpose: `list:${list.id}`,
      action: 'granted',
      method: 'form',
      sourceIp: '198.51.100.7',
      userAgent: 'Safari',
      recordedBy: { name: 'contact' },
    });
    const wrong = await suite.api.call('POST', `/api/v1/contacts/${contact.id}/consent/erase`, { key: suite.key, body: { confirm: 'someone@else.test' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details[0].path).toBe('body.confirm');

    const erased = await suite.api.call('POST', `/api/v1/contacts/${contact.id}/consent/erase`, {
      key: suite.key,
      body: { confirm: 'Erase.Me@customer.test' },
    });
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ recordsRemoved: 1, withdrawalsKept: 1, messagesErased: 0 });

    const rows = await suite.database.db.selectFrom('consent_records').selectAll().where('address_hash', '=', addressHash('erase.me@customer.test')).execute();
    expect(rows).toEqual([expect.objectContaining({ contact_id: null, action: 'withdrawn', method: 'erasure', source_ip: null, user_agent: null })]);
    const suppression = await suite.database.db
      .selectFrom('suppressions')
      .selectAll()
      .where('address_hash', '=', addressHash('erase.me@customer.test'))
      .executeTakeFirstOrThrow();
    expect(suppression).toMatchObject({ address: null, reason: 'erasure' });

    const report = await importCsv(
      suite.database.db,
      clock,
      suite.ws.system,
      'contacts',
      new TextEncoder().encode(`email,name,consent_lists\nerase.me@customer.test,Dana,${list.key}\n`),
      { mode: 'partial', consentProof: 'Signed up at our booth, form scans kept in the CRM' },
    );
    expect(report.skipped).toEqual([expect.objectContaining({ row: 2, message: expect.stringMatching(/withdrew/) })]);
    const decisions = await gate(suite.database.db, suite.ws.workspaceId, { kind: 'list', listId: list.id }, [contact.id]);
    expect(decisions[0]).toMatchObject({ allowed: false, reason: 'suppressed' });

    const audit = await listAudit(suite.database.db, suite.ws.system, { entityType: 'contact', entityId: contact.id, limit: 10 });
    const entry = audit.items.find((a) => a.action === 'consent.erased');
    expect(JSON.stringify(entry)).not.toContain('erase.me@customer.test');
    // Only admins erase.
    const csm = await createTestMember(suite.database.db, clock, suite.ws, ['csm']);
    const session = await suite.api.call('POST', '/api/v1/auth/sign-in', { body: { email: csm.email, password: TEST_PASSWORD } });
    const cookie = String(session.headers['set-cookie']).split(';')[0] as string;
    expect((await suite.api.call('POST', `/api/v1/contacts/${contact.id}/consent/erase`, { cookie, body: { confirm: 'erase.me@customer.test' } })).status).toBe(
      403,
    );
  });
});

describe('suppressions API', () => {
  it('adds a manual suppression, finds it, refuses a duplicate, removes it, audits both; an erasure cannot be removed', async () => {
    const added = await suite.api.call('POST', '/api/v1/suppressions', { key: suite.key, body: { address: 'Role@Customer.test', detail: 'shared inbox' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ address: 'role@customer.test', reason: 'manual', detail: 'shared inbox' });
    const dup = await suite.api.call('POST', '/api/v1/suppressions', { key: suite.key, body: { address: 'role@customer.test' } });
    expect(dup.status).toBe(409);
    const bad = await suite.api.call('POST', '/api/v1/suppressions', { key: suite.key, body: { address: 'not an address' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.address');
    const found = await suite.api.call('GET', '/api/v1/suppressions?q=role@', { key: suite.key });
    expect(found.body.items).toEqual([expect.objectContaining({ address: 'role@customer.test' })]);
    const removed = await suite.api.call('DELETE', `/api/v1/suppressions/${added.body.addressHash}`, { key: suite.key });
    expect(removed.status).toBe(204);
    expect((await suite.api.call('GET', '/api/v1/suppressions?q=role@', { key: suite.key })).body.items).toEqual([]);
    const audit = await listAudit(suite.database.db, suite.ws.system, { entityType: 'suppression', limit: 10 });
    expect(audit.items.map((a) => a.action)).toEqual(expect.arrayContaining(['suppression.added', 'suppression.removed']));

    const erasedHash = addressHash('erase.me@customer.test');
    const refused = await suite.api.call('DELETE', `/api/v1/suppressions/${erasedHash}`, { key: suite.key });
    expect([404, 409]).toContain(refused.status);
  });
});

describe('importing contacts with consent', () => {
  const csv = (body: string) => new TextEncoder().encode(body);

  it('refuses a consent_lists column without a stated proof, over the API too, and writes nothing', async () => {
    await newList('import-news');
    await expect(
      importCsv(suite.database.db, clock, suite.ws.system, 'contacts', csv('email,consent_lists\nnoproof@customer.test,import-news\n')),
    ).rejects.toMatchObject({ code: 'validation_failed', details: [{ path: 'consentProof' }] });
    const api = await suite.api.call('POST', '/api/v1/imports/contacts', {
      key: suite.key,
      body: 'email,consent_lists\nnoproof@customer.test,import-news\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(api.status).toBe(400);
    expect(api.body.error.details[0].path).toBe('consentProof');
    expect(await suite.database.db.selectFrom('contacts').select('id').where('email', '=', 'noproof@customer.test').execute()).toEqual([]);
  });

  it('records each grant with method import and the proof; an unknown list key is a row error; re-importing records nothing new', async () => {
    const list = await newList('imported-news');
    const proof = 'Opted in on the 2026 webinar registration form (export kept in the CRM)';
    const file = csv('email,name,consent_lists\nimp1@customer.test,Ivy,imported-news\nimp2@customer.test,Ian,\n');
    const report = await importCsv(suite.database.db, clock, suite.ws.system, 'contacts', file, { consentProof: proof });
    expect(report).toMatchObject({ created: 2, errors: [], skipped: [] });
    const rows = await suite.database.db.selectFrom('consent_records').selectAll().where('address_hash', '=', addressHash('imp1@customer.test')).execute();
    expect(rows).toEqual([expect.objectContaining({ purpose: `list:${list.id}`, action: 'granted', method: 'import', proof, recorded_by: 'system' })]);
    expect(await suite.database.db.selectFrom('consent_records').select('id').where('address_hash', '=', addressHash('imp2@customer.test')).execute()).toEqual(
      [],
    );
    await importCsv(suite.database.db, clock, suite.ws.system, 'contacts', file, { consentProof: proof });
    expect(
      await suite.database.db.selectFrom('consent_records').select('id').where('address_hash', '=', addressHash('imp1@customer.test')).execute(),
    ).toHaveLength(1);

    const unknown = await importCsv(suite.database.db, clock, suite.ws.system, 'contacts', csv('email,consent_lists\nimp3@customer.test,no-such-list\n'), {
      consentProof: proof,
    });
    expect(unknown.errors).toEqual([{ row: 2, column: 'consent_lists', message: expect.stringContaining('"no-such-list" is not the key of a list') }]);
  });
});
