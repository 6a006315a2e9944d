import { describe, expect, it } from 'vitest';
import { createTestMember, TEST_PASSWORD, testClock } from '../../../test/factories.ts';
import { apiSuite } from '../../../test/suite.ts';
import { createAccount } from '../accounts/accounts.ts';
import { listAudit } from '../audit/audit.ts';
import { recordMomentumEvents } from '../events/events.ts';
import { runWebhooks } from './webhooks.jobs.ts';

const clock = testClock();
const suite = apiSuite(clock);

// Registration resolves the host: a name under .invalid never resolves (RFC 2606), so it is accepted as public.
const url = 'https://hooks.customer.invalid/momentum';

describe('webhook endpoints API', () => {
  it('registers an endpoint, showing its whsec_ signing secret once, and audits every change', async () => {
    const created = await suite.api.call('POST', '/api/v1/webhooks', {
      key: suite.key,
      body: { url, description: 'CRM sync', events: ['Sponsor Changed', 'Contract Renewed'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    expect(created.body.endpoint).toMatchObject({ url, description: 'CRM sync', events: ['Sponsor Changed', 'Contract Renewed'], enabled: true, pending: 0 });
    expect(created.body.endpoint.secretHint).toBe(`${created.body.secret.slice(0, 10)}…`);
    const id = created.body.endpoint.id as string;

    const list = await suite.api.call('GET', '/api/v1/webhooks', { key: suite.key });
    expect(list.body.items).toEqual([expect.objectContaining({ id })]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);

    const all = await suite.api.call('PATCH', `/api/v1/webhooks/${id}`, { key: suite.key, body: { events: null, description: 'Everything' } });
    expect(all.body).toMatchObject({ events: null, description: 'Everything' });
    const disabled = await suite.api.call('PATCH', `/api/v1/webhooks/${id}`, { key: suite.key, body: { enabled: false } });
    expect(disabled.body).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/^Disabled by API key/) });
    const enabled = await suite.api.call('PATCH', `/api/v1/webhooks/${id}`, { key: suite.key, body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null });

    const rotated = await suite.api.call('POST', `/api/v1/webhooks/${id}/rotate-secret`, { key: suite.key, body: { graceHours: 12 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect(rotated.body.endpoint.previousSecretExpiresAt).toBe(new Date(clock.now().getTime() + 12 * 3600_000).toISOString());

    // A test message to a host that does not resolve says so (the delivery tests send real ones).
    const test = await suite.api.call('POST', `/api/v1/webhooks/${id}/test`, { key: suite.key });
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ ok: false, responseStatus: null, error: expect.stringMatching(/cannot resolve hooks\.customer\.invalid/) });

    const deleted = await suite.api.call('DELETE', `/api/v1/webhooks/${id}`, { key: suite.key });
    expect(deleted.status).toBe(204);
    expect((await suite.api.call('GET', `/api/v1/webhooks/${id}`, { key: suite.key })).status).toBe(404);
    expect((await suite.api.call('GET', `/api/v1/webhooks/${id}/deliveries`, { key: suite.key })).status).toBe(404);

    const audit = await listAudit(suite.database.db, suite.ws.system, { entityType: 'webhook_endpoint', entityId: id, limit: 20 });
    expect(audit.items.map((a) => a.action).reverse()).toEqual([
      'webhook_endpoint.created',
      'webhook_endpoint.updated',
      'webhook_endpoint.disabled',
      'webhook_endpoint.updated',
      'webhook_endpoint.secret_rotated',
      'webhook_endpoint.tested',
      'webhook_endpoint.deleted',
    ]);
    expect(JSON.stringify(audit.items)).not.toContain(created.body.secret);
  });

  it('refuses bad input with a 400 naming the field: URL scheme, credentials, unknown events, private addresses', async () => {
    const post = (body: unknown) => suite.api.call('POST', '/api/v1/webhooks', { key: suite.key, body });
    const cases: [unknown, string][] = [
      [{ url: 'ftp://hooks.example.com/x' }, 'body.url'],
      [{ url: 'not a url' }, 'body.url'],
      [{ url: 'https://user:pass@hooks.example.com/x' }, 'body.url'],
      [{ url, events: ['Sponsor Changed', 'Order Shipped'] }, 'body.events.1'],
      [{ url, events: 'Sponsor Changed' }, 'body.events'],
      [{ url, colour: 'red' }, 'body.colour'],
      [{ url: 'http://127.0.0.1:8080/hook' }, 'body.url'],
      [{ url: 'http://[::1]/hook' }, 'body.url'],
      [{ url: 'http://169.254.169.254/latest/meta-data/' }, 'body.url'],
      [{ url: 'http://10.1.2.3/hook' }, 'body.url'],
      [{ url: 'http://localhost:9000/hook' }, 'body.url'],
    ];
    for (const [body, path] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const rotate = await suite.api.call('POST', '/api/v1/webhooks/00000000-0000-4000-8000-000000000000/rotate-secret', {
      key: suite.key,
      body: { graceHours: 100 },
    });
    expect(rotate.status).toBe(400);
    expect(rotate.body.error.details[0].path).toBe('body.graceHours');
    expect((await suite.api.call('GET', '/api/v1/webhooks', { key: suite.key })).body.items).toEqual([]);
  });

  it('is for admins: a CSM is refused', async () => {
    const csm = await createTestMember(suite.database.db, clock, suite.ws, ['csm']);
    const signIn = await suite.api.call('POST', '/api/v1/auth/sign-in', { body: { email: csm.email, password: TEST_PASSWORD } });
    const cookie = String(signIn.headers['set-cookie'] ?? '').split(';')[0] ?? '';
    expect((await suite.api.call('GET', '/api/v1/webhooks', { cookie })).status).toBe(403);
    expect((await suite.api.call('POST', '/api/v1/webhooks', { cookie, body: { url } })).status).toBe(403);
  });

  it('lists the event catalogue and documents every event payload in the OpenAPI webhooks section', async () => {
    const events = await suite.api.call('GET', '/api/v1/webhook-events', { key: suite.key });
    expect(events.body.items.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['Sponsor Changed', 'Phase Entered', 'Moment Completed']));
    const doc = await suite.api.call('GET', '/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/webhooks',
        '/api/v1/webhooks/{id}/rotate-secret',
        '/api/v1/webhooks/{id}/deliveries',
        '/api/v1/webhook-deliveries/{id}/replay',
      ]),
    );
    const sponsor = doc.body.webhooks['Sponsor Changed'].post.requestBody.content['application/json'].schema;
    expect(sponsor.properties.type).toMatchObject({ const: 'Sponsor Changed' });
    expect(Object.keys(sponsor.properties.data.properties.properties.properties)).toEqual(expect.arrayContaining(['role', 'oldContact', 'newContact']));
    expect(Object.keys(doc.body.webhooks)).toEqual([...events.body.items.map((e: { name: string }) => e.name), 'Moment Action', 'Webhook Test']);
  });

  it('refuses with a 409 the replay of a delivery still being retried, and of one whose endpoint was deleted', async () => {
    const created = await suite.api.call('POST', '/api/v1/webhooks', { key: suite.key, body: { url, events: ['Sponsor Changed'] } });
    const id = created.body.endpoint.id as string;
    const account = await createAccount(suite.database.db, clock, suite.ws.system, { name: 'Initech' });
    await recordMomentumEvents(suite.database.db, clock, suite.ws.system, 'contacts', [
      { accountId: account.id, name: 'Sponsor Changed', properties: { summary: 'Sponsor left' }, key: 'replay-409' },
    ]);
    // The host does not resolve: the attempt fails and a retry is scheduled.
    expect(await runWebhooks(suite.database.db, clock, { allowPrivate: [], budgetMs: 5000 })).toMatchObject({ created: 1, attempted: 1, retrying: 1 });
    const log = await suite.api.call('GET', `/api/v1/webhooks/${id}/deliveries`, { key: suite.key });
    expect(log.body.items).toEqual([expect.objectContaining({ status: 'pending', attempts: 1, error: expect.stringMatching(/cannot resolve/) })]);
    const deliveryId = log.body.items[0].id as string;
    const early = await suite.api.call('POST', `/api/v1/webhook-deliveries/${deliveryId}/replay`, { key: suite.key });
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(/still being sent/);

    expect((await suite.api.call('DELETE', `/api/v1/webhooks/${id}`, { key: suite.key })).status).toBe(204);
    const detail = await suite.api.call('GET', `/api/v1/webhook-deliveries/${deliveryId}`, { key: suite.key });
    expect(detail.body).toMatchObject({ status: 'failed', error: 'endpoint deleted', attemptLog: [expect.objectContaining({ attempt: 1 })] });
    const replay = await suite.api.call('POST', `/api/v1/webhook-deliveries/${deliveryId}/replay`, { key: suite.key });
    expect(replay.status).toBe(409);
    expect(replay.body.error).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/^The endpoint of this delivery was deleted on .*: there is nowhere to replay it$/),
    });
  });

  it('answers 404 for a delivery that does not exist, and for its replay', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    expect((await suite.api.call('GET', `/api/v1/webhook-deliveries/${id}`, { key: suite.key })).status).toBe(404);
    expect((await suite.api.call('POST', `/api/v1/webhook-deliveries/${id}/replay`, { key: suite.key })).status).toBe(404);
  });
});
