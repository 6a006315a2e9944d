import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventsMarkdown } from '../../../scripts/events-docs.ts';
import { createTestKey, createTestWorkspace, tickingClock, unique } from '../../../test/factories.ts';
import { apiSuite } from '../../../test/suite.ts';
import { createAccount } from '../accounts/accounts.ts';
import { createContact } from '../contacts/contacts.ts';
import { sweep } from '../engine/engine.ts';
import { activateModelVersion, approveModelVersion, createModelDraft, validateModel } from '../models/models.ts';
import { listAccountMoments } from '../moments/moments.ts';
import { momentumEvents } from './events.catalog.ts';

const clock = tickingClock();
const customerSuccess = readFileSync(join(import.meta.dirname, '../../../examples/models/customer-success.yaml'), 'utf8');

const suite = apiSuite(clock);

describe('the events Momentum records by itself', () => {
  it('keeps docs/events.md in step with the catalog', () => {
    expect(readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8')).toBe(eventsMarkdown());
  });

  it('are known to the model linter: no "not received yet" warning for any of them', async () => {
    const moments = momentumEvents
      .map(
        (e, i) => `
  - id: m${i}
    name: On ${e.name}
    phase: ongoing
    owner: csm
    channel: call
    digital: false
    objective: React.
    responsibilities: { measure: m }
    start: { type: event, event: ${e.name} }`,
      )
      .join('');
    const source = `key: catalog\nname: Catalog\nsegment: { conditions: [] }\nphases:\n  - key: ongoing\n    name: Ongoing\nmoments:${moments}\n`;
    const result = await validateModel(suite.database.db, clock, suite.ws.workspaceId, { source, file: 'catalog.yaml' });
    expect(result.valid).toBe(true);
    expect(result.issues.filter((i) => /has been received/.test(i.message))).toEqual([]);
    const unknown = await validateModel(suite.database.db, clock, suite.ws.workspaceId, {
      source: source.replace('event: Sponsor Changed', 'event: Sponsor Swapped'),
    });
    expect(unknown.issues.map((i) => i.message)).toContain('no event named "Sponsor Swapped" has been received yet');
  });

  it('a sponsor replaced through the API opens the example model’s moment without waiting for the minute sweep', async () => {
    const own = await createTestWorkspace(suite.database.db, clock);
    const ownKey = await createTestKey(suite.database.db, clock, own);
    const draft = await createModelDraft(suite.database.db, clock, own.system, { source: customerSuccess, file: 'customer-success.yaml' });
    await approveModelVersion(suite.database.db, clock, own.admin, draft.modelId, draft.version);
    await activateModelVersion(suite.database.db, clock, own.admin, draft.modelId, draft.version);
    const account = await createAccount(suite.database.db, clock, own.system, { name: unique('Customer'), phase: 'ongoing' });
    const first = await createContact(suite.database.db, clock, own.system, {
      accountId: account.id,
      name: 'First',
      email: `${unique('f')}@c.test`,
      persona: 'executive_sponsor',
    });
    const next = await createContact(suite.database.db, clock, own.system, {
      accountId: account.id,
      name: 'Next',
      email: `${unique('n')}@c.test`,
      persona: 'admin',
    });
    await sweep(suite.database.db, clock, { workspaceId: own.workspaceId });
    const sponsorMoments = async () =>
      (await listAccountMoments(suite.database.db, clock, own.system, account.id)).filter((m) => m.moment.id === 'sponsor-change');
    // The first sponsor is the account's data being filled in: no moment.
    expect(await sponsorMoments()).toEqual([]);

    expect((await suite.api.call('PATCH', `/api/v1/contacts/${next.id}`, { key: ownKey, body: { persona: 'executive_sponsor' } })).status).toBe(200);
    expect((await suite.api.call('PATCH', `/api/v1/contacts/${first.id}`, { key: ownKey, body: { leftAt: '2026-06-01T00:00:00Z' } })).status).toBe(200);
    let found = await sponsorMoments();
    for (let i = 0; i < 50 && found.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      found = await sponsorMoments();
    }
    // Two writes (the new sponsor, then the old one leaving), one moment: the model's cooldown.
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ status: 'open', rule: 'event' });
  });
});
