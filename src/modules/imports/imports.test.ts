import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestMember, createTestWorkspace, testClock } from '../../../test/factories.ts';
import { testDatabase } from '../../config.ts';
import { openDatabase } from '../../db/client.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import type { Actor } from '../../lib/actor.ts';
import { createAccount, findAccountIdByExternalId, getAccount, listAccounts } from '../accounts/accounts.ts';
import { findContactByEmail } from '../contacts/contacts.ts';
import { findContractIdByExternalId, getContract } from '../contracts/contracts.ts';
import { createCustomField } from '../customfields/customfields.ts';
import { createWorkspace } from '../workspaces/workspaces.ts';
import { importCsv } from './imports.ts';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createTestApp>>;
const clock = testClock();

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createTestApp(database.db, clock);
});
afterAll(async () => {
  await api?.close();
  await database?.dispose();
});

/** A fresh workspace with an admin key per test keeps counts independent. */
async function workspace() {
  const ws = await createTestWorkspace(database.db, clock);
  return { ws, key: await createTestKey(database.db, clock, ws) };
}

async function upload(key: string, type: string, body: string | Buffer, query = '') {
  const res = await api.app.inject({
    method: 'POST',
    url: `/api/v1/imports/${type}${query}`,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
    payload: body,
  });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

async function download(key: string, path: string) {
  const res = await api.app.inject({ method: 'GET', url: `/api/v1/exports/${path}`, headers: { authorization: `Bearer ${key}` } });
  return { status: res.statusCode, text: res.body, type: res.headers['content-type'] };
}

const csv = (rows: (string | number)[][]) =>
  `${rows.map((r) => r.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : c)).join(',')).join('\n')}\n`;

async function accountsOf(actor: Actor) {
  return (await listAccounts(database.db, clock, actor, { filter: { conditions: [] }, sort: 'name', limit: 500 })).items;
}

describe('importing accounts', () => {
  it('maps a Salesforce account report: names, website to domain, billing country to region, head count to band, owner to CSM', async () => {
    const { ws, key } = await workspace();
    const owner = await createTestMember(database.db, clock, ws, ['csm'], 'Olivia Owner');
    const file = csv([
      ['Account Name', 'Account ID', 'Website', 'Industry', 'Billing Country', 'Billing State/Province', 'Employees', 'Type', 'Account Owner', 'Rating'],
      ['Acme Corp', '0015g00000AcmeAAA', 'https://www.acme.com/', 'Manufacturing', 'Germany', 'Bavaria', '1,200', 'Customer - Direct', 'Olivia Owner', 'Hot'],
      ['Globex', '0015g00000GlobAAA', '', 'Energy', '', 'Texas', '45', 'Prospect', 'Nobody Known', 'Warm'],
    ]);
    const res = await upload(key, 'accounts', file);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'accounts', created: 2, updated: 0, failed: 0, dryRun: false, errors: [] });
    expect(res.body.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ column: 'Rating', message: expect.stringContaining('not imported') }),
        expect.objectContaining({ column: 'Account Owner', message: expect.stringContaining('"Nobody Known" (row 3)') }),
      ]),
    );
    const acme = await getAccount(database.db, ws.system, (await findAccountIdByExternalId(database.db, ws.workspaceId, '0015g00000AcmeAAA')) ?? '');
    expect(acme).toMatchObject({ name: 'Acme Corp', domain: 'acme.com', industry: 'Manufacturing', region: 'Germany', employeeBand: '1001-5000' });
    expect(acme.tags).toEqual(['Customer - Direct']);
    expect(acme.team).toEqual([{ role: 'csm', memberId: owner.member.id, name: 'Olivia Owner' }]);
    const globex = await getAccount(database.db, ws.system, (await findAccountIdByExternalId(database.db, ws.workspaceId, '0015g00000GlobAAA')) ?? '');
    expect(globex).toMatchObject({ region: 'Texas', employeeBand: '11-50', domain: null, team: [] });
  });

  it('maps a HubSpot company export and upserts by Record ID on a second import', async () => {
    const { ws, key } = await workspace();
    const header = ['Record ID', 'Company name', 'Company Domain Name', 'Industry', 'Country/Region', 'Number of Employees', 'Company owner'];
    const first = await upload(key, 'accounts', csv([header, ['9001', 'Initech', 'initech.com', 'COMPUTER_SOFTWARE', 'United States', '250', '']]));
    expect(first.body).toMatchObject({ created: 1, updated: 0, warnings: [] });
    const second = await upload(key, 'accounts', csv([header, ['9001', 'Initech Inc', 'initech.com', 'COMPUTER_SOFTWARE', 'Canada', '6000', '']]));
    expect(second.body).toMatchObject({ created: 0, updated: 1 });
    const [only, ...rest] = await accountsOf(ws.system);
    expect(rest).toHaveLength(0);
    expect(only).toMatchObject({ externalId: '9001', name: 'Initech Inc', domain: 'initech.com', region: 'Canada', employeeBand: '5001+' });
  });

  it('re-imports its own export without changing or duplicating anything, custom attributes included', async () => {
    const { ws, key } = await workspace();
    await createCustomField(database.db, clock, ws.system, { entity: 'account', key: 'plan', label: 'Plan', type: 'select', options: ['gold', 'silver'] });
    await createCustomField(database.db, clock, ws.system, { entity: 'account', key: 'seats', label: 'Seats', type: 'number' });
    const csm = await createTestMember(database.db, clock, ws, ['csm'], 'Chris CSM');
    await createAccount(database.db, clock, ws.system, {
      name: 'Alpha, "the first"',
      externalId: 'a-1',
      offerings: ['Analytics', 'Workflow'],
      tags: ['vip'],
      buyingCulture: 'value_created',
      touchModel: 'high',
      targetDigitalType: 'digital_first',
      phase: 'ongoing',
      custom: { plan: 'gold', seats: 40 },
      team: { csm: csm.member.id },
    });
    await createAccount(database.db, clock, ws.system, { name: 'Beta without external id', region: 'EMEA' });
    const before = await accountsOf(ws.system);
    const exported = await download(key, 'accounts.csv');
    expect(exported.status).toBe(200);
    expect(exported.type).toContain('text/csv');
    expect(exported.text.split('\n')[0]).toContain('momentum_id,external_id,name');
    const res = await upload(key, 'accounts', exported.text);
    expect(res.body).toMatchObject({ created: 0, updated: 2, failed: 0, errors: [], warnings: [] });
    const after = await accountsOf(ws.system);
    const strip = (a: (typeof before)[number]) => ({ ...a, updatedAt: undefined });
    expect(after.map(strip)).toEqual(before.map(strip));
  });

  it('guards spreadsheet formulas in the export and restores them exactly on re-import', async () => {
    const { ws, key } = await workspace();
    await createAccount(database.db, clock, ws.system, {
      name: '=HYPERLINK("http://evil.example","click")',
      externalId: 'f-1',
      industry: '@SUM(A1)',
      region: "'=already quoted",
    });
    const exported = await download(key, 'accounts.csv');
    expect(exported.text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(exported.text).toContain(`'@SUM(A1)`);
    expect((await upload(key, 'accounts', exported.text)).body).toMatchObject({ updated: 1, errors: [] });
    expect((await accountsOf(ws.system))[0]).toMatchObject({
      name: '=HYPERLINK("http://evil.example","click")',
      industry: '@SUM(A1)',
      region: "'=already quoted",
    });
  });

  it('maps a column named after a custom field key to that attribute and reports a bad value in its column', async () => {
    const { ws, key } = await workspace();
    await createCustomField(database.db, clock, ws.system, { entity: 'account', key: 'health_score', label: 'Health score', type: 'number' });
    const ok = await upload(
      key,
      'accounts',
      csv([
        ['Account ID', 'Account Name', 'Health Score'],
        ['h-1', 'Healthy', '87'],
      ]),
    );
    expect(ok.body).toMatchObject({ created: 1, warnings: [] });
    expect((await accountsOf(ws.system))[0]?.custom).toEqual({ health_score: 87 });
    const bad = await upload(
      key,
      'accounts',
      csv([
        ['Account ID', 'Account Name', 'health_score'],
        ['h-2', 'Sick', 'very'],
      ]),
    );
    expect(bad.body.error.details).toEqual([{ path: 'row 2.health_score', message: 'must be a number' }]);
    const undefinedKey = await upload(
      key,
      'accounts',
      csv([
        ['Account ID', 'Account Name', 'custom.nps'],
        ['h-3', 'Unknown key', '9'],
      ]),
    );
    expect(undefinedKey.body).toMatchObject({ created: 1, warnings: [{ column: 'custom.nps', message: expect.stringContaining('not imported') }] });
  });

  it('exports only the accounts matching the list filters', async () => {
    const { ws, key } = await workspace();
    await createAccount(database.db, clock, ws.system, { name: 'In EMEA', region: 'EMEA' });
    await createAccount(database.db, clock, ws.system, { name: 'In AMER', region: 'AMER' });
    const res = await download(key, 'accounts.csv?region=EMEA');
    expect(res.text).toContain('In EMEA');
    expect(res.text).not.toContain('In AMER');
    expect((await download(key, 'accounts.csv?filter=not-json')).status).toBe(400);
  });

  it('refuses a file missing a required column, naming it and the headers it accepts', async () => {
    const { ws, key } = await workspace();
    const res = await upload(
      key,
      'accounts',
      csv([
        ['Account ID', 'Industry'],
        ['x-1', 'Retail'],
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('missing required column: name (accepted headers: name, Account Name, Company name');
    expect(res.body.error.details[0].path).toBe('header.name');
    expect(await accountsOf(ws.system)).toHaveLength(0);
  });

  it('reports a duplicate external id on the later row and writes nothing', async () => {
    const { ws, key } = await workspace();
    const res = await upload(
      key,
      'accounts',
      csv([
        ['external_id', 'name'],
        ['d-1', 'First'],
        ['d-2', 'Second'],
        ['d-1', 'Again'],
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'row 4.external_id', message: 'duplicate external id: row 2 has the same one' }]);
    expect(await accountsOf(ws.system)).toHaveLength(0);
  });

  it('stores SQL and HTML in every text field verbatim', async () => {
    const { ws, key } = await workspace();
    await createCustomField(database.db, clock, ws.system, { entity: 'account', key: 'notes', label: 'Notes', type: 'text' });
    // Short enough for the 50-character employee band, and without ";" (the list separator of offerings and tags).
    const nasty = (field: string) => `${field.slice(0, 4)}' OR '1'='1' --<script>a("1")</script>`;
    const fields = ['external_id', 'name', 'domain', 'industry', 'region', 'employee_band', 'offerings', 'tags', 'custom.notes'];
    const res = await upload(key, 'accounts', csv([fields, fields.map(nasty)]));
    expect(res.status).toBe(200);
    const [account] = await accountsOf(ws.system);
    expect(account).toMatchObject({
      externalId: nasty('external_id'),
      name: nasty('name'),
      domain: nasty('domain'),
      industry: nasty('industry'),
      region: nasty('region'),
      employeeBand: nasty('employee_band'),
      offerings: [nasty('offerings')],
      tags: [nasty('tags')],
      custom: { notes: nasty('custom.notes') },
    });
  });
});

describe('a 10,000-row file with 3 bad rows', () => {
  const rows = 10_000;
  const bad = new Map([
    [1234, 'touch_model'],
    [5000, 'name'],
    [9998, 'buying_culture'],
  ]);
  const file = () => {
    const lines = ['external_id,name,region,touch_model,buying_culture,employee_band'];
    for (let i = 0; i < rows; i++) {
      const row = i + 2;
      const name = bad.get(row) === 'name' ? '' : `Bulk ${i}`;
      const touch = bad.get(row) === 'touch_model' ? 'medium' : 'tech';
      const culture = bad.get(row) === 'buying_culture' ? 'value_stolen' : 'value_added';
      lines.push(`bulk-${i},${name},EMEA,${touch},${culture},${i % 5000}`);
    }
    return `${lines.join('\n')}\n`;
  };

  it('reports exactly those rows with row number and column and writes nothing (all-or-nothing)', async () => {
    const { ws, key } = await workspace();
    const res = await upload(key, 'accounts', file());
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: 'row 1234.touch_model', message: 'must be one of: high, low, tech' },
      { path: 'row 5000.name', message: 'is required' },
      { path: 'row 9998.buying_culture', message: 'must be one of: value_offered, value_added, value_created, value_captured' },
    ]);
    expect((await listAccounts(database.db, clock, ws.system, { filter: { conditions: [] }, sort: 'name', limit: 1 })).total).toBe(0);
  });

  it('writes the 9,997 good rows in partial mode and reports the 3 bad ones', async () => {
    const { ws } = await workspace();
    const started = performance.now();
    const progress: number[] = [];
    const report = await importCsv(database.db, clock, ws.system, 'accounts', Buffer.from(file()), {
      mode: 'partial',
      onProgress: (done) => progress.push(done),
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`imported ${rows} account rows in ${seconds.toFixed(1)} s (${database.kind})`);
    expect(report).toMatchObject({ created: 9997, updated: 0, failed: 3 });
    expect(report.errors.map((e) => [e.row, e.column])).toEqual([
      [1234, 'touch_model'],
      [5000, 'name'],
      [9998, 'buying_culture'],
    ]);
    expect(progress.at(-1)).toBe(9997);
    expect((await listAccounts(database.db, clock, ws.system, { filter: { conditions: [] }, sort: 'name', limit: 1 })).total).toBe(9997);
  }, 180_000);
});

