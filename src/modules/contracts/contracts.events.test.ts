import { describe, expect, it } from 'vitest';
import { createTestMember, tickingClock, unique } from '../../../test/factories.ts';
import { apiSuite } from '../../../test/suite.ts';
import { createAccount, updateAccount } from '../accounts/accounts.ts';
import { listEvents } from '../events/events.ts';
import { importCsv } from '../imports/imports.ts';
import { createContract, deleteContract, updateContract } from './contracts.ts';

// Each write a millisecond later than the one before, so the events' order is the writes' order.
const clock = tickingClock();

const suite = apiSuite(clock);

const newAccount = async () => (await createAccount(suite.database.db, clock, suite.ws.system, { name: unique('Account'), externalId: unique('acc') })).id;
const seats = (quantity: number) => [{ offering: 'Analytics', quantity, unitPrice: 100 }];
const term = { startDate: '2026-01-01', endDate: '2026-12-31', renewalDate: '2026-11-30' };

/** The contract and team events of an account (its own Account Created and Account Updated are tested with accounts). */
async function recorded(accountId: string, names?: string[]) {
  const { items } = await listEvents(suite.database.db, suite.ws.system, { accountId, limit: 100 });
  return items
    .filter((e) => e.type === 'interaction' && !['Account Created', 'Account Updated'].includes(e.name ?? ''))
    .filter((e) => !names || names.includes(e.name ?? ''))
    .reverse()
    .map((e) => ({ name: e.name, ...e.properties }) as Record<string, unknown>);
}

