// A small but lived-in workspace for the browser tests: a handful of accounts (one of them with contacts, contracts,
// a team, interactions and a custom field), renewals within the next 90 days, and the customer-success model active
// and swept once so the admin has moments in the inbox and on the home page.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../src/db/client.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { touchModels } from '../../src/modules/accounts/accounts.schema.ts';
import { createAccount } from '../../src/modules/accounts/accounts.ts';
import { createContact } from '../../src/modules/contacts/contacts.ts';
import { createContract } from '../../src/modules/contracts/contracts.ts';
import { sweep } from '../../src/modules/engine/engine.ts';
import { createMetric } from '../../src/modules/metrics/metrics.ts';
import { applyModel } from '../../src/modules/models/models.ts';
import { recordInteraction } from '../../src/modules/timeline/timeline.ts';
import { createTestMember, type TestWorkspace } from '../factories.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const industries = ['Software', 'Manufacturing', 'Healthcare', 'Retail', 'Finance'];
const regions = ['EMEA', 'AMER', 'APAC', 'LATAM'];
const cultures = ['value_offered', 'value_added', 'value_created', 'value_captured'] as const;
const phases = ['onboarding', 'ongoing', 'renewal'];

/** A date `days` from today as YYYY-MM-DD. */
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

export interface SeededWorkspace {
  /** The account with everything on it (contacts, contracts, team, history). */
  richAccount: { id: string; name: string };
  modelId: string;
  accountCount: number;
}

/**
 * Seeds `count` accounts owned by the workspace's admin (as CSM, so their moments land in the admin's inbox), a second
 * member as account manager on every other one, and the customer-success model active and swept once.
 */
export async function seedWorkspace(db: Database['db'], ws: TestWorkspace, count = 8): Promise<SeededWorkspace> {
  const morgan = await createTestMember(db, systemClock, ws, ['account_manager'], 'Morgan Manager');
  let richAccount: SeededWorkspace['richAccount'] | undefined;
  for (let i = 0; i < count; i++) {
    const n = String(i + 1).padStart(2, '0');
    const industry = industries[i % industries.length] ?? 'Software';
    const account = await createAccount(db, systemClock, ws.system, {
      name: `Account ${n} ${industry} International Holdings`,
      domain: `account-${n}.example`,
      industry,
      region: regions[i % regions.length] ?? null,
      employeeBand: '201-1000',
      touchModel: touchModels[i % touchModels.length] ?? null,
      buyingCulture: cultures[i % cultures.length] ?? null,
      targetDigitalType: i % 2 === 0 ? 'digital_hybrid' : 'digital_first',
      phase: phases[i % phases.length] ?? 'onboarding',
      tags: i % 3 === 0 ? ['strategic', 'beta', 'emea-priority'] : ['standard'],
      offerings: ['Platform', 'Analytics'],
      team: { csm: ws.admin.id, ...(i % 2 === 0 && { account_manager: morgan.member.id }) },
    });
    // Renewals spread over the next 90 days: the home page's renewals widget and chart have data.
    await createContract(db, systemClock, ws.system, {
      accountId: account.id,
      name: `Subscription ${n}`,
      startDate: inDays(-300),
      endDate: inDays(10 + i * 10),
      renewalDate: inDays(10 + i * 10),
      services: ['Onboarding package', 'Quarterly business reviews'],
      supportEntitlement: i % 2 === 0 ? 'Premier' : 'Standard',
      lineItems: [
        { offering: 'Platform seats', quantity: 10 + i, unitPrice: 1200 + i * 100 },
        { offering: 'Implementation', quantity: 1, unitPrice: 5000, billing: 'one_off' },
      ],
    });
    if (i === 0) {
      richAccount = { id: account.id, name: account.name };
      await createContract(db, systemClock, ws.system, {
        accountId: account.id,
        name: 'Analytics add-on with a rather long contract name',
        startDate: inDays(-100),
        endDate: inDays(265),
        renewalDate: inDays(265),
        services: [],
        supportEntitlement: 'Standard',
        lineItems: [{ offering: 'Analytics workspace seats (enterprise tier)', quantity: 25, unitPrice: 450 }],
      });
      const contacts = [
        {
          name: 'Pat Sponsor',
          email: 'pat.sponsor@account-01.example',
          persona: 'executive_sponsor',
          title: 'Chief Technology Officer',
          phone: '+44 20 7946 0001',
        },
        { name: 'Robin Champion', email: 'robin.champion-with-a-long-address@account-01.example', persona: 'champion', title: 'Head of Operations' },
        { name: 'Sam User', email: 'sam@account-01.example', persona: 'end_user', title: null },
      ] as const;
      for (const contact of contacts) await createContact(db, systemClock, ws.system, { accountId: account.id, ...contact });
      await createMetric(db, systemClock, ws.system, { key: 'emails_opened', label: 'Emails opened', kind: 'count', eventName: 'email_opened' });
      await recordInteraction(db, systemClock, ws.system, {
        accountId: account.id,
        kind: 'meeting_held',
        channel: 'meeting',
        summary: 'Kickoff with the sponsor: agreed the onboarding plan, the success criteria and a first quick win by the end of the month.',
        occurredAt: new Date(Date.now() - 20 * 86_400_000),
      });
      for (let d = 1; d <= 8; d++) {
        await recordInteraction(db, systemClock, ws.system, {
          accountId: account.id,
          kind: 'email_opened',
          channel: 'email',
          summary: `Product update ${d} opened`,
          occurredAt: new Date(Date.now() - d * 86_400_000),
        });
      }
    }
  }
  const file = join(root, 'examples', 'models', 'customer-success.yaml');
  const applied = await applyModel(db, systemClock, ws.system, { source: readFileSync(file, 'utf8'), file }, { approve: true });
  await sweep(db, systemClock, { workspaceId: ws.workspaceId });
  if (!richAccount) throw new Error('seedWorkspace needs at least one account');
  return { richAccount, modelId: applied.version.modelId, accountCount: count };
}