describe('file encodings', () => {
  const latin = () => iconv.encode('external_id,name,region\nfr-1,Société Générale,Île-de-France\nde-1,Müller & Söhne,Zürich\n', 'windows-1252');

  it('refuses a Windows-1252 file naming the likely encoding and how to pass it', async () => {
    const { ws, key } = await workspace();
    const res = await upload(key, 'accounts', latin());
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('not UTF-8: it looks like windows-1252');
    expect(res.body.error.message).toContain('--encoding windows-1252');
    expect(await accountsOf(ws.system)).toHaveLength(0);
  });

  it('imports accented names correctly when the encoding is given', async () => {
    const { ws, key } = await workspace();
    const res = await upload(key, 'accounts', latin(), '?encoding=windows-1252');
    expect(res.status).toBe(200);
    expect((await accountsOf(ws.system)).map((a) => [a.name, a.region])).toEqual([
      ['Müller & Söhne', 'Zürich'],
      ['Société Générale', 'Île-de-France'],
    ]);
  });

  it('reads UTF-8 with a byte order mark and semicolon delimiters (Excel)', async () => {
    const { ws, key } = await workspace();
    const res = await upload(key, 'accounts', Buffer.from('\ufeffAccount ID;Account Name\nx-1;Ärzte GmbH\n', 'utf8'));
    expect(res.body).toMatchObject({ created: 1 });
    expect((await accountsOf(ws.system))[0]?.name).toBe('Ärzte GmbH');
  });
});

