import { describe, expect, it } from 'vitest';
import { createTestKey, tickingClock, unique } from '../../../test/factories.ts';
import { apiSuite } from '../../../test/suite.ts';
import { createAccount } from '../accounts/accounts.ts';
import { listEvents } from '../events/events.ts';
import { importCsv } from '../imports/imports.ts';
import { createContact, deleteContact, updateContact } from './contacts.ts';

// Each write a millisecond later than the one before, so the events' order is the writes' order.
const clock = tickingClock();

const suite = apiSuite(clock);

const newAccount = async () => (await createAccount(suite.database.db, clock, suite.ws.system, { name: unique('Account'), externalId: unique('ext') })).id;
const person = (accountId: string, persona: 'executive_sponsor' | 'champion' | 'admin', name = unique('Person')) => ({
  accountId,
  name,
  email: `${unique('p')}@customer.test`,
  persona,
  title: 'CFO',
});
/** The account's events Momentum recorded about its key people, oldest first. */
async function changes(accountId: string) {
  const { items } = await listEvents(suite.database.db, suite.ws.system, { accountId, limit: 100 });
  return (
    items
      .filter((e) => ['Sponsor Changed', 'Champion Changed', 'Sponsor Missing'].includes(e.name ?? ''))
      // Oldest first; a Sponsor Missing comes with the change that caused it, at the same time: after it.
      .sort((a, b) => a.timestamp.localeCompare(b.timestamp) || Number(a.name === 'Sponsor Missing') - Number(b.name === 'Sponsor Missing'))
      .map((e) => ({ name: e.name, ...e.properties }) as Record<string, unknown>)
  );
}

