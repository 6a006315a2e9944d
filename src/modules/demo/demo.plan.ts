// The demo data as a pure function of a seed and a date: the same inputs always give the same workspace.
import type { BuyingCulture, DigitalType, TouchModel } from '../accounts/accounts.schema.ts';
import type { Persona } from '../contacts/contacts.schema.ts';
import type { Channel } from '../timeline/timeline.schema.ts';
import {
  accountTags,
  amsByRegion,
  buyingCultureWeights,
  csmsByRegion,
  firstNames,
  type InteractionKind,
  industries,
  industrySuffixes,
  interactionMix,
  interactionTemplates,
  lastNames,
  namePrefixes,
  offerings,
  oneOffServices,
  planOptions,
  pooledCsm,
  type Region,
  regions,
  serviceNames,
  supportLevels,
  titlesByPersona,
  tldsByRegion,
} from './demo.data.ts';
import { type PlannedUsage, planUsage } from './demo.usage.ts';

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; enough for demo data, never for secrets. */
export function prng(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const weighted = <T>(items: readonly (readonly [T, number])[]): T => {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let roll = next() * total;
    for (const [item, w] of items) {
      roll -= w;
      if (roll < 0) return item;
    }
    return (items.at(-1) as readonly [T, number])[0];
  };
  const chance = (p: number): boolean => next() < p;
  const sample = <T>(items: readonly T[], n: number): T[] => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy.slice(0, n);
  };
  /** Log-uniform: realistic for revenue, where small deals are many and big ones few. */
  const logUniform = (min: number, max: number): number => Math.exp(Math.log(min) + next() * (Math.log(max) - Math.log(min)));
  return { next, int, pick, weighted, chance, sample, logUniform };
}

export type Rng = ReturnType<typeof prng>;

export interface PlannedContact {
  name: string;
  email: string;
  title: string;
  persona: Persona;
}

export interface PlannedLineItem {
  offering: string;
  quantity: number;
  unitPrice: number;
  billing: 'recurring' | 'one_off';
  renewable: boolean;
}

export interface PlannedContract {
  name: string;
  status: 'active' | 'expired';
  startDate: string;
  endDate: string;
  renewalDate: string | null;
  autoRenew: boolean;
  services: string[];
  supportEntitlement: string;
  lineItems: PlannedLineItem[];
}

export interface PlannedInteraction {
  occurredAt: Date;
  /** Index into the account's contacts. */
  contact: number;
  kind: string;
  channel: Channel;
  digital: boolean;
  summary: string;
  /** Who recorded it: a member key (demo.data.ts), or the name of the system that saw it (webinar platform, portal...). */
  recordedBy: { member: string } | { system: string };
}

export interface PlannedAccount {
  externalId: string;
  name: string;
  domain: string;
  industry: string;
  region: Region;
  employeeBand: string;
  offerings: string[];
  tags: string[];
  buyingCulture: BuyingCulture;
  touchModel: TouchModel;
  targetDigitalType: DigitalType;
  phase: 'onboarding' | 'ongoing' | 'renewal';
  custom: { plan: string; nps_owner: string; go_live_date: string };
  /** Member keys by account team role (demo.data.ts); null where the account has nobody in that role. */
  team: { csm: string; account_manager: string; marketing: string; support: string; executive: string | null };
  contacts: PlannedContact[];
  contracts: PlannedContract[];
  interactions: PlannedInteraction[];
  /** How the account's users use the product over the last 90 days (demo.usage.ts turns it into Segment messages). */
  usage: PlannedUsage;
}

const DAY = 86_400_000;
const isoDate = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (date: string, days: number) => isoDate(new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY));
const addMonths = (date: string, months: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return isoDate(d);
};
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
const ascii = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();

/** Plans `count` accounts as of `now`; deterministic for a given seed, count and day. */
export function planDemo(now: Date, count = 200, seed = 20_240_601): PlannedAccount[] {
  const rng = prng(seed);
  const today = isoDate(now);
  const names = new Set<string>();
  const domains = new Set<string>();
  const accounts: PlannedAccount[] = [];
  // CSM-led accounts go round the region's CSMs in turn, so every CSM has a book of about the same size.
  const turns = new Map<string, number>();
  const nextCsm = (region: Region) => {
    const csms = csmsByRegion[region] ?? [pooledCsm];
    const turn = turns.get(region) ?? 0;
    turns.set(region, turn + 1);
    return csms[turn % csms.length] ?? pooledCsm;
  };
  for (let i = 0; i < count; i++) {
    const industry = rng.pick(industries);
    let name = '';
    do name = `${rng.pick(namePrefixes)} ${rng.pick(industrySuffixes[industry] ?? ['Group'])}`;
    while (names.has(name));
    names.add(name);
    const region = rng.weighted<Region>([
      [regions[0], 4],
      [regions[1], 4],
      [regions[2], 2],
    ]);
    let domain = `${ascii(name)}${rng.pick(tldsByRegion[region])}`;
    for (let n = 2; domains.has(domain); n++) domain = `${ascii(name)}${n}.com`;
    domains.add(domain);
    accounts.push(planAccount(rng, today, now, i, { name, domain, industry, region }, nextCsm));
  }
  // Product usage from its own generator, so the accounts, contacts and contracts above do not depend on it.
  const usageRng = prng(seed + 1);
  for (const account of accounts) account.usage = planUsage(usageRng, today, account);
  return accounts;
}

