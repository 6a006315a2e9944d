// The demo's product usage: what the customers' users do in the vendor's product over the last 90 days, as the
// Segment messages (identify, group, track) the product's SDK would send. A pure function of the plan and the day.
import type { Persona } from '../contacts/contacts.schema.ts';
import type { PlannedAccount, Rng } from './demo.plan.ts';
import { prng } from './demo.plan.ts';

/** Days of product usage the demo holds (the metrics' history). */
export const DEMO_HISTORY_DAYS = 90;
/** The engagement models went live this many days ago; the engine has swept every DEMO_SWEEP_EVERY_DAYS since. */
export const DEMO_MODELS_LIVE_DAYS = 56;
export const DEMO_SWEEP_EVERY_DAYS = 7;

const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * rising: usage grows from `turnDaysAgo` (a team rolled out); steady; declining: from `turnDaysAgo` most users stop
 * and the rest use it less; silent: nobody since `turnDaysAgo` (21-40 days); never_activated: a new customer whose
 * users never logged in.
 */
export type UsageTrend = 'rising' | 'steady' | 'declining' | 'silent' | 'never_activated';

export interface PlannedUsage {
  trend: UsageTrend;
  turnDaysAgo: number;
  /** Onboarding accounts: when the account activated (days ago); null when it has not (yet), or long before the history. */
  activationDaysAgo: number | null;
  /** Product users beyond the account's contacts: known to the product by user id only (no email, so no contact). */
  extraUsers: number;
  /** Seeds the account's daily generator (deterministic per account and day). */
  seed: number;
}

export interface UsageMessage {
  type: 'identify' | 'group' | 'track';
  messageId: string;
  userId: string;
  timestamp: string;
  event?: string;
  groupId?: string;
  traits?: Record<string, unknown>;
  properties?: Record<string, unknown>;
}

/** When the account was loaded into Momentum: a new customer on its start date, the others the day before the models went live. */
export function accountLoadedAt(now: Date, account: PlannedAccount): Date {
  const started = startedDaysAgo(now, account);
  if (account.phase === 'onboarding' && started <= DEMO_MODELS_LIVE_DAYS) return new Date(now.getTime() - started * DAY - 2 * HOUR);
  return new Date(now.getTime() - (DEMO_MODELS_LIVE_DAYS + 1) * DAY);
}