describe('sponsor and champion changes become events', () => {
  it('records Sponsor Changed when a contact becomes the sponsor, with the member who did it', async () => {
    const accountId = await newAccount();
    const res = await suite.api.call('POST', '/api/v1/contacts', { key: suite.key, body: person(accountId, 'executive_sponsor', 'Ann Sponsor') });
    expect(res.status).toBe(201);
    const [event] = await changes(accountId);
    expect(event).toMatchObject({
      name: 'Sponsor Changed',
      role: 'executive_sponsor',
      change: 'added',
      reason: 'created',
      oldContact: null,
      newContact: { id: res.body.id, name: 'Ann Sponsor' },
      remaining: 1,
      initial: true,
      summary: 'Executive sponsor on record: Ann Sponsor',
    });
    expect(event?.actor).toMatch(/key/i);
  });

  it('records a replacement (old and new contact) when the sponsor persona moves to another contact', async () => {
    const accountId = await newAccount();
    const ann = await createContact(suite.database.db, clock, suite.ws.system, person(accountId, 'executive_sponsor', 'Ann'));
    const bob = await createContact(suite.database.db, clock, suite.ws.system, person(accountId, 'admin', 'Bob'));
    await updateContact(suite.database.db, clock, suite.ws.system, ann.id, { persona: 'admin' });
    await updateContact(suite.database.db, clock, suite.ws.system, bob.id, { persona: 'executive_sponsor' });
    const events = await changes(accountId);
    expect(events.map((e) => [e.name, e.change])).toEqual([
      ['Sponsor Changed', 'added'],
      ['Sponsor Changed', 'removed'],
      ['Sponsor Missing', undefined],
      ['Sponsor Changed', 'added'],
    ]);
    expect(events[2]).toMatchObject({ oldContact: { id: ann.id }, reason: 'persona_changed' });
  });

  it('records one replaced event when a contact is moved in as the only sponsor leaves in one write', async () => {
    const accountId = await newAccount();
    const other = await newAccount();
    const ann = await createContact(suite.database.db, clock, suite.ws.system, person(accountId, 'executive_sponsor', 'Ann'));
    const cleo = await createContact(suite.database.db, clock, suite.ws.system, person(other, 'executive_sponsor', 'Cleo'));
    // Cleo moves to this account; Ann leaves. Two writes: added then removed (the account keeps a sponsor).
    await updateContact(suite.database.db, clock, suite.ws.system, cleo.id, { accountId });
    await updateContact(suite.database.db, clock, suite.ws.system, ann.id, { leftAt: '2026-05-31T00:00:00Z' });
    const here = await changes(accountId);
    expect(here.map((e) => [e.change, e.reason, (e.newContact as { id: string } | null)?.id ?? (e.oldContact as { id: string }).id])).toEqual([
      ['added', 'created', ann.id],
      ['added', 'moved', cleo.id],
      ['removed', 'left', ann.id],
    ]);
    expect(here.some((e) => e.name === 'Sponsor Missing')).toBe(false);
    const there = await changes(other);
    expect(there.map((e) => [e.name, e.change, e.reason])).toEqual([
      ['Sponsor Changed', 'added', 'created'],
      ['Sponsor Changed', 'removed', 'moved'],
      ['Sponsor Missing', undefined, 'moved'],
    ]);
  });

  it('with two sponsors, one leaving is a change, not a missing sponsor', async () => {
    const accountId = await newAccount();
    const ann = await createContact(suite.database.db, clock, suite.ws.system, person(accountId, 'executive_sponsor', 'Ann'));
    await createContact(suite.database.db, clock, suite.ws.system, person(accountId, 'executive_sponsor', 'Dee'));
    await deleteContact(suite.database.db, clock, suite.ws.system, ann.id);
    const events = await changes(accountId);
    expect(events.at(-1)).toMatchObject({ name: 'Sponsor Changed', change: 'removed', reason: 'deleted', remaining: 1, oldContact: { id: ann.id } });
    expect(events.some((e) => e.name === 'Sponsor Missing')).toBe(false);
  });

  it('records Sponsor Missing when the last sponsor is deleted', async () => {
    const accountId = await newAccount();
    const ann = await createContact(suite.database.db, clock, suite.ws.system, person(accountId, 'executive_sponsor', 'Ann'));
    const res = await suite.api.call('DELETE', `/api/v1/contacts/${ann.id}`, { key: suite.key });
    expect(res.status).toBe(204);
    expect((await changes(accountId)).slice(-2)).toMatchObject([
      { name: 'Sponsor Changed', change: 'removed', reason: 'deleted', remaining: 0 },
      { name: 'Sponsor Missing', oldContact: { id: ann.id, name: 'Ann' } },
    ]);
  });

  it('records each change once when a persona flips back and forth in one batch of writes', async () => {
    const accountId = await newAccount();
    const dana = await createContact(suite.database.db, clock, suite.ws.system, person(accountId, 'champion', 'Dana'));
    for (const persona of ['admin', 'champion', 'admin', 'champion'] as const)
      await updateContact(suite.database.db, clock, suite.ws.system, dana.id, { persona });
    const champion = (await changes(accountId)).filter((e) => e.name === 'Champion Changed').map((e) => e.change);
    expect(champion).toEqual(['added', 'removed', 'added', 'removed', 'added']);
  });

  it('records a title change of the sponsor arriving through identify traits', async () => {
    const accountId = await newAccount();
    const ann = await createContact(suite.database.db, clock, suite.ws.system, person(accountId, 'executive_sponsor', 'Ann'));
    const ingestKey = await createTestKey(suite.database.db, clock, suite.ws, ['ingest']);
    const res = await suite.api.call('POST', '/v1/identify', {
      headers: { authorization: `Basic ${Buffer.from(`${ingestKey}:`).toString('base64')}` },
      body: { userId: unique('u'), traits: { email: ann.email, title: 'Chief Executive Officer' } },
    });
    expect(res.status).toBe(200);
    expect((await changes(accountId)).at(-1)).toMatchObject({
      name: 'Sponsor Changed',
      change: 'title_changed',
      reason: 'title_changed',
      oldContact: { id: ann.id, title: 'CFO' },
      newContact: { id: ann.id, title: 'Chief Executive Officer' },
    });
  });

  it('records persona changes from an import once, and nothing when the same file is imported again', async () => {
    const accountId = await newAccount();
    const account = await suite.api.call('GET', `/api/v1/accounts/${accountId}`, { key: suite.key });
    const email = `${unique('imp')}@customer.test`;
    const file = Buffer.from(`email,name,persona,account_external_id\n${email},Ivy Import,champion,${account.body.externalId}\n`);
    await importCsv(suite.database.db, clock, suite.ws.system, 'contacts', file);
    await importCsv(suite.database.db, clock, suite.ws.system, 'contacts', file);
    expect((await changes(accountId)).map((e) => [e.name, e.change])).toEqual([['Champion Changed', 'added']]);
    // A later file says she left: the champion is removed, once, however often the file is imported.
    const left = Buffer.from(`email,persona,left_at\n${email},champion,2026-05-30\n`);
    await importCsv(suite.database.db, clock, suite.ws.system, 'contacts', left);
    await importCsv(suite.database.db, clock, suite.ws.system, 'contacts', left);
    expect((await changes(accountId)).map((e) => [e.name, e.change, e.reason])).toEqual([
      ['Champion Changed', 'added', 'created'],
      ['Champion Changed', 'removed', 'left'],
    ]);
  });

  it('writes nothing for a sponsor who left when the leftAt value is not a time', async () => {
    const accountId = await newAccount();
    const ann = await createContact(suite.database.db, clock, suite.ws.system, person(accountId, 'executive_sponsor', 'Ann'));
    const res = await suite.api.call('PATCH', `/api/v1/contacts/${ann.id}`, { key: suite.key, body: { leftAt: 'last tuesday' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('body.leftAt');
    expect(await changes(accountId)).toHaveLength(1);
  });

  it('costs nothing for contacts who are neither sponsor nor champion', async () => {
    const accountId = await newAccount();
    const admin = await createContact(suite.database.db, clock, suite.ws.system, person(accountId, 'admin', 'Al'));
    await updateContact(suite.database.db, clock, suite.ws.system, admin.id, { title: 'IT lead' });
    await deleteContact(suite.database.db, clock, suite.ws.system, admin.id);
    expect(await changes(accountId)).toEqual([]);
  });
});
