import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestMember, createTestWorkspace, type TestWorkspace, testClock, unique } from '../../../test/factories.ts';
import type { Db } from '../../db/client.ts';
import { newId } from '../../lib/ids.ts';
import { createAccount } from '../accounts/accounts.ts';
import { createContract } from '../contracts/contracts.ts';
import { type GateDecision, gate } from './consent.gate.ts';
import { addressHash, createList, recordConsent, subscriptionStatuses, suppressAddress, updateList } from './consent.ts';

const clock = testClock();
let database: TestDatabase;
let db: Db;
let ws: TestWorkspace;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  ws = await createTestWorkspace(db, clock);
});
afterAll(() => database?.dispose());

async function contact(email: string, extra: { accountId?: string; leftAt?: Date } = {}): Promise<string> {
  const id = newId();
  await db
    .insertInto('contacts')
    .values({
      workspace_id: ws.workspaceId,
      id,
      account_id: extra.accountId ?? null,
      external_id: null,
      name: 'Pat',
      email,
      title: null,
      phone: null,
      left_at: extra.leftAt ?? null,
      created_at: clock.now(),
      updated_at: clock.now(),
    })
    .execute();
  return id;
}

const by = { name: 'Ada Admin' };
const reasons = (decisions: GateDecision[]) => decisions.map((d) => (d.allowed ? 'allowed' : d.reason));