function planAccount(
  rng: Rng,
  today: string,
  now: Date,
  index: number,
  base: { name: string; domain: string; industry: string; region: Region },
  nextCsm: (region: Region) => string,
): PlannedAccount {
  const touchModel = rng.weighted<TouchModel>([
    ['high', 2],
    ['low', 3.5],
    ['tech', 4.5],
  ]);
  const targetArr =
    touchModel === 'high' ? rng.logUniform(100_000, 650_000) : touchModel === 'low' ? rng.logUniform(25_000, 99_000) : rng.logUniform(3_000, 24_000);
  const main = planMainContract(rng, today, touchModel, targetArr);
  const contracts = [main];
  const expansion = rng.chance(0.25) ? planExpansion(rng, today, main) : undefined;
  if (expansion) contracts.push(expansion);
  else if (rng.chance(0.2)) contracts.push(planPreviousTerm(main));
  const daysSinceStart = daysBetween(main.startDate, today);
  const daysToEnd = daysBetween(today, main.endDate);
  const phase = daysSinceStart <= 120 ? 'onboarding' : daysToEnd <= 90 ? 'renewal' : 'ongoing';
  const arr = contracts
    .filter((c) => c.status === 'active')
    .flatMap((c) => c.lineItems)
    .filter((l) => l.billing === 'recurring')
    .reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
  const contacts = planContacts(rng, base.domain, touchModel);
  const champion = contacts.find((c) => c.persona === 'champion') ?? (contacts[0] as PlannedContact);
  const csm = touchModel === 'tech' ? pooledCsm : nextCsm(base.region);
  const tags = rng.sample(
    accountTags,
    rng.weighted([
      [0, 3],
      [1, 4],
      [2, 2],
    ]),
  );
  if (arr >= 250_000 && !tags.includes('strategic')) tags.push('strategic');
  const owned = [
    ...new Set(contracts.filter((c) => c.status === 'active').flatMap((c) => c.lineItems.filter((l) => l.billing === 'recurring').map((l) => l.offering))),
  ];
  return {
    externalId: `ACC-${String(10_001 + index)}`,
    ...base,
    employeeBand: employeeBand(rng, arr),
    offerings: owned,
    tags: tags.sort(),
    buyingCulture: rng.weighted(buyingCultureWeights),
    touchModel,
    targetDigitalType: digitalType(rng, touchModel),
    phase,
    custom: {
      plan: rng.chance(0.85) ? (touchModel === 'high' ? 'enterprise' : touchModel === 'low' ? 'growth' : 'starter') : rng.pick(planOptions),
      nps_owner: champion.name,
      go_live_date: addDays(main.startDate, rng.int(45, 90)),
    },
    // Marketing and support work every account; the executive sponsors the CSM-led (high- and low-touch) ones.
    team: {
      csm,
      account_manager: amsByRegion[base.region] ?? 'am1',
      marketing: 'marketing',
      support: 'support',
      executive: touchModel === 'tech' ? null : 'executive',
    },
    contacts,
    contracts,
    interactions: planInteractions(rng, now, touchModel, contacts, csm, phase === 'onboarding' ? daysSinceStart : undefined),
    usage: { trend: 'steady', turnDaysAgo: 0, activationDaysAgo: null, extraUsers: 0, seed: 0 },
  };
}

function employeeBand(rng: Rng, arr: number): string {
  if (arr < 10_000) return rng.pick(['11-50', '51-200']);
  if (arr < 25_000) return rng.pick(['51-200', '201-1000']);
  if (arr < 100_000) return rng.pick(['201-1000', '1001-5000']);
  return rng.pick(['1001-5000', '5001+', '5001+']);
}

