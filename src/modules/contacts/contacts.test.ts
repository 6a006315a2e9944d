import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace, testClock, unique } from '../../../test/factories.ts';
import { createAccount } from '../accounts/accounts.ts';
import { listAudit } from '../audit/audit.ts';
import { createCustomField } from '../customfields/customfields.ts';
import { createContact, findContactByEmail, listContacts, upsertContactByEmail } from './contacts.ts';

let database: TestDatabase;
let ws: TestWorkspace;
let api: Awaited<ReturnType<typeof createTestApp>>;
let key: string;
let accountId: string;
const clock = testClock();

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, clock);
  api = await createTestApp(database.db, clock);
  key = await createTestKey(database.db, clock, ws);
  accountId = (await createAccount(database.db, clock, ws.system, { name: 'Acme Corp' })).id;
});
afterAll(async () => {
  await api?.close();
  await database?.dispose();
});

describe('contacts API', () => {
  it('creates a contact with a normalised email and records the write in the audit log', async () => {
    const res = await api.call('POST', '/api/v1/contacts', {
      key,
      body: { name: 'Dana Champion', email: '  Dana.Champion@Acme.TEST ', accountId, persona: 'champion', title: 'Head of Ops' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: 'dana.champion@acme.test', accountId, persona: 'champion', title: 'Head of Ops', phone: null, custom: {} });
    const got = await api.call('GET', `/api/v1/contacts/${res.body.id}`, { key });
    expect(got.body).toEqual(res.body);
    const audit = await api.call('GET', `/api/v1/audit?entityType=contact&entityId=${res.body.id}`, { key });
    expect(audit.body.items[0]).toMatchObject({ action: 'contact.created', actor: { type: 'api_key' } });
  });

  it('rejects a contact email that is not an email with 400 naming the field', async () => {
    const res = await api.call('POST', '/api/v1/contacts', { key, body: { name: 'No Mail', email: 'not-an-email' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('body.email');
  });

  it('rejects a duplicate email, however it is typed, with 409 naming the field', async () => {
    const email = `${unique('dup')}@acme.test`;
    expect((await api.call('POST', '/api/v1/contacts', { key, body: { name: 'First', email } })).status).toBe(201);
    const res = await api.call('POST', '/api/v1/contacts', { key, body: { name: 'Second', email: email.toUpperCase() } });
    expect(res.status).toBe(409);
    expect(res.body.error.details[0].path).toBe('email');
  });

  it('refuses an account of another workspace with 400 naming the field', async () => {
    const other = await createTestWorkspace(database.db, clock);
    const foreign = await createAccount(database.db, clock, other.system, { name: 'Foreign Ltd' });
    const res = await api.call('POST', '/api/v1/contacts', { key, body: { name: 'Lost', email: `${unique('lost')}@x.test`, accountId: foreign.id } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('body.accountId');
  });

  it('validates custom attributes against the contact fields of the workspace', async () => {
    await createCustomField(database.db, clock, ws.system, { entity: 'contact', key: 'language', label: 'Language', type: 'select', options: ['en', 'de'] });
    const bad = await api.call('POST', '/api/v1/contacts', { key, body: { name: 'Lang', email: `${unique('lang')}@x.test`, custom: { language: 'fr' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.custom.language');
    const ok = await api.call('POST', '/api/v1/contacts', { key, body: { name: 'Lang', email: `${unique('lang')}@x.test`, custom: { language: 'de' } } });
    expect(ok.status).toBe(201);
    const patched = await api.call('PATCH', `/api/v1/contacts/${ok.body.id}`, { key, body: { persona: 'admin', custom: { language: null } } });
    expect(patched.body).toMatchObject({ persona: 'admin', custom: {}, name: 'Lang' });
  });

  it('stores SQL and HTML in text fields verbatim', async () => {
    const name = `Robert'); DROP TABLE contacts;-- <script>alert(1)</script>`;
    const res = await api.call('POST', '/api/v1/contacts', { key, body: { name, email: `${unique('bobby')}@x.test`, title: '<b>CTO</b>' } });
    expect(res.status).toBe(201);
    const got = await api.call('GET', `/api/v1/contacts/${res.body.id}`, { key });
    expect(got.body).toMatchObject({ name, title: '<b>CTO</b>' });
  });

  it('deletes a contact, then answers 404 for it', async () => {
    const created = await api.call('POST', '/api/v1/contacts', { key, body: { name: 'Gone', email: `${unique('gone')}@x.test` } });
    expect((await api.call('DELETE', `/api/v1/contacts/${created.body.id}`, { key })).status).toBe(204);
    expect((await api.call('GET', `/api/v1/contacts/${created.body.id}`, { key })).status).toBe(404);
    expect((await api.call('DELETE', `/api/v1/contacts/${created.body.id}`, { key })).status).toBe(404);
  });

  it('refuses writes from an ingest-only key with 403 but lets an admin key read', async () => {
    const ingestKey = await createTestKey(database.db, clock, ws, ['ingest']);
    const write = await api.call('POST', '/api/v1/contacts', { key: ingestKey, body: { name: 'Nope', email: `${unique('nope')}@x.test` } });
    expect(write.status).toBe(403);
    expect((await api.call('GET', '/api/v1/contacts', { key })).status).toBe(200);
  });
});

describe('upserting and listing contacts', () => {
  it('upserts by email: creates once, then updates only the given attributes', async () => {
    const local = await createTestWorkspace(database.db, clock);
    const first = await upsertContactByEmail(database.db, clock, local.system, { email: 'Pat@Example.TEST' });
    expect(first).toMatchObject({ created: true, contact: { email: 'pat@example.test', name: 'pat@example.test', persona: 'other' } });
    const second = await upsertContactByEmail(database.db, clock, local.system, { email: 'pat@example.test', name: 'Pat Buyer', persona: 'buyer' });
    expect(second.created).toBe(false);
    expect(second.contact).toMatchObject({ id: first.contact.id, name: 'Pat Buyer', persona: 'buyer' });
    expect((await findContactByEmail(database.db, local.system, ' PAT@example.test'))?.id).toBe(first.contact.id);
    await expect(upsertContactByEmail(database.db, clock, local.system, { email: 'nope' })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('writes nothing when an upsert repeats what is stored', async () => {
    const local = await createTestWorkspace(database.db, clock);
    const input = { email: 'same@example.test', name: 'Sam Same', persona: 'admin' as const };
    const first = await upsertContactByEmail(database.db, clock, local.system, input);
    clock.advance(60_000);
    const again = await upsertContactByEmail(database.db, clock, local.system, { ...input, email: 'SAME@example.test' });
    expect(again).toEqual({ created: false, contact: first.contact });
    const audit = await listAudit(database.db, local.system, { entityType: 'contact', entityId: first.contact.id, limit: 10 });
    expect(audit.items.map((a) => a.action)).toEqual(['contact.created']);
  });

  it('creates a person once when two upserts of a new email race', async () => {
    const local = await createTestWorkspace(database.db, clock);
    const results = await Promise.all([
      upsertContactByEmail(database.db, clock, local.system, { email: 'race@example.test', name: 'Racer' }),
      upsertContactByEmail(database.db, clock, local.system, { email: 'race@example.test', title: 'CTO' }),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.contact.id)).size).toBe(1);
    expect((await listContacts(database.db, local.system, { q: 'race@', limit: 10 })).total).toBe(1);
  });

  it('filters by account, persona and text, and pages by name with a cursor without repeating or skipping', async () => {
    const local = await createTestWorkspace(database.db, clock);
    const acme = await createAccount(database.db, clock, local.system, { name: 'Acme' });
    const globex = await createAccount(database.db, clock, local.system, { name: 'Globex' });
    for (let i = 0; i < 12; i++) {
      await createContact(database.db, clock, local.system, {
        name: `Person ${String(i).padStart(2, '0')}`,
        email: `person${i}@${i % 2 === 0 ? 'acme' : 'globex'}.test`,
        accountId: i % 2 === 0 ? acme.id : globex.id,
        persona: i % 3 === 0 ? 'champion' : 'end_user',
      });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listContacts(database.db, local.system, { accountId: acme.id, limit: 4, cursor });
      expect(page.total).toBe(6);
      seen.push(...page.items.map((c) => c.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['Person 00', 'Person 02', 'Person 04', 'Person 06', 'Person 08', 'Person 10']);
    const champions = await listContacts(database.db, local.system, { accountId: acme.id, persona: 'champion', limit: 50 });
    expect(champions.items.map((c) => c.name)).toEqual(['Person 00', 'Person 06']);
    const byEmail = await listContacts(database.db, local.system, { q: 'GLOBEX', limit: 50 });
    expect(byEmail.total).toBe(6);
    const byName = await listContacts(database.db, local.system, { q: 'son 1', limit: 50 });
    expect(byName.items.map((c) => c.name)).toEqual(['Person 10', 'Person 11']);
  });

  it('rejects a forged cursor with 400', async () => {
    const res = await api.call('GET', '/api/v1/contacts?cursor=not-a-cursor', { key });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('querystring.cursor');
  });
});