describe('importing contacts', () => {
  it('maps a HubSpot contact export, finding the account by its external id', async () => {
    const { ws, key } = await workspace();
    const account = await createAccount(database.db, clock, ws.system, { name: 'Hooli', externalId: '5550001' });
    const file = csv([
      ['Record ID', 'First Name', 'Last Name', 'Email', 'Job Title', 'Phone Number', 'Associated Company ID', 'Company Name', 'Lead Status'],
      ['701', 'Gavin', 'Belson', 'Gavin@Hooli.example', 'CEO', '+1 555 0100', '5550001', 'Hooli', 'Open'],
    ]);
    const res = await upload(key, 'contacts', file);
    expect(res.body).toMatchObject({ created: 1, updated: 0, warnings: [{ column: 'Lead Status' }] });
    const contact = await findContactByEmail(database.db, ws.system, 'gavin@hooli.example');
    expect(contact).toMatchObject({ externalId: '701', name: 'Gavin Belson', title: 'CEO', phone: '+1 555 0100', accountId: account.id });
  });

  it('maps a Salesforce contact report, finding the account by its unique name', async () => {
    const { ws, key } = await workspace();
    const account = await createAccount(database.db, clock, ws.system, { name: 'Pied Piper' });
    const file = csv([
      ['First Name', 'Last Name', 'Title', 'Phone', 'Email', 'Account Name'],
      ['Richard', 'Hendricks', 'CEO', '555-0101', 'richard@piedpiper.example', 'pied piper'],
    ]);
    const res = await upload(key, 'contacts', file);
    expect(res.body).toMatchObject({ created: 1, errors: [] });
    expect(await findContactByEmail(database.db, ws.system, 'richard@piedpiper.example')).toMatchObject({ name: 'Richard Hendricks', accountId: account.id });
  });

  it('refuses an invalid email and a duplicate email on their rows, and writes nothing', async () => {
    const { ws, key } = await workspace();
    const file = csv([
      ['Email', 'Name'],
      ['ok@example.com', 'Ok'],
      ['not-an-email', 'Bad'],
      ['OK@example.com', 'Twice'],
    ]);
    const res = await upload(key, 'contacts', file);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: 'row 3.Email', message: 'must be an email address like name@example.com' },
      { path: 'row 4.Email', message: 'duplicate email: row 2 has the same one' },
    ]);
    expect(await findContactByEmail(database.db, ws.system, 'ok@example.com')).toBeUndefined();
  });

  it('stores SQL and HTML in every contact text field verbatim', async () => {
    const { ws, key } = await workspace();
    const nasty = (field: string) => `${field.slice(0, 4)}' OR 1=1 --<img src=x onerror=alert(1)>`;
    const res = await upload(
      key,
      'contacts',
      csv([
        ['email', 'external_id', 'name', 'title', 'phone'],
        ['sql@example.com', nasty('external_id'), nasty('name'), nasty('title'), nasty('phone')],
      ]),
    );
    expect(res.status).toBe(200);
    expect(await findContactByEmail(database.db, ws.system, 'sql@example.com')).toMatchObject({
      externalId: nasty('external_id'),
      name: nasty('name'),
      title: nasty('title'),
      phone: nasty('phone'),
    });
  });

  it('names an account reference that matches nothing', async () => {
    const { key } = await workspace();
    const res = await upload(
      key,
      'contacts',
      csv([
        ['email', 'account_external_id'],
        ['a@example.com', 'missing-1'],
      ]),
    );
    expect(res.body.error.details).toEqual([
      { path: 'row 2.account_external_id', message: 'no account has the external id "missing-1" (import the accounts first)' },
    ]);
  });

  it('re-imports its own export without changes', async () => {
    const { ws, key } = await workspace();
    await createAccount(database.db, clock, ws.system, { name: 'Same Name' });
    await createAccount(database.db, clock, ws.system, { name: 'Same Name' });
    await upload(
      key,
      'contacts',
      csv([
        ['email', 'name', 'persona'],
        ['x@example.com', 'X', 'champion'],
        ['y@example.com', 'Y', 'buyer'],
      ]),
    );
    const exported = await download(key, 'contacts.csv');
    expect(exported.status).toBe(200);
    const res = await upload(key, 'contacts', exported.text);
    expect(res.body).toMatchObject({ created: 0, updated: 2, errors: [], warnings: [] });
    expect((await download(key, 'contacts.csv')).text.replace(/,[^,]*,[^,]*\n/g, '\n')).toBe(exported.text.replace(/,[^,]*,[^,]*\n/g, '\n'));
  });
});

