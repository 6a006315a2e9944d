import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace, testClock } from '../../../test/factories.ts';
import { createAccount } from '../accounts/accounts.ts';
import { createCustomField } from '../customfields/customfields.ts';

let database: TestDatabase;
let ws: TestWorkspace;
let api: Awaited<ReturnType<typeof createTestApp>>;
let key: string;
const clock = testClock();

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, clock);
  api = await createTestApp(database.db, clock);
  key = await createTestKey(database.db, clock, ws);
  await createCustomField(database.db, clock, ws.system, { entity: 'account', key: 'plan', label: 'Plan', type: 'select', options: ['gold', 'silver'] });
  await createCustomField(database.db, clock, ws.system, { entity: 'account', key: 'seats', label: 'Seats', type: 'number' });
  const rows = [
    { name: 'Alpha', region: 'EMEA', touchModel: 'high', custom: { plan: 'gold', seats: 120 } },
    { name: 'Beta', region: 'EMEA', touchModel: 'tech', custom: { plan: 'silver', seats: 10 } },
    { name: 'Gamma', region: 'AMER', touchModel: 'high', custom: { plan: 'gold', seats: 40 } },
    { name: 'Delta', region: 'EMEA', touchModel: 'high', offerings: ['Analytics'] },
  ] as const;
  for (const row of rows) await createAccount(database.db, clock, ws.system, { ...row, offerings: 'offerings' in row ? [...row.offerings] : [] });
});
afterAll(async () => {
  await api?.close();
  await database?.dispose();
});

