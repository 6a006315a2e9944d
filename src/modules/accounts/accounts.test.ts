import { describe, expect, it } from 'vitest';
import { createTestMember, createTestWorkspace, testClock } from '../../../test/factories.ts';
import { apiSuite } from '../../../test/suite.ts';
import { createAccount, listAccounts } from './accounts.ts';

const clock = testClock();

const suite = apiSuite(clock);

describe('accounts API', () => {
  it('creates an account with profile and team, and records the write in the audit log', async () => {
    const csm = await createTestMember(suite.database.db, clock, suite.ws, ['csm'], 'Chris CSM');
    const res = await suite.api.call('POST', '/api/v1/accounts', {
      key: suite.key,
      body: {
        name: 'Acme Corp',
        externalId: 'acme-1',
        industry: 'Manufacturing',
        region: 'EMEA',
        buyingCulture: 'value_created',
        touchModel: 'high',
        targetDigitalType: 'digital_hybrid',
        offerings: ['Analytics', 'Analytics', 'Workflow'],
        team: { csm: csm.member.id },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.offerings).toEqual(['Analytics', 'Workflow']);
    expect(res.body.team).toEqual([{ role: 'csm', memberId: csm.member.id, name: 'Chris CSM' }]);
    const audit = await suite.api.call('GET', `/api/v1/audit?entityType=account&entityId=${res.body.id}`, { key: suite.key });
    expect(audit.body.items[0]).toMatchObject({ action: 'account.created', actor: { type: 'api_key' } });
  });

  it('records Account Created, then Account Updated with only what changed, and nothing for a write that changes nothing', async () => {
    const created = await suite.api.call('POST', '/api/v1/accounts', { key: suite.key, body: { name: 'Evented Ltd', region: 'EMEA', tags: ['a'] } });
    const id = created.body.id as string;
    const events = async (name: string) =>
      (await suite.api.call('GET', `/api/v1/events?accountId=${id}&name=${encodeURIComponent(name)}`, { key: suite.key })).body.items as {
        properties: Record<string, unknown>;
      }[];
    expect((await events('Account Created')).map((e) => e.properties)).toEqual([expect.objectContaining({ name: 'Evented Ltd', externalId: null })]);
    expect((await suite.api.call('PATCH', `/api/v1/accounts/${id}`, { key: suite.key, body: { region: 'EMEA' } })).status).toBe(200);
    expect(await events('Account Updated')).toEqual([]);
    await suite.api.call('PATCH', `/api/v1/accounts/${id}`, { key: suite.key, body: { region: 'APAC', tags: ['a', 'b'] } });
    expect((await events('Account Updated')).map((e) => e.properties)).toEqual([
      expect.objectContaining({ changed: ['region', 'tags'], before: { region: 'EMEA', tags: ['a'] }, after: { region: 'APAC', tags: ['a', 'b'] } }),
    ]);
  });

  it('rejects a duplicate external id with 409 naming the field', async () => {
    await suite.api.call('POST', '/api/v1/accounts', { key: suite.key, body: { name: 'Dup A', externalId: 'dup-1' } });
    const res = await suite.api.call('POST', '/api/v1/accounts', { key: suite.key, body: { name: 'Dup B', externalId: 'dup-1' } });
    expect(res.status).toBe(409);
    expect(res.body.error.details[0].path).toBe('externalId');
  });

  it('refuses unknown fields, wrong types and malformed JSON with 400 and writes nothing', async () => {
    const before = (await suite.api.call('GET', '/api/v1/accounts?limit=1', { key: suite.key })).body.total;
    const unknown = await suite.api.call('POST', '/api/v1/accounts', { key: suite.key, body: { name: 'X', colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('validation_failed');
    expect(unknown.body.error.details[0].path).toContain('colour');
    const wrongType = await suite.api.call('POST', '/api/v1/accounts', { key: suite.key, body: { name: 42, touchModel: 'medium' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['body.name', 'body.touchModel']));
    const malformed = await suite.api.call('POST', '/api/v1/accounts', { key: suite.key, body: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect((await suite.api.call('GET', '/api/v1/accounts?limit=1', { key: suite.key })).body.total).toBe(before);
  });

  it('stores SQL and HTML in text fields verbatim', async () => {
    const name = `Robert'); DROP TABLE accounts;-- <script>alert(1)</script>`;
    const res = await suite.api.call('POST', '/api/v1/accounts', { key: suite.key, body: { name, industry: '<b>x</b>' } });
    expect(res.status).toBe(201);
    const got = await suite.api.call('GET', `/api/v1/accounts/${res.body.id}`, { key: suite.key });
    expect(got.body.name).toBe(name);
  });

  it('answers 413 to a 10 MB body', async () => {
    const res = await suite.api.call('POST', '/api/v1/accounts', { key: suite.key, body: { name: 'x'.repeat(10 * 1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('lets an executive read but not write', async () => {
    const exec = await createTestMember(suite.database.db, clock, suite.ws, ['executive']);
    const signIn = await suite.api.call('POST', '/api/v1/auth/sign-in', { body: { email: exec.email, password: 'correct horse battery' } });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0] ?? '';
    expect((await suite.api.call('GET', '/api/v1/accounts', { cookie })).status).toBe(200);
    const write = await suite.api.call('POST', '/api/v1/accounts', { cookie, body: { name: 'Nope' } });
    expect(write.status).toBe(403);
  });
});

describe('listing accounts', () => {
  it('filters, sorts and pages with a cursor without repeating or skipping rows', async () => {
    const local = await createTestWorkspace(suite.database.db, clock);
    for (let i = 0; i < 25; i++) {
      await createAccount(suite.database.db, clock, local.system, {
        name: `Account ${String(i).padStart(2, '0')}`,
        region: i % 2 === 0 ? 'EMEA' : 'AMER',
        touchModel: i % 3 === 0 ? 'tech' : 'high',
      });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listAccounts(suite.database.db, clock, local.system, {
        filter: { conditions: [{ field: 'region', op: 'eq', value: 'EMEA' }] },
        sort: '-name',
        limit: 5,
        cursor,
      });
      expect(page.total).toBe(13);
      seen.push(...page.items.map((a) => a.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(13);
    expect(seen[0]).toBe('Account 24');
    expect(seen.at(-1)).toBe('Account 00');
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it('names the bad condition of an invalid filter', async () => {
    const res = await suite.api.call(
      'GET',
      `/api/v1/accounts?filter=${encodeURIComponent(JSON.stringify({ conditions: [{ field: 'arr', op: 'contains', value: 'x' }] }))}`,
      {
        key: suite.key,
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('filter.conditions.0.op');
  });

  it('rejects a forged cursor with 400', async () => {
    const res = await suite.api.call('GET', '/api/v1/accounts?cursor=not-a-cursor', { key: suite.key });
    expect(res.status).toBe(400);
  });
});

describe('bulk actions on selected accounts', () => {
  const names = (prefix: string) => [1, 2, 3].map((n) => `${prefix} ${n}`);
  async function three(prefix: string, tags: string[][] = [[], [], []]) {
    return Promise.all(names(prefix).map((name, i) => createAccount(suite.database.db, clock, suite.ws.system, { name, tags: tags[i] ?? [] })));
  }
  const bulk = (body: unknown) => suite.api.call('POST', '/api/v1/accounts/bulk', { key: suite.key, body });
  const get = async (id: string) => (await suite.api.call('GET', `/api/v1/accounts/${id}`, { key: suite.key })).body;

  it('tags and untags every selected account, leaving alone those already so, each change audited', async () => {
    const accounts = await three('Tagged', [['vip'], [], ['beta']]);
    const ids = accounts.map((a) => a.id);
    const tagged = await bulk({ action: 'tag', ids, tag: 'vip' });
    expect(tagged.status).toBe(200);
    expect(tagged.body).toEqual({ action: 'tag', selected: 3, changed: 2 });
    expect((await Promise.all(ids.map(get))).map((a) => a.tags)).toEqual([['vip'], ['vip'], ['beta', 'vip']]);
    const audit = await suite.api.call('GET', `/api/v1/audit?entityType=account&entityId=${ids[1]}`, { key: suite.key });
    expect(audit.body.items[0]).toMatchObject({ action: 'account.updated', before: { tags: [] }, after: { tags: ['vip'] } });
    const untagged = await bulk({ action: 'untag', ids, tag: 'vip' });
    expect(untagged.body).toEqual({ action: 'untag', selected: 3, changed: 3 });
    expect((await Promise.all(ids.map(get))).map((a) => a.tags)).toEqual([[], [], ['beta']]);
  });

  it('assigns a team role on every selected account, recording CSM Changed on each timeline', async () => {
    const csm = await createTestMember(suite.database.db, clock, suite.ws, ['csm'], 'Bulk CSM');
    const ids = (await three('Assigned')).map((a) => a.id);
    const res = await bulk({ action: 'assign', ids, role: 'csm', memberId: csm.member.id });
    expect(res.body).toEqual({ action: 'assign', selected: 3, changed: 3 });
    for (const id of ids) {
      expect((await get(id)).team).toEqual([{ role: 'csm', memberId: csm.member.id, name: 'Bulk CSM' }]);
      const timeline = await suite.api.call('GET', `/api/v1/accounts/${id}/timeline`, { key: suite.key });
      expect(timeline.body.items.map((t: { name?: string; summary?: string }) => t.summary ?? t.name).join('|')).toMatch(/CSM: \(none\) → Bulk CSM/);
    }
  });

  it('changes nothing when one selected account was deleted meanwhile, and says how many are gone', async () => {
    const accounts = await three('Gone');
    const ids = accounts.map((a) => a.id);
    expect((await suite.api.call('DELETE', `/api/v1/accounts/${ids[2]}`, { key: suite.key })).status).toBe(204);
    const res = await bulk({ action: 'tag', ids, tag: 'gone' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe('1 of the 3 selected accounts no longer exist: nothing was changed');
    expect(res.body.error.details).toEqual([{ path: 'body.ids.2', message: 'no such account (deleted?)' }]);
    expect((await Promise.all(ids.slice(0, 2).map(get))).map((a) => a.tags)).toEqual([[], []]);
  });

  it('refuses an unknown member, an empty selection and an unknown action, naming the field', async () => {
    const ids = (await three('Refused')).map((a) => a.id);
    const unknown = await bulk({ action: 'assign', ids, role: 'csm', memberId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toBe('body.memberId');
    const empty = await bulk({ action: 'tag', ids: [], tag: 'x' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0].path).toBe('body.ids');
    expect((await bulk({ action: 'delete', ids })).status).toBe(400);
    expect((await Promise.all(ids.map(get))).every((a) => a.team.length === 0 && a.tags.length === 0)).toBe(true);
  });
});