describe('importing contracts', () => {
  const header = [
    'contract_external_id',
    'account_external_id',
    'name',
    'status',
    'start_date',
    'end_date',
    'renewal_date',
    'auto_renew',
    'currency',
    'services',
    'support_entitlement',
    'offering',
    'quantity',
    'unit_price',
    'billing',
    'renewable',
  ];

  it('groups one row per line item into contracts with their bill of materials and ARR', async () => {
    const { ws, key } = await workspace();
    const account = await createAccount(database.db, clock, ws.system, { name: 'Umbrella', externalId: 'acc-1' });
    const file = csv([
      header,
      [
        'c-1',
        'acc-1',
        'Umbrella 2026',
        'active',
        '2026-01-01',
        '2026-12-31',
        '2026-12-01',
        'true',
        'eur',
        'Onboarding; Training',
        'Premium',
        'Analytics',
        '10',
        '1,200.00',
        'recurring',
        '',
      ],
      ['c-1', '', '', '', '', '', '', '', '', '', '', 'Setup', '1', '5000', 'one-off', ''],
      ['c-2', 'acc-1', 'Umbrella pilot', 'expired', '2025-01-01', '2025-06-30', '', 'false', 'USD', '', '', '', '', '', '', ''],
    ]);
    const res = await upload(key, 'contracts', file);
    expect(res.body).toMatchObject({ created: 2, updated: 0, failed: 0, errors: [] });
    const contract = await getContract(database.db, ws.system, (await findContractIdByExternalId(database.db, ws.workspaceId, 'c-1')) ?? '');
    expect(contract).toMatchObject({ accountId: account.id, currency: 'EUR', autoRenew: true, services: ['Onboarding', 'Training'], arr: 12000 });
    expect(contract.lineItems).toEqual([
      { offering: 'Analytics', quantity: 10, unitPrice: 1200, billing: 'recurring', renewable: true },
      { offering: 'Setup', quantity: 1, unitPrice: 5000, billing: 'one_off', renewable: false },
    ]);
    const exported = await download(key, 'contracts.csv');
    const again = await upload(key, 'contracts', exported.text);
    expect(again.body).toMatchObject({ created: 0, updated: 2, errors: [], warnings: [] });
    expect(await getContract(database.db, ws.system, contract.id)).toMatchObject({ ...contract, updatedAt: expect.any(String) });
  });

  it('reports line-item rows that contradict their contract or carry bad values', async () => {
    const { ws, key } = await workspace();
    await createAccount(database.db, clock, ws.system, { name: 'Wayne', externalId: 'acc-2' });
    const file = csv([
      header,
      ['c-9', 'acc-2', 'Wayne', 'active', '2026-01-01', '2026-12-31', '', '', '', '', '', 'Seats', '5', '100', '', ''],
      ['c-9', 'acc-2', 'Wayne', 'active', '2026-02-01', '2026-12-31', '', '', '', '', '', 'Seats', '-1', '100', '', ''],
    ]);
    const res = await upload(key, 'contracts', file);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: 'row 3.start_date', message: 'differs from row 2 of the same contract' },
      { path: 'row 3.quantity', message: 'must be between 0.01 and 1000000000' },
    ]);
  });
});