describe('the consent gate', () => {
  it('sends a list message only to confirmed addresses, and says why each other contact is excluded', async () => {
    const list = await createList(db, clock, ws.admin, { key: unique('news'), name: 'Product news', optIn: 'double', wording: 'Send me product news' });
    const purpose = `list:${list.id}`;
    const confirmed = await contact(`${unique('c')}@customer.test`);
    const requested = await contact(`${unique('r')}@customer.test`);
    const withdrawn = await contact(`${unique('w')}@customer.test`);
    const never = await contact(`${unique('n')}@customer.test`);
    const noEmail = await contact('');
    const suppressedEmail = `${unique('s')}@customer.test`;
    const suppressed = await contact(suppressedEmail);
    const left = await contact(`${unique('l')}@customer.test`, { leftAt: clock.now() });
    for (const id of [confirmed, withdrawn, suppressed, left])
      await recordConsent(db, clock, ws.workspaceId, { contactId: id, purpose, action: 'granted', method: 'double_opt_in', recordedBy: { name: 'contact' } });
    await recordConsent(db, clock, ws.workspaceId, { contactId: requested, purpose, action: 'requested', method: 'form', recordedBy: { name: 'contact' } });
    await recordConsent(db, clock, ws.workspaceId, {
      contactId: withdrawn,
      purpose,
      action: 'withdrawn',
      method: 'one_click',
      recordedBy: { name: 'contact' },
    });
    await suppressAddress(db, clock, ws.workspaceId, { address: suppressedEmail, reason: 'hard_bounce', createdBy: 'system' });

    const decisions = await gate(db, ws.workspaceId, { kind: 'list', listId: list.id }, [
      confirmed,
      requested,
      withdrawn,
      never,
      noEmail,
      suppressed,
      left,
      newId(),
    ]);
    expect(reasons(decisions)).toEqual(['allowed', 'unconfirmed', 'withdrawn', 'no_consent', 'no_email', 'suppressed', 'left_company', 'no_email']);
    expect(decisions[0]).toMatchObject({ allowed: true, basis: expect.stringMatching(/^[0-9a-f-]{36}$/) });

    await updateList(db, clock, ws.admin, list.id, { archived: true });
    expect(reasons(await gate(db, ws.workspaceId, { kind: 'list', listId: list.id }, [confirmed]))).toEqual(['list_archived']);
  });

  it('follows the address: a grant for an old address does not cover the contact new one', async () => {
    const list = await createList(db, clock, ws.admin, { key: unique('tips'), name: 'Tips', optIn: 'single', wording: 'Tips please' });
    const id = await contact(`${unique('old')}@customer.test`);
    await recordConsent(db, clock, ws.workspaceId, {
      contactId: id,
      purpose: `list:${list.id}`,
      action: 'granted',
      method: 'form',
      recordedBy: { name: 'contact' },
    });
    expect(reasons(await gate(db, ws.workspaceId, { kind: 'list', listId: list.id }, [id]))).toEqual(['allowed']);
    await db
      .updateTable('contacts')
      .set({ email: `${unique('new')}@customer.test` })
      .where('id', '=', id)
      .execute();
    expect(reasons(await gate(db, ws.workspaceId, { kind: 'list', listId: list.id }, [id]))).toEqual(['no_consent']);
  });

  it('allows service mail to contacts of accounts with an active contract unless they withdrew it, and requested mail unless suppressed', async () => {
    const account = await createAccount(db, clock, ws.admin, { name: unique('Acme') });
    await createContract(db, clock, ws.admin, {
      accountId: account.id,
      name: 'Platform',
      status: 'active',
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      lineItems: [],
    });
    const other = await createAccount(db, clock, ws.admin, { name: unique('NoContract') });
    const customer = await contact(`${unique('k')}@customer.test`, { accountId: account.id });
    const optedOut = await contact(`${unique('o')}@customer.test`, { accountId: account.id });
    const prospect = await contact(`${unique('p')}@customer.test`, { accountId: other.id });
    await recordConsent(db, clock, ws.workspaceId, { contactId: optedOut, purpose: 'service', action: 'withdrawn', method: 'admin', recordedBy: by });
    expect(reasons(await gate(db, ws.workspaceId, { kind: 'service' }, [customer, optedOut, prospect]))).toEqual(['allowed', 'withdrawn', 'no_consent']);
    expect((await gate(db, ws.workspaceId, { kind: 'service' }, [customer]))[0]).toMatchObject({ basis: expect.stringMatching(/^contract:/) });
    const bounced = `${unique('b')}@customer.test`;
    const bouncedId = await contact(bounced);
    await suppressAddress(db, clock, ws.workspaceId, { address: bounced.toUpperCase(), reason: 'complaint', createdBy: 'system' });
    expect(reasons(await gate(db, ws.workspaceId, { kind: 'request' }, [prospect, bouncedId]))).toEqual(['allowed', 'suppressed']);
  });

  it('sends the digest only to active members who did not turn it off', async () => {
    const on = await createTestMember(db, clock, ws, ['csm']);
    const off = await createTestMember(db, clock, ws, ['csm']);
    const gone = await createTestMember(db, clock, ws, ['csm']);
    await db.updateTable('members').set({ digest_email: false }).where('id', '=', off.member.id).execute();
    await db.updateTable('members').set({ disabled_at: clock.now() }).where('id', '=', gone.member.id).execute();
    const ids = [on.member.id, off.member.id, gone.member.id];
    expect(reasons(await gate(db, ws.workspaceId, { kind: 'member', topic: 'digest' }, ids))).toEqual(['allowed', 'member_opted_out', 'member_inactive']);
    expect(reasons(await gate(db, ws.workspaceId, { kind: 'member', topic: 'test' }, ids))).toEqual(['allowed', 'allowed', 'member_inactive']);
  });

  it('derives each status from the latest record, keeps one record for a repeated withdrawal, and never lets an import re-grant a withdrawal', async () => {
    const list = await createList(db, clock, ws.admin, { key: unique('ledger'), name: 'Ledger', optIn: 'double', wording: 'Yes' });
    const purpose = `list:${list.id}`;
    const id = await contact(`${unique('x')}@customer.test`);
    const status = async () => (await subscriptionStatuses(db, ws.workspaceId, id)).find((s) => s.purpose === purpose)?.status;
    expect(await status()).toBe('none');
    await recordConsent(db, clock, ws.workspaceId, { contactId: id, purpose, action: 'requested', method: 'form', recordedBy: { name: 'contact' } });
    expect(await status()).toBe('unconfirmed');
    await recordConsent(db, clock, ws.workspaceId, { contactId: id, purpose, action: 'granted', method: 'double_opt_in', recordedBy: { name: 'contact' } });
    expect(await status()).toBe('confirmed');
    expect(
      await recordConsent(db, clock, ws.workspaceId, { contactId: id, purpose, action: 'withdrawn', method: 'one_click', recordedBy: { name: 'contact' } }),
    ).toMatchObject({ recorded: true });
    expect(
      await recordConsent(db, clock, ws.workspaceId, { contactId: id, purpose, action: 'withdrawn', method: 'one_click', recordedBy: { name: 'contact' } }),
    ).toEqual({ recorded: false, reason: 'unchanged' });
    expect(
      await recordConsent(db, clock, ws.workspaceId, { contactId: id, purpose, action: 'granted', method: 'import', proof: 'CRM export', recordedBy: by }),
    ).toEqual({ recorded: false, reason: 'withdrawn_earlier' });
    expect(await status()).toBe('unsubscribed');
    const rows = await db.selectFrom('consent_records').select('action').where('contact_id', '=', id).orderBy('seq').execute();
    expect(rows.map((r) => r.action)).toEqual(['requested', 'granted', 'withdrawn']);
  });
});

