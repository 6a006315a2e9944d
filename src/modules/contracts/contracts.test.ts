import { describe, expect, it } from 'vitest';
import { createTestKey, createTestWorkspace, testClock } from '../../../test/factories.ts';
import { apiSuite } from '../../../test/suite.ts';
import { createAccount, getAccount } from '../accounts/accounts.ts';
import { listAudit } from '../audit/audit.ts';
import { contractArr, createContract, listContracts, upsertContractByExternalId } from './contracts.ts';

const clock = testClock();

const suite = apiSuite(clock);

const newAccount = async (name = 'Acme Corp') => (await createAccount(suite.database.db, clock, suite.ws.system, { name })).id;
const term = { startDate: '2026-01-01', endDate: '2026-12-31' };

describe('contracts API', () => {
  it('records a contract with its bill of materials and derives ARR from recurring items', async () => {
    const accountId = await newAccount();
    const res = await suite.api.call('POST', '/api/v1/contracts', {
      key: suite.key,
      body: {
        accountId,
        name: 'Acme 2026',
        ...term,
        renewalDate: '2026-11-30',
        currency: 'eur',
        services: ['Onboarding', 'Onboarding', 'TAM'],
        supportEntitlement: 'Premium',
        lineItems: [
          { offering: 'Analytics', quantity: 50, unitPrice: 120.5 },
          { offering: 'Implementation', quantity: 1, unitPrice: 15000, billing: 'one_off' },
        ],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'active',
      currency: 'EUR',
      services: ['Onboarding', 'TAM'],
      arr: 6025,
      lineItems: [
        { offering: 'Analytics', quantity: 50, unitPrice: 120.5, billing: 'recurring', renewable: true },
        { offering: 'Implementation', quantity: 1, unitPrice: 15000, billing: 'one_off', renewable: false },
      ],
    });
    expect((await suite.api.call('GET', `/api/v1/contracts/${res.body.id}`, { key: suite.key })).body).toEqual(res.body);
    const audit = await suite.api.call('GET', `/api/v1/audit?entityType=contract&entityId=${res.body.id}`, { key: suite.key });
    expect(audit.body.items[0]).toMatchObject({ action: 'contract.created', actor: { type: 'api_key' } });
  });

  it('derives account ARR and next renewal from active contracts only, after every write', async () => {
    const accountId = await newAccount();
    const item = (unitPrice: number) => [{ offering: 'Seats', quantity: 10, unitPrice }];
    const active = await suite.api.call('POST', '/api/v1/contracts', { key: suite.key, body: { accountId, name: 'Main', ...term, lineItems: item(1000) } });
    await suite.api.call('POST', '/api/v1/contracts', {
      key: suite.key,
      body: { accountId, name: 'Add-on', startDate: '2026-03-01', endDate: '2026-08-31', lineItems: item(100) },
    });
    await suite.api.call('POST', '/api/v1/contracts', {
      key: suite.key,
      body: { accountId, name: 'Pending', status: 'draft', ...term, lineItems: item(5000) },
    });
    let account = await getAccount(suite.database.db, suite.ws.system, accountId);
    expect(account).toMatchObject({ arr: 11000, nextRenewalDate: '2026-08-31' });

    await suite.api.call('PATCH', `/api/v1/contracts/${active.body.id}`, { key: suite.key, body: { lineItems: item(2000) } });
    expect((await getAccount(suite.database.db, suite.ws.system, accountId)).arr).toBe(21000);
    await suite.api.call('PATCH', `/api/v1/contracts/${active.body.id}`, { key: suite.key, body: { status: 'cancelled' } });
    account = await getAccount(suite.database.db, suite.ws.system, accountId);
    expect(account).toMatchObject({ arr: 1000, nextRenewalDate: '2026-08-31' });
    const list = await suite.api.call('GET', `/api/v1/contracts?accountId=${accountId}&status=active`, { key: suite.key });
    await suite.api.call('DELETE', `/api/v1/contracts/${list.body.items[0].id}`, { key: suite.key });
    expect(await getAccount(suite.database.db, suite.ws.system, accountId)).toMatchObject({ arr: 0, nextRenewalDate: null });
  });

  it('moves revenue between accounts when a contract changes account', async () => {
    const from = await newAccount('From');
    const to = await newAccount('To');
    const c = await suite.api.call('POST', '/api/v1/contracts', {
      key: suite.key,
      body: { accountId: from, name: 'Moving', ...term, lineItems: [{ offering: 'X', quantity: 1, unitPrice: 700 }] },
    });
    await suite.api.call('PATCH', `/api/v1/contracts/${c.body.id}`, { key: suite.key, body: { accountId: to } });
    expect((await getAccount(suite.database.db, suite.ws.system, from)).arr).toBe(0);
    expect((await getAccount(suite.database.db, suite.ws.system, to)).arr).toBe(700);
  });

  it('refuses a contract whose end date precedes its start, on create and on update', async () => {
    const accountId = await newAccount();
    const bad = await suite.api.call('POST', '/api/v1/contracts', {
      key: suite.key,
      body: { accountId, name: 'Backwards', startDate: '2026-06-01', endDate: '2026-05-31' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.endDate');
    const ok = await suite.api.call('POST', '/api/v1/contracts', { key: suite.key, body: { accountId, name: 'Fine', ...term } });
    const patch = await suite.api.call('PATCH', `/api/v1/contracts/${ok.body.id}`, { key: suite.key, body: { endDate: '2025-12-31' } });
    expect(patch.status).toBe(400);
    expect(patch.body.error.details[0].path).toBe('body.endDate');
  });

  it('rejects impossible dates, bad line items and an account of another workspace with 400 naming the field', async () => {
    const accountId = await newAccount();
    const res = await suite.api.call('POST', '/api/v1/contracts', {
      key: suite.key,
      body: { accountId, name: 'Bad', startDate: '2026-02-30', endDate: '2026-12-31', lineItems: [{ offering: 'X', quantity: 0, unitPrice: -1 }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['body.startDate', 'body.lineItems.0.quantity', 'body.lineItems.0.unitPrice']),
    );
    const other = await createTestWorkspace(suite.database.db, clock);
    const foreign = await createAccount(suite.database.db, clock, other.system, { name: 'Foreign' });
    const cross = await suite.api.call('POST', '/api/v1/contracts', { key: suite.key, body: { accountId: foreign.id, name: 'Cross', ...term } });
    expect(cross.status).toBe(400);
    expect(cross.body.error.details[0].path).toBe('body.accountId');
  });

  it('rejects a duplicate external id with 409 and stores SQL and HTML verbatim', async () => {
    const accountId = await newAccount();
    const name = `Q'); DROP TABLE contracts;-- <img src=x onerror=alert(1)>`;
    const first = await suite.api.call('POST', '/api/v1/contracts', { key: suite.key, body: { accountId, name, externalId: 'C-1', ...term } });
    expect(first.status).toBe(201);
    expect((await suite.api.call('GET', `/api/v1/contracts/${first.body.id}`, { key: suite.key })).body.name).toBe(name);
    const dup = await suite.api.call('POST', '/api/v1/contracts', { key: suite.key, body: { accountId, name: 'Other', externalId: 'C-1', ...term } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details[0].path).toBe('externalId');
  });

  it('refuses writes from an ingest-only key with 403', async () => {
    const ingestKey = await createTestKey(suite.database.db, clock, suite.ws, ['ingest']);
    const accountId = await newAccount();
    const res = await suite.api.call('POST', '/api/v1/contracts', { key: ingestKey, body: { accountId, name: 'Nope', ...term } });
    expect(res.status).toBe(403);
  });
});

describe('contract operations', () => {
  it('computes ARR in cents without float drift', () => {
    expect(
      contractArr([
        { quantity: 3, unitPrice: 0.1, billing: 'recurring' },
        { quantity: 1, unitPrice: 0.2, billing: 'recurring' },
        { quantity: 1, unitPrice: 99, billing: 'one_off' },
      ]),
    ).toBe(0.5);
  });

  it('upserts by external id: creates once, updates and replaces line items, and writes nothing when rerun', async () => {
    const local = await createTestWorkspace(suite.database.db, clock);
    const accountId = (await createAccount(suite.database.db, clock, local.system, { name: 'Imported' })).id;
    const input = { externalId: 'SF-42', accountId, name: 'Imported deal', ...term, lineItems: [{ offering: 'A', quantity: 2, unitPrice: 50 }] };
    const first = await upsertContractByExternalId(suite.database.db, clock, local.system, input);
    expect(first).toMatchObject({ created: true, contract: { arr: 100 } });
    const second = await upsertContractByExternalId(suite.database.db, clock, local.system, {
      ...input,
      lineItems: [{ offering: 'B', quantity: 1, unitPrice: 75 }],
    });
    expect(second).toMatchObject({ created: false, contract: { id: first.contract.id, arr: 75, lineItems: [{ offering: 'B' }] } });
    expect((await getAccount(suite.database.db, local.system, accountId)).arr).toBe(75);
    const rerun = await upsertContractByExternalId(suite.database.db, clock, local.system, {
      ...input,
      lineItems: [{ offering: 'B', quantity: 1, unitPrice: 75 }],
    });
    expect(rerun).toEqual({ created: false, contract: second.contract });
    const audit = await listAudit(suite.database.db, local.system, { entityType: 'contract', entityId: first.contract.id, limit: 10 });
    expect(audit.items.map((a) => a.action)).toEqual(['contract.updated', 'contract.created']);
  });

  it('lists contracts newest term first with a cursor, filtered by account and status', async () => {
    const local = await createTestWorkspace(suite.database.db, clock);
    const accountId = (await createAccount(suite.database.db, clock, local.system, { name: 'Lister' })).id;
    for (let year = 2020; year < 2027; year++) {
      await createContract(suite.database.db, clock, local.system, {
        accountId,
        name: `Term ${year}`,
        status: year === 2026 ? 'active' : 'expired',
        startDate: `${year}-01-01`,
        endDate: `${year}-12-31`,
      });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listContracts(suite.database.db, local.system, { accountId, limit: 3, cursor });
      expect(page.total).toBe(7);
      seen.push(...page.items.map((c) => c.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['Term 2026', 'Term 2025', 'Term 2024', 'Term 2023', 'Term 2022', 'Term 2021', 'Term 2020']);
    const expired = await listContracts(suite.database.db, local.system, { accountId, status: 'expired', limit: 50 });
    expect(expired.total).toBe(6);
  });
});
