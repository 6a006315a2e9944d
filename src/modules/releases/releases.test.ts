import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestMember, createTestWorkspace, TEST_PASSWORD, testClock, unique } from '../../../test/factories.ts';
import { apiSuite } from '../../../test/suite.ts';
import { createAccount } from '../accounts/accounts.ts';
import { createContract } from '../contracts/contracts.ts';
import { evaluateNewEvents, sweep } from '../engine/engine.ts';
import { listEvents } from '../events/events.ts';
import { activateModelVersion, approveModelVersion, createModelDraft } from '../models/models.ts';
import { listAccountMoments } from '../moments/moments.ts';
import { listTimeline } from '../timeline/timeline.ts';
import { createRelease, publishRelease } from './releases.ts';

const clock = testClock();
const offering = (name: string) => `${name}-${unique('o')}`;

const suite = apiSuite(clock);

const releasedOn = '2026-06-01';

async function productReleased(accountId: string) {
  return (await listEvents(suite.database.db, suite.ws.system, { accountId, name: 'Product Released', limit: 10 })).items;
}

describe('product releases', () => {
  it('publishes Product Released on exactly the accounts owning an affected offering, by profile or active contract', async () => {
    const analytics = offering('Analytics');
    const byProfile = await createAccount(suite.database.db, clock, suite.ws.system, { name: unique('Profile'), offerings: [analytics, 'Other'] });
    const byContract = await createAccount(suite.database.db, clock, suite.ws.system, { name: unique('Contract') });
    await createContract(suite.database.db, clock, suite.ws.system, {
      accountId: byContract.id,
      name: 'Main',
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      lineItems: [{ offering: analytics, quantity: 1, unitPrice: 10 }],
    });
    const expiredOnly = await createAccount(suite.database.db, clock, suite.ws.system, { name: unique('Expired') });
    await createContract(suite.database.db, clock, suite.ws.system, {
      accountId: expiredOnly.id,
      name: 'Old',
      status: 'expired',
      startDate: '2024-01-01',
      endDate: '2024-12-31',
      lineItems: [{ offering: analytics, quantity: 1, unitPrice: 10 }],
    });
    const unrelated = await createAccount(suite.database.db, clock, suite.ws.system, { name: unique('Unrelated'), offerings: ['Other'] });

    const created = await suite.api.call('POST', '/api/v1/releases', {
      key: suite.key,
      body: { name: unique('Analytics 5.0'), releasedOn, offerings: [analytics], notesUrl: 'https://vendor.example/notes/5', audiencePersona: 'admin' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', audience: 2, accountsReached: null, publishedAt: null });

    const published = await suite.api.call('POST', `/api/v1/releases/${created.body.id}/publish`, { key: suite.key });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ accountsReached: 2, release: { status: 'published', accountsReached: 2, publishedBy: expect.any(String) } });
    expect(published.body.message).toContain('2 accounts');

    const [event] = await productReleased(byProfile.id);
    expect(event?.properties).toMatchObject({
      releaseId: created.body.id,
      offerings: [analytics],
      ownedOfferings: [analytics],
      audiencePersona: 'admin',
      notesUrl: 'https://vendor.example/notes/5',
    });
    expect(event).toMatchObject({ type: 'interaction', channel: 'other', digital: false });
    expect(await productReleased(byContract.id)).toHaveLength(1);
    expect(await productReleased(expiredOnly.id)).toHaveLength(0);
    expect(await productReleased(unrelated.id)).toHaveLength(0);

    // The release is on the account's timeline.
    const timeline = await listTimeline(suite.database.db, suite.ws.system, byContract.id, { limit: 10 });
    // (Account Created shares its instant on this fixed clock: the entries of one instant come in id order.)
    expect(timeline.items.filter((i) => i.kind === 'Product Released')).toEqual([
      expect.objectContaining({ summary: expect.stringContaining(created.body.name) }),
    ]);
  });

  it('refuses a second publish and leaves the events as they were', async () => {
    const o = offering('Workflow');
    const account = await createAccount(suite.database.db, clock, suite.ws.system, { name: unique('A'), offerings: [o] });
    const release = await createRelease(suite.database.db, clock, suite.ws.system, { name: unique('Workflow 2'), releasedOn, offerings: [o] });
    await publishRelease(suite.database.db, clock, suite.ws.system, release.id);
    const again = await suite.api.call('POST', `/api/v1/releases/${release.id}/publish`, { key: suite.key });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already published/);
    expect(await productReleased(account.id)).toHaveLength(1);
    const edit = await suite.api.call('PATCH', `/api/v1/releases/${release.id}`, { key: suite.key, body: { offerings: ['Else'] } });
    expect(edit.status).toBe(409);
    expect(edit.body.error.details).toEqual([{ path: 'body.offerings', message: 'cannot change once the release is published' }]);
    expect(
      (await suite.api.call('PATCH', `/api/v1/releases/${release.id}`, { key: suite.key, body: { notesUrl: 'https://vendor.example/fixed' } })).status,
    ).toBe(200);
    expect((await suite.api.call('DELETE', `/api/v1/releases/${release.id}`, { key: suite.key })).status).toBe(409);
  });

  it('publishes a release for an offering nobody owns, records nothing and says so', async () => {
    const release = await createRelease(suite.database.db, clock, suite.ws.system, { name: unique('Nobody'), releasedOn, offerings: [offering('Unsold')] });
    const result = await publishRelease(suite.database.db, clock, suite.ws.system, release.id);
    expect(result.accountsReached).toBe(0);
    expect(result.message).toMatch(/no account owns/);
    expect(result.release.status).toBe('published');
  });

  it('names the field of bad input and writes nothing', async () => {
    const cases: [unknown, string][] = [
      [{ name: 'x', releasedOn: '2026-13-45', offerings: ['A'] }, 'body.releasedOn'],
      [{ name: 'x', releasedOn, offerings: [] }, 'body.offerings'],
      [{ name: 'x', releasedOn, offerings: ['A'], notesUrl: 'javascript:alert(1)' }, 'body.notesUrl'],
      [{ name: 'x', releasedOn, offerings: ['A'], audiencePersona: 'ceo' }, 'body.audiencePersona'],
      [{ name: '', releasedOn, offerings: ['A'] }, 'body.name'],
    ];
    for (const [body, path] of cases) {
      const res = await suite.api.call('POST', '/api/v1/releases', { key: suite.key, body });
      expect(res.status, path).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await suite.api.call('GET', '/api/v1/releases', { key: suite.key })).body.items.some((r: { name: string }) => r.name === 'x')).toBe(false);
    const name = unique('Twice');
    expect((await suite.api.call('POST', '/api/v1/releases', { key: suite.key, body: { name, releasedOn, offerings: ['A'] } })).status).toBe(201);
    expect((await suite.api.call('POST', '/api/v1/releases', { key: suite.key, body: { name, releasedOn, offerings: ['A'] } })).status).toBe(409);
    expect((await suite.api.call('POST', `/api/v1/releases/${crypto.randomUUID()}/publish`, { key: suite.key })).status).toBe(404);
  });

  it('lets members who change customer data publish, but not an executive (read-only) member', async () => {
    const release = await createRelease(suite.database.db, clock, suite.ws.system, { name: unique('Guarded'), releasedOn, offerings: [offering('X')] });
    const exec = await createTestMember(suite.database.db, clock, suite.ws, ['executive'], 'Erin Exec');
    const signIn = await suite.api.call('POST', '/api/v1/auth/sign-in', { body: { email: exec.email, password: TEST_PASSWORD } });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0] as string;
    const res = await suite.api.call('POST', `/api/v1/releases/${release.id}/publish`, { cookie });
    expect(res.status).toBe(403);
    expect((await suite.api.call('GET', '/api/v1/releases', { cookie })).status).toBe(200);
  });

  it('opens the example model’s new-release moment for exactly the engaged accounts owning the offering', async () => {
    const own = await createTestWorkspace(suite.database.db, clock);
    const source = readFileSync(join(import.meta.dirname, '../../../examples/models/customer-success.yaml'), 'utf8');
    // Four eyes: the system authors, the admin approves and activates.
    const draft = await createModelDraft(suite.database.db, clock, own.system, { source, file: 'customer-success.yaml' });
    await approveModelVersion(suite.database.db, clock, own.admin, draft.modelId, draft.version);
    await activateModelVersion(suite.database.db, clock, own.admin, draft.modelId, draft.version);
    const o = offering('Insights');
    const owner = await createAccount(suite.database.db, clock, own.system, { name: 'Owner', offerings: [o], phase: 'ongoing' });
    const other = await createAccount(suite.database.db, clock, own.system, { name: 'Other', offerings: ['Else'], phase: 'ongoing' });
    const onboarding = await createAccount(suite.database.db, clock, own.system, { name: 'New', offerings: [o], phase: 'onboarding' });
    await sweep(suite.database.db, clock, { workspaceId: own.workspaceId });
    const release = await createRelease(suite.database.db, clock, own.system, { name: 'Insights 2', releasedOn, offerings: [o] });
    clock.advance(1000);
    await publishRelease(suite.database.db, clock, own.system, release.id);
    clock.advance(1000);
    await evaluateNewEvents(suite.database.db, clock, own.workspaceId);
    const moments = async (accountId: string) =>
      (await listAccountMoments(suite.database.db, clock, own.system, accountId)).filter((m) => m.moment.id === 'new-release');
    expect(await moments(owner.id)).toHaveLength(1);
    expect(await moments(other.id)).toHaveLength(0);
    // Owns the offering, but is in onboarding: the moment belongs to the ongoing phase.
    expect(await moments(onboarding.id)).toHaveLength(0);
  });
});