// The CLI runs on the embedded database in a child process; once is enough (the postgres project skips it).
describe.skipIf(testDatabase().kind !== 'pglite')('momentum import (command line)', () => {
  let dir: string;
  const bin = new URL('../../../bin/momentum.js', import.meta.url).pathname;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'momentum-import-'));
    const seeded = await openDatabase({ dataDir: join(dir, 'data') });
    await migrateToLatest(seeded.db);
    await createWorkspace(seeded.db, clock, { name: 'CLI import' });
    await seeded.close();
    writeFileSync(
      join(dir, 'good.csv'),
      csv([
        ['Account ID', 'Account Name'],
        ['cli-1', 'One'],
        ['cli-2', 'Two'],
      ]),
    );
    writeFileSync(
      join(dir, 'bad.csv'),
      csv([
        ['Account ID', 'Account Name'],
        ['cli-3', 'Three'],
        ['cli-4', ''],
      ]),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function momentum(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const { DATABASE_URL: _unused, ...env } = process.env;
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { ...env, MOMENTUM_DATA_DIR: join(dir, 'data') } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('exits 0 and prints the counts, 1 with the row report when a row is bad, 1 for a missing file and 2 for a bad type', async () => {
    const good = await momentum('import', 'accounts', 'good.csv');
    expect(good.stdout).toContain(`Imported accounts from ${join(dir, 'good.csv')}: 2 created, 0 updated.`);
    expect(good.code).toBe(0);
    const bad = await momentum('import', 'accounts', 'bad.csv');
    expect(bad.stdout).toContain('1 row with errors:\n  row 3, Account Name: is required');
    expect(bad.stderr).toContain('Nothing was imported');
    expect(bad.code).toBe(1);
    const partial = await momentum('import', 'accounts', 'bad.csv', '--partial');
    expect(partial.stdout).toContain('1 created, 0 updated, 1 failed');
    expect(partial.code).toBe(1);
    const missing = await momentum('import', 'accounts', 'missing.csv');
    expect(missing.stderr).toContain('no such file');
    expect(missing.code).toBe(1);
    const usage = await momentum('import', 'acounts', 'good.csv');
    expect(usage.stderr).toContain("argument 'type'");
    expect(usage.code).toBe(2);
  }, 120_000);
});