describe('contract changes become events', () => {
  it('records nothing for the first contract, then Contract Expanded with the amounts when seats are added', async () => {
    const accountId = await newAccount();
    const contract = await createContract(suite.database.db, clock, suite.ws.system, { accountId, name: 'Main', ...term, lineItems: seats(10) });
    expect(await recorded(accountId)).toEqual([]);
    const res = await suite.api.call('PATCH', `/api/v1/contracts/${contract.id}`, { key: suite.key, body: { lineItems: seats(15) } });
    expect(res.status).toBe(200);
    expect(await recorded(accountId)).toMatchObject([
      {
        name: 'Contract Expanded',
        contractId: contract.id,
        oldArr: 1000,
        newArr: 1500,
        delta: 500,
        accountArrBefore: 1000,
        accountArrAfter: 1500,
        currency: 'USD',
      },
    ]);
  });

  it('records Contract Contracted when ARR goes down and Contract Expanded for a second contract that adds ARR', async () => {
    const accountId = await newAccount();
    const main = await createContract(suite.database.db, clock, suite.ws.system, { accountId, name: 'Main', ...term, lineItems: seats(10) });
    await createContract(suite.database.db, clock, suite.ws.system, { accountId, name: 'Add-on', ...term, lineItems: seats(2) });
    await updateContract(suite.database.db, clock, suite.ws.system, main.id, { lineItems: seats(8) });
    expect(await recorded(accountId)).toMatchObject([
      { name: 'Contract Expanded', contractName: 'Add-on', oldArr: 0, newArr: 200, accountArrBefore: 1000, accountArrAfter: 1200 },
      { name: 'Contract Contracted', contractName: 'Main', oldArr: 1000, newArr: 800, delta: -200, accountArrBefore: 1200, accountArrAfter: 1000 },
    ]);
  });

  it('records Contract Renewed and Renewal Date Changed when the term is extended, from the API, in one transaction', async () => {
    const accountId = await newAccount();
    const contract = await createContract(suite.database.db, clock, suite.ws.system, { accountId, name: 'Main', ...term, lineItems: seats(10) });
    const res = await suite.api.call('PATCH', `/api/v1/contracts/${contract.id}`, {
      key: suite.key,
      body: { endDate: '2027-12-31', renewalDate: '2027-11-30' },
    });
    expect(res.status).toBe(200);
    // One write, one time: sorted by name.
    expect((await recorded(accountId)).sort((x, y) => String(x.name).localeCompare(String(y.name)))).toMatchObject([
      { name: 'Contract Renewed', oldEndDate: '2026-12-31', newEndDate: '2027-12-31', arr: 1000 },
      { name: 'Renewal Date Changed', oldRenewalDate: '2026-11-30', newRenewalDate: '2027-11-30' },
    ]);
  });

  it('records nothing when a bad change is refused', async () => {
    const accountId = await newAccount();
    const contract = await createContract(suite.database.db, clock, suite.ws.system, { accountId, name: 'Main', ...term, lineItems: seats(10) });
    const res = await suite.api.call('PATCH', `/api/v1/contracts/${contract.id}`, { key: suite.key, body: { endDate: '2025-01-01', lineItems: seats(20) } });
    expect(res.status).toBe(400);
    expect(await recorded(accountId)).toEqual([]);
  });

  it('records Contract Ended when a contract is cancelled or deleted, with the ARR it carried', async () => {
    const accountId = await newAccount();
    const a = await createContract(suite.database.db, clock, suite.ws.system, { accountId, name: 'A', ...term, lineItems: seats(10) });
    const b = await createContract(suite.database.db, clock, suite.ws.system, { accountId, name: 'B', ...term, lineItems: seats(1) });
    await updateContract(suite.database.db, clock, suite.ws.system, a.id, { status: 'cancelled' });
    await deleteContract(suite.database.db, clock, suite.ws.system, b.id);
    expect(await recorded(accountId, ['Contract Ended'])).toMatchObject([
      { contractName: 'A', status: 'cancelled', arr: 1000 },
      { contractName: 'B', status: 'deleted', arr: 100 },
    ]);
  });

  it('records changes from an import once, and nothing when the same file is imported again', async () => {
    const accountId = await newAccount();
    const account = await suite.api.call('GET', `/api/v1/accounts/${accountId}`, { key: suite.key });
    const externalId = unique('contract');
    const file = (end: string) =>
      Buffer.from(
        `external_id,account_external_id,name,start_date,end_date,offering,quantity,unit_price\n${externalId},${account.body.externalId},Imported,2026-01-01,${end},Analytics,10,100\n`,
      );
    await importCsv(suite.database.db, clock, suite.ws.system, 'contracts', file('2026-12-31'));
    await importCsv(suite.database.db, clock, suite.ws.system, 'contracts', file('2027-12-31'));
    await importCsv(suite.database.db, clock, suite.ws.system, 'contracts', file('2027-12-31'));
    expect((await recorded(accountId)).map((e) => e.name)).toEqual(['Contract Renewed']);
  });
});

describe('account team changes become events', () => {
  it('records CSM Changed with the old and new member, and nothing when the team is saved unchanged', async () => {
    const first = await createTestMember(suite.database.db, clock, suite.ws, ['csm'], 'Casey First');
    const second = await createTestMember(suite.database.db, clock, suite.ws, ['csm'], 'Robin Second');
    const accountId = (await createAccount(suite.database.db, clock, suite.ws.system, { name: unique('Account'), team: { csm: first.member.id } })).id;
    expect(await recorded(accountId)).toEqual([]);
    const res = await suite.api.call('PATCH', `/api/v1/accounts/${accountId}`, { key: suite.key, body: { team: { csm: second.member.id } } });
    expect(res.status).toBe(200);
    await updateAccount(suite.database.db, clock, suite.ws.admin, accountId, { team: { csm: second.member.id } });
    await updateAccount(suite.database.db, clock, suite.ws.admin, accountId, { team: { account_manager: first.member.id } });
    expect(await recorded(accountId)).toMatchObject([
      {
        name: 'CSM Changed',
        role: 'csm',
        oldMember: { id: first.member.id, name: 'Casey First' },
        newMember: { id: second.member.id, name: 'Robin Second' },
        summary: 'CSM: Casey First → Robin Second',
      },
      { name: 'Account Manager Changed', oldMember: null, newMember: { id: first.member.id }, actor: 'Ada Admin' },
    ]);
  });
});