function digitalType(rng: Rng, touch: TouchModel): DigitalType {
  if (touch === 'tech') return rng.chance(0.9) ? 'digital_first' : 'digital_hybrid';
  if (touch === 'low')
    return rng.weighted<DigitalType>([
      ['digital_hybrid', 7],
      ['digital_first', 2],
      ['digital_support', 1],
    ]);
  return rng.chance(0.5) ? 'digital_support' : 'digital_hybrid';
}

function planMainContract(rng: Rng, today: string, touch: TouchModel, targetArr: number): PlannedContract {
  const onboarding = rng.chance(0.18);
  let startDate: string;
  let endDate: string;
  if (onboarding) {
    // Within the demo's history (the models went live DEMO_MODELS_LIVE_DAYS ago), so the engine saw each onboarding start.
    startDate = addDays(today, -rng.int(5, 55));
    endDate = addDays(addMonths(startDate, rng.pick([12, 24, 36])), -1);
  } else {
    // About a quarter renew within 90 days, so "Renewing in 90 days" is a useful segment.
    endDate = addDays(today, rng.chance(0.25) ? rng.int(3, 89) : rng.int(95, 700));
    const term = [12, 24, 36].find((months) => daysBetween(addDays(addMonths(endDate, -months), 1), today) > 121) ?? 36;
    startDate = addDays(addMonths(endDate, -term), 1);
  }
  const discount = touch === 'high' ? rng.int(10, 25) / 100 : touch === 'low' ? rng.int(0, 15) / 100 : 0;
  const price = (list: number) => Math.round(list * (1 - discount));
  // Only add-ons the customer's budget can carry (a small tech-touch customer does not buy a 12k instance).
  const addOns = rng.sample(
    offerings.filter((o) => !o.core && o.unitPrice * minQuantity(o) <= targetArr * 0.4),
    touch === 'high' ? rng.int(2, 4) : touch === 'low' ? rng.int(1, 2) : rng.int(0, 1),
  );
  const lineItems: PlannedLineItem[] = [];
  let addOnArr = 0;
  for (const addOn of addOns) {
    const share = targetArr * (rng.int(8, 18) / 100);
    const quantity = Math.max(minQuantity(addOn), Math.round(share / price(addOn.unitPrice)));
    addOnArr += quantity * price(addOn.unitPrice);
    lineItems.push({ offering: addOn.name, quantity, unitPrice: price(addOn.unitPrice), billing: 'recurring', renewable: true });
  }
  const platform = offerings[0] as (typeof offerings)[number];
  const seats = Math.max(5, Math.round((targetArr - addOnArr) / price(platform.unitPrice)));
  lineItems.unshift({ offering: platform.name, quantity: seats, unitPrice: price(platform.unitPrice), billing: 'recurring', renewable: true });
  // Some customers carry temporary seats for a project: recurring this term, not renewed.
  if (touch !== 'tech' && rng.chance(0.15)) {
    lineItems.push({ offering: platform.name, quantity: rng.int(2, 8) * 10, unitPrice: price(platform.unitPrice), billing: 'recurring', renewable: false });
  }
  const services: string[] = [];
  if (touch !== 'tech' || rng.chance(0.3)) {
    const service = rng.pick(oneOffServices);
    services.push(service.name === 'Implementation services' ? 'Implementation' : service.name);
    lineItems.push({
      offering: service.name,
      quantity: rng.int(2, touch === 'high' ? 30 : 8),
      unitPrice: service.unitPrice,
      billing: 'one_off',
      renewable: false,
    });
  }
  if (touch === 'high' && rng.chance(0.5)) services.push(rng.pick(serviceNames.slice(3)));
  const autoRenew = rng.chance(touch === 'tech' ? 0.9 : 0.6);
  return {
    name: `Subscription ${startDate.slice(0, 4)}`,
    status: 'active',
    startDate,
    endDate,
    renewalDate: endDate,
    autoRenew,
    services: [...new Set(services)],
    supportEntitlement:
      touch === 'high' ? rng.pick(supportLevels.slice(1)) : touch === 'low' ? rng.pick(supportLevels.slice(0, 2)) : (supportLevels[0] as string),
    lineItems,
  };
}

