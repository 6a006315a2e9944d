import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace, testClock } from '../../../test/factories.ts';
import { findAccountIdByExternalId } from '../accounts/accounts.ts';
import { findContactByEmail } from '../contacts/contacts.ts';
import { accountMetrics, createMetric } from '../metrics/metrics.ts';
import { inFlightLimit } from './events.routes.ts';
import { attachLateEvents, ingestEvents, listEvents } from './events.ts';
import { createEventWriter } from './events.writer.ts';

let database: TestDatabase;
let ws: TestWorkspace;
let api: Awaited<ReturnType<typeof createTestApp>>;
let ingestKey: string;
let adminKey: string;
const clock = testClock('2026-06-01T09:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, clock);
  api = await createTestApp(database.db, clock);
  ingestKey = await createTestKey(database.db, clock, ws, ['ingest']);
  adminKey = await createTestKey(database.db, clock, ws, ['admin']);
});
afterAll(async () => {
  await api?.close();
  await database?.dispose();
});

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });
let n = 0;
const mid = (label: string) => `${label}-${++n}-${Math.random().toString(36).slice(2)}`;

async function post(path: string, body: unknown, options: { key?: string; contentType?: string; raw?: string } = {}) {
  const res = await api.app.inject({
    method: 'POST',
    url: path,
    headers: { ...(options.key !== undefined && basic(options.key)), 'content-type': options.contentType ?? 'application/json' },
    payload: options.raw ?? JSON.stringify(body),
  });
  return { status: res.statusCode, body: JSON.parse(res.body), headers: res.headers };
}

async function eventsOf(query: { userId?: string; name?: string; accountId?: string }) {
  return (await listEvents(database.db, ws.system, { ...query, limit: 10_000 })).items;
}