// The one rule, thrown thousands of random ledgers: no message is ever allowed to a contact whose address lacks a
// current grant for the purpose, is suppressed, or has left. The model below is the rule written plainly.
describe('the consent gate under random ledgers', () => {
  const actions = ['requested', 'granted', 'withdrawn'] as const;
  const methods = ['form', 'double_opt_in', 'import', 'one_click', 'admin', 'complaint'] as const;
  const contactArb = fc.record({
    hasEmail: fc.boolean(),
    left: fc.boolean(),
    suppressed: fc.boolean(),
    // Records on (list index 0..2 or service), in order.
    records: fc.array(fc.record({ purpose: fc.integer({ min: 0, max: 3 }), action: fc.constantFrom(...actions), method: fc.constantFrom(...methods) }), {
      maxLength: 6,
    }),
    hasContract: fc.boolean(),
  });
  const caseArb = fc.record({
    lists: fc.array(fc.record({ double: fc.boolean(), archived: fc.boolean() }), { minLength: 3, maxLength: 3 }),
    contacts: fc.array(contactArb, { minLength: 1, maxLength: 6 }),
    send: fc.integer({ min: 0, max: 4 }),
  });

  it('never allows a message to a contact without current consent, over 400 random workspaces of up to 6 contacts', async () => {
    let seed = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const w = await createTestWorkspaceFast(++seed);
        const listIds = c.lists.map(() => newId());
        await db
          .insertInto('mailing_lists')
          .values(
            c.lists.map((l, i) => ({
              workspace_id: w,
              id: listIds[i] as string,
              key: `l${i}`,
              name: `List ${i}`,
              opt_in: l.double ? ('double' as const) : ('single' as const),
              wording: 'w',
              created_at: clock.now(),
              updated_at: clock.now(),
              archived_at: l.archived ? clock.now() : null,
            })),
          )
          .execute();
        const purposeOf = (p: number) => (p === 3 ? 'service' : `list:${listIds[p]}`);
        const ids: string[] = [];
        const accountId = newId();
        await db.insertInto('accounts').values({ workspace_id: w, id: accountId, name: 'A', created_at: clock.now(), updated_at: clock.now() }).execute();
        // Addresses are unique per workspace: at most one contact without one.
        const noEmailAt = c.contacts.findIndex((k) => !k.hasEmail);
        for (const [i, k] of c.contacts.entries()) k.hasEmail = i !== noEmailAt;
        for (const [i, k] of c.contacts.entries()) {
          const id = newId();
          ids.push(id);
          const email = k.hasEmail ? `c${i}@x.test` : '';
          const contactAccount = k.hasContract ? accountId : null;
          await db
            .insertInto('contacts')
            .values({
              workspace_id: w,
              id,
              account_id: contactAccount,
              external_id: null,
              name: 'C',
              email,
              title: null,
              phone: null,
              left_at: k.left ? clock.now() : null,
              created_at: clock.now(),
              updated_at: clock.now(),
            })
            .execute();
          if (k.hasEmail && k.suppressed) await suppressAddress(db, clock, w, { address: email, reason: 'complaint', createdBy: 'system' });
          if (k.hasEmail && k.records.length > 0) {
            await db
              .insertInto('consent_records')
              .values(
                k.records.map((r) => ({
                  workspace_id: w,
                  id: newId(),
                  contact_id: id,
                  address_hash: addressHash(email),
                  purpose: purposeOf(r.purpose),
                  action: r.action,
                  method: r.method,
                  recorded_by: 'test',
                  at: clock.now(),
                })),
              )
              .execute();
          }
        }
        if (c.contacts.some((k) => k.hasContract)) {
          await db
            .insertInto('contracts')
            .values({
              workspace_id: w,
              id: newId(),
              account_id: accountId,
              external_id: null,
              name: 'K',
              status: 'active',
              start_date: '2026-01-01',
              end_date: '2026-12-31',
              renewal_date: null,
              created_at: clock.now(),
              updated_at: clock.now(),
            })
            .execute();
        }
        const purpose =
          c.send === 3
            ? { kind: 'service' as const }
            : c.send === 4
              ? { kind: 'request' as const }
              : { kind: 'list' as const, listId: listIds[c.send] as string };
        const decisions = await gate(db, w, purpose, ids);
        for (const [i, k] of c.contacts.entries()) {
          const d = decisions.find((x) => x.recipientId === ids[i]);
          const latest = k.records.filter((r) => r.purpose === c.send).at(-1)?.action;
          const expected =
            k.hasEmail &&
            !k.suppressed &&
            (c.send === 4 ||
              (!k.left &&
                (c.send === 3 ? latest === 'granted' || (latest !== 'withdrawn' && k.hasContract) : !c.lists[c.send]?.archived && latest === 'granted')));
          expect(d?.allowed, JSON.stringify({ k, send: c.send, d })).toBe(expected);
        }
      }),
      { numRuns: 400 },
    );
  });
});

/** A bare workspace row: the property test needs hundreds of them, not their admins. */
async function createTestWorkspaceFast(n: number): Promise<string> {
  const id = newId();
  await db
    .insertInto('workspaces')
    .values({ id, name: `Random ${n}`, postal_address: '', created_at: clock.now() })
    .execute();
  return id;
}