describe('the import API', () => {
  it('accepts a multipart upload, audits the import with its counts, and answers a dry run without writing', async () => {
    const { ws, key } = await workspace();
    const boundary = '----momentum-test';
    const file = csv([
      ['external_id', 'name'],
      ['m-1', 'Multipart One'],
    ]);
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n${file}\r\n--${boundary}--\r\n`;
    const multipart = (query: string) =>
      api.app.inject({
        method: 'POST',
        url: `/api/v1/imports/accounts${query}`,
        headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: body,
      });
    const dry = await multipart('?dryRun=true');
    expect(dry.statusCode).toBe(200);
    expect(JSON.parse(dry.body)).toMatchObject({ created: 1, dryRun: true });
    expect(await accountsOf(ws.system)).toHaveLength(0);
    const real = await multipart('');
    expect(JSON.parse(real.body)).toMatchObject({ created: 1, dryRun: false });
    const audit = await api.call('GET', '/api/v1/audit?entityType=import', { key });
    expect(audit.body.items).toEqual([
      expect.objectContaining({ action: 'import.completed', after: expect.objectContaining({ type: 'accounts', created: 1, updated: 0 }) }),
    ]);
  });

  it('writes the good rows with mode=partial and reports the bad ones with 200', async () => {
    const { ws, key } = await workspace();
    const res = await upload(
      key,
      'accounts',
      csv([
        ['external_id', 'name', 'touch_model'],
        ['p-1', 'Good', 'low'],
        ['p-2', 'Bad', 'medium'],
      ]),
      '?mode=partial',
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 1, failed: 1, errors: [{ row: 3, column: 'touch_model', message: 'must be one of: high, low, tech' }] });
    expect((await accountsOf(ws.system)).map((a) => a.name)).toEqual(['Good']);
  });

  it('needs write access to import and read access to export', async () => {
    const { ws, key } = await workspace();
    const ingest = await createTestKey(database.db, clock, ws, ['ingest']);
    expect(
      (
        await upload(
          ingest,
          'accounts',
          csv([
            ['external_id', 'name'],
            ['k-1', 'K'],
          ]),
        )
      ).status,
    ).toBe(403);
    const exec = await createTestMember(database.db, clock, ws, ['executive']);
    const signIn = await api.call('POST', '/api/v1/auth/sign-in', { body: { email: exec.email, password: 'correct horse battery' } });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0] ?? '';
    const exported = await api.app.inject({ method: 'GET', url: '/api/v1/exports/accounts.csv', headers: { cookie } });
    expect(exported.statusCode).toBe(200);
    const imported = await api.app.inject({
      method: 'POST',
      url: '/api/v1/imports/accounts',
      headers: { cookie, 'content-type': 'text/csv', 'x-momentum-client': 'console' },
      payload: 'name\nX\n',
    });
    expect(imported.statusCode).toBe(403);
    expect((await upload(key, 'widgets', 'name\nX\n')).status).toBe(400);
    expect((await upload(key, 'accounts', '')).status).toBe(400);
  });

  it('documents the import and export routes in the OpenAPI document', async () => {
    const res = await api.call('GET', '/openapi.json');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/v1/imports/{type}', '/api/v1/exports/accounts.csv']));
  });
});