describe('Segment batch ingestion', () => {
  it('keeps the valid events of a batch and drops and counts a malformed one with its reason', async () => {
    const user = mid('user');
    const res = await post(
      '/v1/batch',
      {
        batch: [
          { type: 'track', userId: user, event: 'Report Exported', properties: { format: 'pdf' }, messageId: mid('m') },
          { type: 'track', userId: user, properties: {}, messageId: 'no-event-name' },
          { type: 'page', userId: user, name: 'Home', messageId: mid('m') },
        ],
      },
      { key: ingestKey },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, accepted: 2, stored: 2, dropped: 1 });
    expect(res.body.errors).toEqual([{ index: 1, messageId: 'no-event-name', reason: 'event is required for a track call' }]);
    const stored = await eventsOf({ userId: user });
    expect(stored.map((e) => e.name).sort()).toEqual(['Home', 'Report Exported']);
    expect(stored.find((e) => e.name === 'Report Exported')).toMatchObject({ type: 'track', properties: { format: 'pdf' }, channel: 'product', digital: true });
  });

  it('drops and counts an event with neither userId nor anonymousId', async () => {
    const res = await post('/v1/batch', { batch: [{ type: 'track', event: 'Orphan', messageId: mid('m') }] }, { key: ingestKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 0, dropped: 1, errors: [{ index: 0, reason: 'userId or anonymousId is required' }] });
  });

  it('generates a messageId when the client sends none', async () => {
    const user = mid('user');
    const res = await post('/v1/track', { userId: user, event: 'No Id' }, { key: ingestKey });
    expect(res.status).toBe(200);
    const [event] = await eventsOf({ userId: user });
    expect(event?.messageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 400 to a body that is not JSON, whether labelled application/json or text/plain', async () => {
    for (const contentType of ['application/json', 'text/plain']) {
      const res = await post('/v1/batch', undefined, { key: ingestKey, contentType, raw: '{"batch": [ {"type": "track"' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
  });

  it('parses a text/plain body as JSON (as analytics-node sometimes sends it)', async () => {
    const user = mid('user');
    const payload = JSON.stringify({ batch: [{ type: 'track', userId: user, event: 'Plain', messageId: mid('m') }] });
    const res = await post('/v1/batch', undefined, { key: ingestKey, contentType: 'text/plain', raw: payload });
    expect(res.status).toBe(200);
    expect(res.body.stored).toBe(1);
  });

  it('refuses a batch of 10,000 events with 400 and stores none of them', async () => {
    // Small events, so that the request stays under 500 KB and the event count is what is refused.
    const user = 'ten-k';
    const batch = Array.from({ length: 10_000 }, () => ({ type: 'track', userId: user, event: 'E' }));
    const res = await post('/v1/batch', { batch }, { key: ingestKey });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('at most 2500 events');
    expect(await eventsOf({ userId: user })).toHaveLength(0);
  });

  it('refuses a request over 500 KB with a clear 400', async () => {
    const batch = Array.from({ length: 30 }, () => ({ type: 'track', userId: 'u', event: 'Big', properties: { blob: 'x'.repeat(20_000) } }));
    const res = await post('/v1/batch', { batch }, { key: ingestKey });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'payload_too_large' });
    expect(res.body.error.message).toContain('500 KB');
  });

  it('drops a 33 KB event from a batch but keeps the rest, and answers 400 to it alone on /v1/track', async () => {
    const user = mid('user');
    const big = { type: 'track', userId: user, event: 'Huge', properties: { blob: 'x'.repeat(33 * 1024) }, messageId: mid('m') };
    const res = await post('/v1/batch', { batch: [big, { type: 'track', userId: user, event: 'Small', messageId: mid('m') }] }, { key: ingestKey });
    expect(res.body).toMatchObject({ accepted: 1, dropped: 1, errors: [{ index: 0, reason: 'event is larger than 32 KB' }] });
    const alone = await post('/v1/track', big, { key: ingestKey });
    expect(alone.status).toBe(400);
    expect(alone.body.error.message).toContain('larger than 32 KB');
    expect((await eventsOf({ userId: user })).map((e) => e.name)).toEqual(['Small']);
  });

  it('keeps an event dated in the future, flagged, and corrects client clock skew from sentAt', async () => {
    const user = mid('user');
    const now = clock.now().getTime();
    const res = await post(
      '/v1/batch',
      {
        sentAt: new Date(now + 3_600_000).toISOString(),
        batch: [
          // The device clock runs an hour fast: the event happened 10 minutes before it was sent.
          { type: 'track', userId: user, event: 'Skewed', timestamp: new Date(now + 3_000_000).toISOString(), messageId: mid('m') },
          { type: 'track', userId: user, event: 'Future', timestamp: new Date(now + 3 * 86_400_000).toISOString(), sentAt: new Date(now).toISOString() },
        ],
      },
      { key: ingestKey },
    );
    expect(res.body).toMatchObject({ accepted: 2, dropped: 0 });
    const events = await eventsOf({ userId: user });
    const skewed = events.find((e) => e.name === 'Skewed');
    expect(skewed?.timestamp).toBe(new Date(now - 600_000).toISOString());
    expect(skewed?.originalTimestamp).toBe(new Date(now + 3_000_000).toISOString());
    expect(skewed?.receivedAt).toBe(new Date(now).toISOString());
    expect(skewed?.future).toBe(false);
    expect(events.find((e) => e.name === 'Future')).toMatchObject({ future: true, timestamp: new Date(now + 3 * 86_400_000).toISOString() });
  });

  it('stores a messageId sent twice concurrently once', async () => {
    const user = mid('user');
    const message = { type: 'track', userId: user, event: 'Once', messageId: mid('dup') };
    const [a, b] = await Promise.all([post('/v1/batch', { batch: [message] }, { key: ingestKey }), post('/v1/track', message, { key: ingestKey })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.stored + b.body.stored).toBe(1);
    expect(a.body.duplicates + b.body.duplicates).toBe(1);
    const retry = await post('/v1/batch', { batch: [message, message] }, { key: ingestKey });
    expect(retry.body).toMatchObject({ accepted: 2, stored: 0, duplicates: 2 });
    expect(await eventsOf({ userId: user })).toHaveLength(1);
  });

  it('writes batches that arrive while another is being written together, and tells each request how many of its events were new', async () => {
    const writer = createEventWriter(database.db, { lanes: 1 });
    const user = mid('user');
    const [a, b, c, d] = [mid('g'), mid('g'), mid('g'), mid('g')];
    const batch = (ids: string[]) => ({ messages: ids.map((messageId) => ({ type: 'track', userId: user, event: 'Grouped', messageId })) });
    const results = await Promise.all([
      ingestEvents(database.db, clock, ws.system, batch([a, b]), writer),
      ingestEvents(database.db, clock, ws.system, batch([c, b]), writer),
      ingestEvents(database.db, clock, ws.system, batch([d, d]), writer),
    ]);
    expect(results.map((r) => [r.stored, r.duplicates])).toEqual([
      [2, 0],
      [1, 1],
      [1, 1],
    ]);
    expect((await eventsOf({ userId: user })).map((e) => e.messageId).sort()).toEqual([a, b, c, d].sort());
  });

  it('keeps deeply nested properties, and drops with a reason properties nested deeper than 32 levels', async () => {
    const user = mid('user');
    const nest = (depth: number): Record<string, unknown> => (depth === 0 ? { leaf: true } : { level: nest(depth - 1) });
    const res = await post(
      '/v1/batch',
      {
        batch: [
          { type: 'track', userId: user, event: 'Nested', properties: nest(20), messageId: mid('m') },
          { type: 'track', userId: user, event: 'Too Deep', properties: nest(500), messageId: mid('m') },
        ],
      },
      { key: ingestKey },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, dropped: 1, errors: [{ index: 1, reason: 'properties: nested deeper than 32 levels' }] });
    const [event] = await eventsOf({ userId: user });
    expect(JSON.stringify(event?.properties)).toContain('"leaf":true');
  });

  it('removes NUL characters (which PostgreSQL cannot store) from property names and values instead of failing', async () => {
    const user = mid('user');
    const res = await post(
      '/v1/batch',
      {
        batch: [{ type: 'track', userId: user, event: 'Nul\u0000Event', properties: { 'plan\u0000name': 'gold\u0000', lone: '\ud800x' }, messageId: mid('m') }],
      },
      { key: ingestKey },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, dropped: 0 });
    const [event] = await eventsOf({ userId: user });
    expect(event?.name).toBe('NulEvent');
    expect(event?.properties).toEqual({ planname: 'gold', lone: '\ufffdx' });
  });
});