/** An add-on order co-terminated with the main subscription, worth a fraction of it; none when nothing fits. */
function planExpansion(rng: Rng, today: string, main: PlannedContract): PlannedContract | undefined {
  const owned = new Set(main.lineItems.map((l) => l.offering));
  const mainArr = main.lineItems.filter((l) => l.billing === 'recurring').reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
  const budget = mainArr * (rng.int(10, 25) / 100);
  const addOn = offerings.find((o) => !o.core && !owned.has(o.name) && o.unitPrice * minQuantity(o) <= budget);
  if (!addOn) return undefined;
  // Signed at least a month into the subscription and at least a week ago.
  const latest = Math.min(daysBetween(main.startDate, today) - 7, 300);
  if (latest < 30) return undefined;
  return {
    name: `${addOn.name} expansion`,
    status: 'active',
    startDate: addDays(main.startDate, rng.int(30, latest)),
    endDate: main.endDate,
    renewalDate: main.endDate,
    autoRenew: main.autoRenew,
    services: [],
    supportEntitlement: main.supportEntitlement,
    lineItems: [
      {
        offering: addOn.name,
        quantity: Math.max(minQuantity(addOn), Math.round(budget / addOn.unitPrice)),
        unitPrice: addOn.unitPrice,
        billing: 'recurring',
        renewable: true,
      },
    ],
  };
}

const minQuantity = (o: (typeof offerings)[number]) => (o.unit === 'seat' ? 10 : 1);

/** The term before the current one, now expired (history on the account page). */
function planPreviousTerm(main: PlannedContract): PlannedContract {
  const endDate = addDays(main.startDate, -1);
  const startDate = addDays(addMonths(endDate, -12), 1);
  return {
    name: `Subscription ${startDate.slice(0, 4)}`,
    status: 'expired',
    startDate,
    endDate,
    renewalDate: null,
    autoRenew: false,
    services: ['Implementation'],
    supportEntitlement: supportLevels[0] as string,
    lineItems: main.lineItems
      .filter((l) => l.billing === 'recurring' && l.renewable)
      .map((l) => ({ ...l, quantity: Math.max(1, Math.round(l.quantity * 0.7)), unitPrice: Math.round(l.unitPrice * 0.95) })),
  };
}

function planContacts(rng: Rng, domain: string, touch: TouchModel): PlannedContact[] {
  const count = touch === 'high' ? rng.int(4, 6) : touch === 'low' ? rng.int(3, 5) : rng.int(2, 4);
  const personas: Persona[] = touch === 'tech' ? ['champion', 'admin'] : ['executive_sponsor', 'champion', 'admin'];
  while (personas.length < count)
    personas.push(
      rng.weighted<Persona>([
        ['end_user', 4],
        ['buyer', 2],
        ['other', 1],
      ]),
    );
  const used = new Set<string>();
  return personas.slice(0, count).map((persona) => {
    let first = '';
    let last = '';
    do {
      first = rng.pick(firstNames);
      last = rng.pick(lastNames);
    } while (used.has(`${first} ${last}`));
    used.add(`${first} ${last}`);
    return { name: `${first} ${last}`, email: `${ascii(first)}.${ascii(last)}@${domain}`, title: rng.pick(titlesByPersona[persona]), persona };
  });
}

/** A few months of timeline; an onboarding account's starts with its kickoff (`sinceStart` days ago). */
function planInteractions(
  rng: Rng,
  now: Date,
  touch: TouchModel,
  contacts: PlannedContact[],
  csm: string,
  sinceStart: number | undefined,
): PlannedInteraction[] {
  const count = touch === 'high' ? rng.int(14, 22) : touch === 'low' ? rng.int(8, 14) : rng.int(5, 10);
  const windowDays = sinceStart ?? 120;
  const owned = offerings.map((o) => o.name);
  const at = (daysAgo: number) => {
    const day = new Date(now.getTime() - daysAgo * DAY);
    day.setUTCHours(rng.int(8, 17), rng.pick([0, 15, 30, 45]), 0, 0);
    return day.getTime() > now.getTime() ? new Date(now.getTime() - rng.int(1, 60) * 60_000) : day;
  };
  const entry = (kind: InteractionKind, daysAgo: number, summary?: string): PlannedInteraction => {
    const template = interactionTemplates[kind];
    const contact = rng.int(0, contacts.length - 1);
    const text = summary ?? rng.pick(template.summaries).replace('{o}', rng.pick(owned));
    return {
      occurredAt: at(daysAgo),
      contact,
      kind: template.kind,
      channel: template.channel,
      digital: template.digital,
      summary: text.replace('{c}', contacts[contact]?.name ?? 'the customer'),
      recordedBy: template.source === null ? { member: csm } : { system: template.source },
    };
  };
  const entries: PlannedInteraction[] = [];
  if (sinceStart !== undefined) entries.push({ ...entry('meeting', sinceStart, 'Onboarding kickoff with {c}'), kind: 'kickoff_held' });
  for (let i = 0; i < count; i++) entries.push(entry(rng.weighted<InteractionKind>(interactionMix[touch]), rng.int(0, Math.max(1, windowDays))));
  return entries.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
}
