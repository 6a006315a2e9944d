import { describe, expect, it } from 'vitest';
import { createTestKey, createTestMember, createTestWorkspace, testClock, unique } from '../../../test/factories.ts';
import { apiSuite } from '../../../test/suite.ts';
import { createAccount } from '../accounts/accounts.ts';
import { createContact, deleteContact } from '../contacts/contacts.ts';
import { listEvents } from '../events/events.ts';
import { listTimeline, recordInteraction } from './timeline.ts';

const clock = testClock();

const suite = apiSuite(clock);

const newAccount = async (name = 'Acme Corp') => (await createAccount(suite.database.db, clock, suite.ws.system, { name })).id;

describe('timeline API', () => {
  it('records an interaction as the signed-in member, defaulting the time to now and digital by channel', async () => {
    const accountId = await newAccount();
    const csm = await createTestMember(suite.database.db, clock, suite.ws, ['csm'], 'Chris CSM');
    const signIn = await suite.api.call('POST', '/api/v1/auth/sign-in', { body: { email: csm.email, password: 'correct horse battery' } });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0] ?? '';
    const res = await suite.api.call('POST', `/api/v1/accounts/${accountId}/timeline`, {
      cookie,
      body: { kind: 'meeting_held', channel: 'meeting', summary: 'Kickoff with the ops team' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      accountId,
      contactId: null,
      occurredAt: clock.now().toISOString(),
      kind: 'meeting_held',
      channel: 'meeting',
      digital: false,
      actor: { type: 'member', name: 'Chris CSM' },
    });
    const audit = await suite.api.call('GET', `/api/v1/audit?entityType=timeline_entry&entityId=${res.body.id}`, { key: suite.key });
    expect(audit.body.items[0]).toMatchObject({ action: 'timeline.recorded', actor: { type: 'member' } });
  });

  it('defaults digital from the channel unless the caller says otherwise', async () => {
    const accountId = await newAccount();
    const record = (channel: string, digital?: boolean) =>
      recordInteraction(suite.database.db, clock, suite.ws.system, { accountId, kind: 'touch', channel: channel as 'email', digital, summary: channel });
    expect((await record('email')).digital).toBe(true);
    expect((await record('in_app')).digital).toBe(true);
    expect((await record('webinar')).digital).toBe(true);
    expect((await record('portal')).digital).toBe(true);
    expect((await record('survey')).digital).toBe(true);
    expect((await record('call')).digital).toBe(false);
    expect((await record('case')).digital).toBe(false);
    expect((await record('other')).digital).toBe(false);
    expect((await record('case', true)).digital).toBe(true);
    expect((await record('email', false)).digital).toBe(false);
  });

  it('lists an account timeline newest first with a cursor, filtered by channel', async () => {
    const accountId = await newAccount();
    const base = Date.parse('2026-05-01T00:00:00Z');
    for (let i = 0; i < 9; i++) {
      await recordInteraction(suite.database.db, clock, suite.ws.system, {
        accountId,
        // Three entries share each instant, so the id tie-break is exercised.
        occurredAt: new Date(base + Math.floor(i / 3) * 3_600_000),
        kind: `step_${i}`,
        channel: i % 2 === 0 ? 'email' : 'call',
        summary: `Step ${i}`,
      });
    }
    const seen: { id: string; occurredAt: string }[] = [];
    let cursor: string | undefined;
    do {
      const res = await suite.api.call('GET', `/api/v1/accounts/${accountId}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: suite.key });
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    // The nine interactions, and Momentum's own "Account Created" (newest: the account was created after them).
    expect(seen).toHaveLength(10);
    expect(new Set(seen.map((e) => e.id)).size).toBe(10);
    expect(seen[0]).toMatchObject({ kind: 'Account Created', source: 'momentum' });
    const times = seen.map((e) => e.occurredAt);
    expect([...times].sort().reverse()).toEqual(times);
    const emails = await listTimeline(suite.database.db, suite.ws.system, accountId, { limit: 50, channel: 'email' });
    const kinds = emails.items.map((e) => e.kind);
    // Hours 2, 1, 0: entries of the same instant come in id order, so compare those as sets.
    expect(kinds.slice(0, 2).sort()).toEqual(['step_6', 'step_8']);
    expect(kinds[2]).toBe('step_4');
    expect(kinds.slice(3).sort()).toEqual(['step_0', 'step_2']);
  });

  it('answers 404 for the timeline of an account in another workspace', async () => {
    const other = await createTestWorkspace(suite.database.db, clock);
    const foreign = await createAccount(suite.database.db, clock, other.system, { name: 'Foreign' });
    expect((await suite.api.call('GET', `/api/v1/accounts/${foreign.id}/timeline`, { key: suite.key })).status).toBe(404);
    const post = await suite.api.call('POST', `/api/v1/accounts/${foreign.id}/timeline`, {
      key: suite.key,
      body: { kind: 'x', channel: 'call', summary: 'x' },
    });
    expect(post.status).toBe(404);
  });

  it('rejects an unknown channel, a bad time and a contact of another account with 400 naming the field', async () => {
    const accountId = await newAccount();
    const bad = await suite.api.call('POST', `/api/v1/accounts/${accountId}/timeline`, {
      key: suite.key,
      body: { kind: 'x', channel: 'fax', occurredAt: 'yesterday', summary: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['body.channel', 'body.occurredAt']));
    const elsewhere = await newAccount('Elsewhere');
    const contact = await createContact(suite.database.db, clock, suite.ws.system, { name: 'Other', email: `${unique('other')}@x.test`, accountId: elsewhere });
    const wrong = await suite.api.call('POST', `/api/v1/accounts/${accountId}/timeline`, {
      key: suite.key,
      body: { kind: 'x', channel: 'call', contactId: contact.id, summary: 'x' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details[0].path).toBe('body.contactId');
  });

  it('keeps an entry when its contact is deleted, without the contact', async () => {
    const accountId = await newAccount();
    const contact = await createContact(suite.database.db, clock, suite.ws.system, { name: 'Leaver', email: `${unique('leaver')}@x.test`, accountId });
    const entry = await recordInteraction(suite.database.db, clock, suite.ws.system, {
      accountId,
      contactId: contact.id,
      kind: 'call_held',
      channel: 'call',
      summary: 'Bye',
    });
    expect(entry.contactId).toBe(contact.id);
    await deleteContact(suite.database.db, clock, suite.ws.system, contact.id);
    const page = await listTimeline(suite.database.db, suite.ws.system, accountId, { limit: 10 });
    expect(page.items.filter((i) => i.source === 'interaction')).toMatchObject([{ id: entry.id, contactId: null, summary: 'Bye' }]);
  });

  it('stores SQL and HTML in the summary verbatim', async () => {
    const accountId = await newAccount();
    const summary = `'); DELETE FROM timeline_entries;-- <script>alert(1)</script>`;
    const res = await suite.api.call('POST', `/api/v1/accounts/${accountId}/timeline`, { key: suite.key, body: { kind: 'note', channel: 'other', summary } });
    expect(res.status).toBe(201);
    const items = (await suite.api.call('GET', `/api/v1/accounts/${accountId}/timeline`, { key: suite.key })).body.items as { id: string; summary: string }[];
    expect(items.find((i) => i.id === res.body.id)?.summary).toBe(summary);
  });

  it('refuses writes from an ingest-only key with 403', async () => {
    const accountId = await newAccount();
    const ingestKey = await createTestKey(suite.database.db, clock, suite.ws, ['ingest']);
    const res = await suite.api.call('POST', `/api/v1/accounts/${accountId}/timeline`, { key: ingestKey, body: { kind: 'x', channel: 'call', summary: 'x' } });
    expect(res.status).toBe(403);
  });

  it('records inside the caller transaction and rolls back with it', async () => {
    const accountId = await newAccount();
    await expect(
      suite.database.db.transaction().execute(async (tx) => {
        await recordInteraction(tx, clock, suite.ws.system, { accountId, kind: 'x', channel: 'call', summary: 'rolled back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await listTimeline(suite.database.db, suite.ws.system, accountId, { limit: 10 })).items.filter((i) => i.source === 'interaction')).toHaveLength(0);
  });

  it('records each interaction as an event in the activity stream, once', async () => {
    const accountId = await newAccount();
    const entry = await recordInteraction(suite.database.db, clock, suite.ws.system, {
      accountId,
      kind: 'QBR Held',
      channel: 'meeting',
      summary: 'Quarterly review',
    });
    const events = await listEvents(suite.database.db, suite.ws.system, { accountId, name: 'QBR Held', limit: 10 });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({ type: 'interaction', name: 'QBR Held', accountId, messageId: `timeline:${entry.id}` });
  });

  it('rejects a forged cursor with 400', async () => {
    const accountId = await newAccount();
    const res = await suite.api.call('GET', `/api/v1/accounts/${accountId}/timeline?cursor=bogus`, { key: suite.key });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('querystring.cursor');
  });
});