describe('ingestion authentication', () => {
  it('answers 401 to an unknown key and to no key at all', async () => {
    const batch = [{ type: 'track', userId: 'u', event: 'E' }];
    expect((await post('/v1/batch', { batch }, { key: 'mk_wrong_key' })).status).toBe(401);
    const none = await post('/v1/batch', { batch });
    expect(none.status).toBe(401);
    expect(none.body.error.message).toContain('writeKey');
    expect((await post('/v1/batch', { batch, writeKey: 'mk_wrong_key' })).status).toBe(401);
  });

  it("accepts the body's writeKey when there is no Authorization header", async () => {
    const user = mid('user');
    const res = await post('/v1/batch', { writeKey: ingestKey, batch: [{ type: 'track', userId: user, event: 'Via Write Key' }] });
    expect(res.status).toBe(200);
    expect(res.body.stored).toBe(1);
  });

  it('lets browser pages on any origin send events (CORS preflight and response headers)', async () => {
    const preflight = await api.app.inject({
      method: 'OPTIONS',
      url: '/v1/batch',
      headers: { origin: 'https://app.customer.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-headers']).toContain('content-type');
    const res = await post(
      '/v1/batch',
      { writeKey: ingestKey, batch: [{ type: 'page', anonymousId: mid('anon'), name: 'Home' }] },
      { contentType: 'text/plain' },
    );
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('lets an admin key ingest, and refuses an ingest key on the member API with 403', async () => {
    const res = await post('/v1/track', { userId: mid('user'), event: 'Admin Sent' }, { key: adminKey });
    expect(res.status).toBe(200);
    const refused = await api.call('GET', '/api/v1/accounts', { key: ingestKey });
    expect(refused.status).toBe(403);
  });
});

describe('identity', () => {
  it('attaches events of an unknown user to the contact and account once identify and group name them', async () => {
    const user = mid('user');
    const early = await post('/v1/track', { userId: user, event: 'Signed Up', messageId: mid('m') }, { key: ingestKey });
    expect(early.status).toBe(200);
    expect((await eventsOf({ userId: user }))[0]?.accountId).toBeNull();

    const email = `${user}@customer.test`;
    const identify = await post('/v1/identify', { userId: user, traits: { email, name: 'Uma User' } }, { key: ingestKey });
    expect(identify.status).toBe(200);
    const contact = await findContactByEmail(database.db, ws.system, email);
    expect(contact).toMatchObject({ name: 'Uma User' });

    const groupId = mid('acct');
    const grouped = await post('/v1/group', { userId: user, groupId, traits: { name: 'Globex' } }, { key: ingestKey });
    expect(grouped.status).toBe(200);
    const accountId = await findAccountIdByExternalId(database.db, ws.workspaceId, groupId);
    expect(accountId).toBeDefined();
    expect((await findContactByEmail(database.db, ws.system, email))?.accountId).toBe(accountId);

    const later = await post('/v1/track', { userId: user, event: 'Report Exported', messageId: mid('m') }, { key: ingestKey });
    expect(later.status).toBe(200);
    const events = await eventsOf({ userId: user });
    expect(events.filter((e) => e.name !== null).every((e) => e.accountId === accountId && e.contactId === contact?.id)).toBe(true);
    expect(events.map((e) => e.type).sort()).toEqual(['group', 'identify', 'track', 'track']);
  });

  it('attaches, within the minute job, a track committed while the group call naming its account was committing', async () => {
    await createMetric(database.db, clock, ws.system, { key: 'late_tracks', label: 'Late tracks', kind: 'count', eventName: 'Late Track' });
    const groupId = mid('late-acct');
    await post('/v1/group', { userId: mid('someone'), groupId, traits: { name: 'Late Co' } }, { key: ingestKey });
    const accountId = (await findAccountIdByExternalId(database.db, ws.workspaceId, groupId)) as string;
    // The race's outcome: the track was stored before its user's identity existed, and the group call's own linking
    // (in its transaction) did not see the track. Here: a track for an unknown user, then the identity alone.
    const user = mid('racer');
    await post('/v1/track', { userId: user, event: 'Late Track', messageId: mid('m') }, { key: ingestKey });
    await database.db
      .insertInto('event_identities')
      .values({
        workspace_id: ws.workspaceId,
        kind: 'user',
        external_id: user,
        user_id: user,
        contact_id: null,
        account_id: accountId,
        updated_at: clock.now(),
      })
      .execute();
    expect((await eventsOf({ userId: user }))[0]?.accountId).toBeNull();

    expect(await attachLateEvents(database.db, clock)).toBe(1);
    expect((await eventsOf({ userId: user }))[0]?.accountId).toBe(accountId);
    const metrics = await accountMetrics(database.db, clock, ws.system, accountId);
    expect(metrics.metrics.find((m) => m.key === 'late_tracks')?.windows['7d']).toBe(1);
    // Run again (every minute for ten minutes): nothing attached twice, nothing counted twice.
    expect(await attachLateEvents(database.db, clock)).toBe(0);
    expect((await accountMetrics(database.db, clock, ws.system, accountId)).metrics.find((m) => m.key === 'late_tracks')?.windows['7d']).toBe(1);
  });

  it('updates the contact known for a userId from an identify without email', async () => {
    const user = mid('user');
    const email = `${user}@customer.test`;
    await post('/v1/identify', { userId: user, traits: { email, name: 'First Name' } }, { key: ingestKey });
    const res = await post('/v1/identify', { userId: user, traits: { name: 'Renamed Person', title: 'CTO' } }, { key: ingestKey });
    expect(res.status).toBe(200);
    expect(await findContactByEmail(database.db, ws.system, email)).toMatchObject({ name: 'Renamed Person', title: 'CTO' });
  });

  it('applies identify and group before the tracks of the same batch, and links anonymous events of the user', async () => {
    const user = mid('user');
    const anon = mid('anon');
    const groupId = mid('acct');
    await post('/v1/page', { anonymousId: anon, name: 'Pricing', messageId: mid('m') }, { key: ingestKey });
    const res = await post(
      '/v1/batch',
      {
        batch: [
          { type: 'identify', userId: user, anonymousId: anon, traits: { email: `${user}@customer.test` } },
          { type: 'group', userId: user, groupId },
          { type: 'track', userId: user, event: 'Dashboard Viewed' },
        ],
      },
      { key: ingestKey },
    );
    expect(res.body).toMatchObject({ accepted: 3, dropped: 0 });
    const accountId = await findAccountIdByExternalId(database.db, ws.workspaceId, groupId);
    const events = (await listEvents(database.db, ws.system, { accountId, limit: 50 })).items;
    expect(
      events
        .map((e) => e.name)
        .filter(Boolean)
        .sort(),
    ).toEqual(['Account Created', 'Dashboard Viewed', 'Pricing']);
  });

  it('creates one account when two batches group users into the same new groupId at once', async () => {
    const groupId = mid('race');
    const results = await Promise.all(
      [1, 2, 3].map((i) =>
        post('/v1/batch', { batch: [{ type: 'group', userId: mid(`racer${i}`), groupId, traits: { name: 'Race Inc' } }] }, { key: ingestKey }),
      ),
    );
    expect(results.map((r) => r.body.accepted)).toEqual([1, 1, 1]);
    const accounts = await api.call('GET', `/api/v1/accounts?q=${groupId}`, { key: adminKey });
    expect(accounts.body.items.map((a: { externalId: string }) => a.externalId)).toEqual([groupId]);
  });

  it('drops an identify whose email the CRM refuses, with the reason, and keeps the batch', async () => {
    const user = mid('user');
    const res = await post(
      '/v1/batch',
      {
        batch: [
          { type: 'identify', userId: user, traits: { email: 'not-an-email' } },
          { type: 'track', userId: user, event: 'Kept' },
        ],
      },
      { key: ingestKey },
    );
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(1);
    expect(res.body.errors[0].reason).toContain('identify:');
  });
});

describe('overload', () => {
  it('refuses work beyond its in-flight bound with rate_limited and Retry-After, and admits again once work finishes', async () => {
    const admit = inFlightLimit(2);
    const headers: Record<string, string> = {};
    const reply = { header: (name: string, value: string) => (headers[name] = value) };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = admit(reply, () => gate.then(() => 'first'));
    const second = admit(reply, () => gate.then(() => 'second'));
    await expect(admit(reply, async () => 'third')).rejects.toMatchObject({ code: 'rate_limited' });
    expect(headers['retry-after']).toBe('1');
    release();
    expect(await Promise.all([first, second])).toEqual(['first', 'second']);
    expect(await admit(reply, async () => 'fourth')).toBe('fourth');
  });
});