function startedDaysAgo(now: Date, account: PlannedAccount): number {
  const start = account.contracts[0]?.startDate ?? now.toISOString().slice(0, 10);
  return Math.round((Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY);
}

/** Plans one account's usage; `today` is the plan's day. */
export function planUsage(rng: Rng, today: string, account: PlannedAccount): PlannedUsage {
  const now = new Date(`${today}T12:00:00Z`);
  const extraUsers = account.touchModel === 'high' ? rng.int(2, 6) : account.touchModel === 'low' ? rng.int(1, 3) : rng.int(0, 1);
  const seed = rng.int(1, 2 ** 30);
  if (account.phase === 'onboarding') {
    // Activated a few days after the engine first engaged it (the sweep after its start), unless it never did.
    const engaged = DEMO_SWEEP_EVERY_DAYS * Math.floor(startedDaysAgo(now, account) / DEMO_SWEEP_EVERY_DAYS);
    const never = rng.chance(0.2);
    const activation = engaged - rng.int(1, 3);
    const trend: UsageTrend = never ? 'never_activated' : rng.chance(0.25) ? 'rising' : 'steady';
    return { trend, turnDaysAgo: activation, activationDaysAgo: never || activation < 0 ? null : activation, extraUsers, seed };
  }
  const trend = rng.weighted<UsageTrend>([
    ['rising', 20],
    ['steady', 50],
    ['declining', 17],
    ['silent', 13],
  ]);
  const turnDaysAgo = trend === 'rising' ? rng.int(5, 60) : trend === 'declining' ? rng.int(8, 45) : trend === 'silent' ? rng.int(21, 40) : 0;
  return { trend, turnDaysAgo, activationDaysAgo: null, extraUsers, seed };
}

/** How often (chance per working day) each persona uses the product; users beyond the contacts are end users. */
const personaActivity: Record<Persona | 'user', number> = {
  admin: 0.55,
  champion: 0.5,
  end_user: 0.45,
  executive_sponsor: 0.03,
  buyer: 0.01,
  other: 0.02,
  user: 0.45,
};

const integrations = ['Salesforce', 'SAP S/4HANA', 'ServiceNow', 'Microsoft Teams', 'Slack', 'Workday'];
const reports = ['Process cycle time', 'Automation coverage', 'SLA breaches', 'Throughput by team', 'Cost per case', 'Bottlenecks'];

interface ProductUser {
  userId: string;
  persona: Persona | 'user';
  /** Contacts are identified with their email (so Momentum links the user to the contact); the others by user id only. */
  contact?: { email: string; name: string };
  /** The first day (days ago) the user can be active; null: from before the history. */
  startsDaysAgo: number | null;
  /** The last day (days ago) the user is active; null: still active. */
  stopsDaysAgo: number | null;
}

const userRng = (usage: PlannedUsage, index: number) => prng(usage.seed + index * 7_919);

/** The account's product users, with when each started and (for declining and silent accounts) stopped. */
export function productUsers(account: PlannedAccount): ProductUser[] {
  const usage = account.usage;
  const number = account.externalId.replace(/\D/g, '');
  const users: ProductUser[] = [];
  const count = account.contacts.length + usage.extraUsers;
  for (let i = 0; i < count; i++) {
    const rng = userRng(usage, i);
    const contact = account.contacts[i];
    let startsDaysAgo: number | null = null;
    let stopsDaysAgo: number | null = null;
    if (usage.trend === 'never_activated') startsDaysAgo = -1;
    else if (usage.activationDaysAgo !== null) startsDaysAgo = i === 0 ? usage.activationDaysAgo : Math.max(0, usage.activationDaysAgo - rng.int(0, 16));
    else if (account.phase === 'onboarding') startsDaysAgo = -1;
    // A rising account's extra users join after the turn (a new team rolled out).
    if (usage.trend === 'rising' && !contact && startsDaysAgo !== -1 && rng.chance(0.6)) {
      startsDaysAgo = Math.max(0, Math.min(startsDaysAgo ?? usage.turnDaysAgo, usage.turnDaysAgo - rng.int(0, 14)));
    }
    if (usage.trend === 'silent') stopsDaysAgo = usage.turnDaysAgo + (i === 0 ? 0 : rng.int(0, 10));
    if (usage.trend === 'declining' && rng.chance(0.65)) stopsDaysAgo = Math.max(0, usage.turnDaysAgo - rng.int(0, 6));
    users.push({
      userId: `usr_${number}_${String(i + 1).padStart(2, '0')}`,
      persona: contact?.persona ?? 'user',
      ...(contact && { contact: { email: contact.email, name: contact.name } }),
      startsDaysAgo,
      stopsDaysAgo,
    });
  }
  return users;
}

/** How busy the account is on a day (days ago), relative to a steady account. */
function intensity(usage: PlannedUsage, daysAgo: number): number {
  if (usage.trend === 'rising') {
    if (daysAgo >= usage.turnDaysAgo) return 0.6;
    return Math.min(1.3, 0.6 + ((usage.turnDaysAgo - daysAgo) / 14) * 0.7);
  }
  if (usage.trend === 'declining' && daysAgo < usage.turnDaysAgo) return 0.55;
  if (usage.trend === 'silent') return daysAgo < usage.turnDaysAgo + 14 ? 0.6 : 0.9;
  return 1;
}

/**
 * The account's Segment messages for one day: the 24 hours ending `daysAgo` days before `now`. A user's first day
 * in the history starts with identify (contacts, by email) and group (the account's external id), as the SDK sends
 * them on sign-in; then Logged In and what they did.
 */
export function usageMessages(account: PlannedAccount, users: ProductUser[], now: Date, daysAgo: number, seen: Set<string>): UsageMessage[] {
  const usage = account.usage;
  const end = now.getTime() - daysAgo * DAY;
  const start = end - DAY;
  const rng = prng(usage.seed + 104_729 * (daysAgo + 1));
  const weekday = new Date(start + 12 * HOUR).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const level = intensity(usage, daysAgo);
  const messages: UsageMessage[] = [];
  let n = 0;
  const number = account.externalId.replace(/\D/g, '');
  const push = (m: Omit<UsageMessage, 'messageId'>) => {
    n++;
    messages.push({ ...m, messageId: `demo-${number}-${daysAgo}-${n}` } as UsageMessage);
  };
  for (const user of users) {
    if (user.startsDaysAgo !== null && (user.startsDaysAgo < 0 || daysAgo > user.startsDaysAgo)) continue;
    if (user.stopsDaysAgo !== null && daysAgo < user.stopsDaysAgo) continue;
    const firstDay = user.startsDaysAgo === daysAgo;
    const chance = personaActivity[user.persona] * level * (weekend ? 0.12 : 1);
    if (!firstDay && rng.next() >= chance) continue;
    let at = start + rng.int(1, 22 * 60) * 60_000;
    const time = () => {
      at = Math.min(end - 1000, at + rng.int(1, 40) * 60_000);
      return new Date(at).toISOString();
    };
    if (!seen.has(user.userId)) {
      seen.add(user.userId);
      const base = { userId: user.userId, timestamp: time() };
      if (user.contact) push({ type: 'identify', ...base, traits: { email: user.contact.email, name: user.contact.name } });
      push({ type: 'group', ...base, groupId: account.externalId, traits: { name: account.name } });
    }
    const track = (event: string, properties: Record<string, unknown> = {}) =>
      push({ type: 'track', userId: user.userId, event, timestamp: time(), properties });
    if (firstDay && usage.activationDaysAgo === daysAgo && user === users[0]) track('Account Activated', { plan: account.custom.plan });
    if (firstDay && user.startsDaysAgo !== null) track('User Created', { role: user.persona === 'admin' ? 'admin' : 'member' });
    track('Logged In', { method: rng.chance(0.7) ? 'sso' : 'password' });
    const views = rng.weighted([
      [0, 5],
      [1, 4],
      [2, 1],
    ]);
    for (let v = 0; v < views; v++) track('Report Viewed', { report: rng.pick(reports) });
    if (rng.chance(0.06)) track('Dashboard Created', { widgets: rng.int(2, 12) });
    if (rng.chance(user.persona === 'buyer' || user.persona === 'executive_sponsor' ? 0.3 : 0.12)) {
      track('Export Downloaded', { format: rng.pick(['csv', 'xlsx', 'pdf']), rows: Math.round(rng.logUniform(20, 20_000)) });
    }
    if (user.persona === 'admin') {
      if (rng.chance(firstDay ? 0.8 : 0.01)) track('Integration Connected', { integration: rng.pick(integrations) });
      if (rng.chance(firstDay ? 0.9 : 0.04)) track('User Invited', { role: rng.chance(0.8) ? 'member' : 'admin' });
    }
  }
  return messages;
}