describe('segments', () => {
  it('saves a filter and reports its live member count, which follows later account changes', async () => {
    const created = await api.call('POST', '/api/v1/segments', {
      key,
      body: {
        name: 'High touch EMEA',
        filter: {
          conditions: [
            { field: 'touch_model', op: 'eq', value: 'high' },
            { field: 'region', op: 'eq', value: 'EMEA' },
          ],
        },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.count).toBe(2);
    await createAccount(database.db, clock, ws.system, { name: 'Epsilon', region: 'EMEA', touchModel: 'high' });
    const again = await api.call('GET', `/api/v1/segments/${created.body.id}`, { key });
    expect(again.body.count).toBe(3);
    const list = await api.call('GET', `/api/v1/accounts?segment=${created.body.id}&sort=name`, { key });
    expect(list.body.items.map((a: { name: string }) => a.name)).toEqual(['Alpha', 'Delta', 'Epsilon']);
  });

  it('filters on typed custom attributes', async () => {
    const res = await api.call('POST', '/api/v1/segments', {
      key,
      body: {
        name: 'Gold with 50+ seats',
        filter: {
          conditions: [
            { field: 'custom.plan', op: 'eq', value: 'gold' },
            { field: 'custom.seats', op: 'gte', value: 50 },
          ],
        },
      },
    });
    expect(res.body.count).toBe(1);
  });

  it('refuses a filter on an unknown custom field, naming the condition', async () => {
    const res = await api.call('POST', '/api/v1/segments', {
      key,
      body: { name: 'Bad', filter: { conditions: [{ field: 'custom.colour', op: 'eq', value: 'red' }] } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('body.filter.conditions.0.field');
    expect((await api.call('GET', '/api/v1/segments', { key })).body.items.some((s: { name: string }) => s.name === 'Bad')).toBe(false);
  });

  it('matches accounts for which every condition and at least one OR group hold', async () => {
    const res = await api.call('POST', '/api/v1/segments', {
      key,
      body: {
        name: 'EMEA gold or big',
        filter: {
          conditions: [{ field: 'region', op: 'eq', value: 'EMEA' }],
          anyOf: [[{ field: 'custom.plan', op: 'eq', value: 'gold' }], [{ field: 'offerings', op: 'has', value: 'Analytics' }]],
        },
      },
    });
    expect(res.status).toBe(201);
    const list = await api.call('GET', `/api/v1/accounts?segment=${res.body.id}&sort=name`, { key });
    // Alpha (EMEA, gold) and Delta (EMEA, Analytics); Beta is EMEA but neither; Gamma is gold but AMER.
    expect(list.body.items.map((a: { name: string }) => a.name)).toEqual(['Alpha', 'Delta']);
    // Combined with the list's own filter, the groups still apply.
    const narrowed = await api.call('GET', `/api/v1/accounts?segment=${res.body.id}&touchModel=high&q=Del`, { key });
    expect(narrowed.body.items.map((a: { name: string }) => a.name)).toEqual(['Delta']);
  });

  it('previews how many accounts a filter matches without saving it, naming a bad condition of a group', async () => {
    const before = (await api.call('GET', '/api/v1/segments', { key })).body.items.length;
    const preview = await api.call('POST', '/api/v1/segments/preview', {
      key,
      body: { filter: { conditions: [], anyOf: [[{ field: 'region', op: 'eq', value: 'AMER' }], [{ field: 'custom.seats', op: 'lt', value: 20 }]] } },
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ count: 2 }); // Gamma (AMER), Beta (10 seats)
    const bad = await api.call('POST', '/api/v1/segments/preview', {
      key,
      body: { filter: { conditions: [], anyOf: [[{ field: 'region', op: 'in', value: [] }]] } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: 'body.filter.anyOf.0.0.value', message: 'needs a value' });
    const empty = await api.call('POST', '/api/v1/segments/preview', { key, body: { filter: { conditions: [], anyOf: [[]] } } });
    expect(empty.status).toBe(400);
    expect((await api.call('GET', '/api/v1/segments', { key })).body.items.length).toBe(before);
  });

  it('refuses a second segment with the same name with 409', async () => {
    const body = { name: 'Twice', filter: { conditions: [] } };
    expect((await api.call('POST', '/api/v1/segments', { key, body })).status).toBe(201);
    const res = await api.call('POST', '/api/v1/segments', { key, body });
    expect(res.status).toBe(409);
    expect(res.body.error.details[0].path).toBe('body.name');
  });

  it('answers 404 for listing accounts of a segment that does not exist', async () => {
    const res = await api.call('GET', '/api/v1/accounts?segment=00000000-0000-4000-8000-000000000000', { key });
    expect(res.status).toBe(404);
  });

  it('updates and deletes a segment, auditing both', async () => {
    const created = await api.call('POST', '/api/v1/segments', { key, body: { name: 'Temp', filter: { conditions: [] } } });
    const updated = await api.call('PATCH', `/api/v1/segments/${created.body.id}`, {
      key,
      body: { filter: { conditions: [{ field: 'offerings', op: 'has', value: 'Analytics' }] } },
    });
    expect(updated.body.count).toBe(1);
    expect((await api.call('DELETE', `/api/v1/segments/${created.body.id}`, { key })).status).toBe(204);
    const audit = await api.call('GET', `/api/v1/audit?entityType=segment&entityId=${created.body.id}`, { key });
    expect(audit.body.items.map((i: { action: string }) => i.action)).toEqual(['segment.deleted', 'segment.updated', 'segment.created']);
  });
});

describe('custom fields', () => {
  it('validates custom attribute values by type on every account write, naming the field', async () => {
    const bad = await api.call('POST', '/api/v1/accounts', { key, body: { name: 'Typed', custom: { plan: 'bronze', seats: 'many' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['custom.plan', 'custom.seats']);
    const unknown = await api.call('POST', '/api/v1/accounts', { key, body: { name: 'Typed', custom: { colour: 'red' } } });
    expect(unknown.status).toBe(400);
    const good = await api.call('POST', '/api/v1/accounts', { key, body: { name: 'Typed', custom: { plan: 'silver', seats: '12' } } });
    expect(good.status).toBe(201);
    expect(good.body.custom).toEqual({ plan: 'silver', seats: 12 });
  });

  it('refuses a select field without options and a duplicate key', async () => {
    const noOptions = await api.call('POST', '/api/v1/custom-fields', { key, body: { entity: 'account', key: 'tier', label: 'Tier', type: 'select' } });
    expect(noOptions.status).toBe(400);
    const dup = await api.call('POST', '/api/v1/custom-fields', { key, body: { entity: 'account', key: 'plan', label: 'Plan', type: 'text' } });
    expect(dup.status).toBe(409);
  });

  it("edits a field's label, options and required flag, audited; refuses to remove an option records still hold", async () => {
    const fields = (await api.call('GET', '/api/v1/custom-fields?entity=account', { key })).body.items;
    const plan = fields.find((f: { key: string }) => f.key === 'plan');
    const edited = await api.call('PATCH', `/api/v1/custom-fields/${plan.id}`, {
      key,
      body: { label: 'Plan tier', options: ['gold', 'silver', 'bronze'], required: true },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ key: 'plan', type: 'select', label: 'Plan tier', options: ['gold', 'silver', 'bronze'], required: true });
    const audit = await api.call('GET', `/api/v1/audit?entityType=custom_field&entityId=${plan.id}`, { key });
    expect(audit.body.items[0]).toMatchObject({ action: 'custom_field.updated', before: { label: 'Plan' }, after: { label: 'Plan tier' } });
    // Beta is on silver: silver stays; bronze, unused, may go.
    const inUse = await api.call('PATCH', `/api/v1/custom-fields/${plan.id}`, { key, body: { options: ['gold'] } });
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.details[0]).toMatchObject({ path: 'body.options', message: expect.stringContaining('"silver" (') });
    const back = await api.call('PATCH', `/api/v1/custom-fields/${plan.id}`, { key, body: { options: ['gold', 'silver'], required: false } });
    expect(back.body).toMatchObject({ options: ['gold', 'silver'], required: false, label: 'Plan tier' });
    const seats = fields.find((f: { key: string }) => f.key === 'seats');
    const notSelect = await api.call('PATCH', `/api/v1/custom-fields/${seats.id}`, { key, body: { options: ['a'] } });
    expect(notSelect.status).toBe(400);
    expect(notSelect.body.error.details[0].path).toBe('body.options');
  });
});
