// The demo workspace's catalogues: a fictional vendor of a process-automation platform and its customers.
import type { BuyingCulture } from '../accounts/accounts.schema.ts';
import type { Persona } from '../contacts/contacts.schema.ts';
import type { Channel } from '../timeline/timeline.schema.ts';

/** Fixed so that `momentum demo` and `npm start` recognise an existing demo workspace. */
export const DEMO_WORKSPACE_ID = '6d6f6d65-6e74-4075-8d00-64656d6f0001';
export const DEMO_WORKSPACE_NAME = 'Momentum Demo';
export const DEMO_POSTAL_ADDRESS = 'Momentum Demo Ltd, 42 Harbour Street, Leith, Edinburgh EH6 6LD, United Kingdom';
export const DEMO_ADMIN_EMAIL = 'admin@momentum.demo';
/** Printed by `npm start` while the demo admin keeps it; not a secret. */
export const DEMO_ADMIN_PASSWORD = 'momentum-demo';

export interface DemoMemberSpec {
  key: string;
  name: string;
  roles: ('admin' | 'csm' | 'account_manager' | 'marketing' | 'support' | 'executive')[];
}

export const demoMembers: DemoMemberSpec[] = [
  { key: 'admin', name: 'Alex Morgan', roles: ['admin', 'csm'] },
  { key: 'csm1', name: 'Priya Natarajan', roles: ['csm'] },
  { key: 'csm2', name: 'Jonas Weber', roles: ['csm'] },
  { key: 'csm3', name: 'Chloé Martin', roles: ['csm'] },
  { key: 'csm4', name: 'Marcus Hale', roles: ['csm'] },
  { key: 'csm5', name: 'Aiko Tanaka', roles: ['csm'] },
  { key: 'csm6', name: 'Diego Ramírez', roles: ['csm'] },
  { key: 'am1', name: 'Sarah O’Connell', roles: ['account_manager'] },
  { key: 'am2', name: 'Tom Becker', roles: ['account_manager'] },
  { key: 'marketing', name: 'Lena Fischer', roles: ['marketing'] },
  { key: 'support', name: 'Omar Haddad', roles: ['support'] },
  { key: 'executive', name: 'Grace Whitfield', roles: ['executive'] },
];

/** CSMs by region; tech-touch accounts go to the pooled digital CSM (the admin, who also works as a CSM). */
export const csmsByRegion: Record<string, string[]> = {
  EMEA: ['csm2', 'csm3'],
  AMER: ['csm1', 'csm4', 'csm6'],
  // The demo admin (a CSM too) shares APAC's high- and low-touch accounts (a third of them), so their "My moments"
  // has CSM-led moments besides the pooled tech-touch ones.
  APAC: ['csm5', 'csm5', 'admin'],
};
export const pooledCsm = 'admin';
export const amsByRegion: Record<string, string> = { EMEA: 'am2', AMER: 'am1', APAC: 'am1' };

export interface Offering {
  name: string;
  /** List price per unit per year. */
  unitPrice: number;
  unit: 'seat' | 'instance' | 'bundle';
  core: boolean;
}

export const offerings: Offering[] = [
  { name: 'Flow Platform', unitPrice: 420, unit: 'seat', core: true },
  { name: 'Process Mining', unitPrice: 18_000, unit: 'instance', core: false },
  { name: 'Analytics Suite', unitPrice: 180, unit: 'seat', core: false },
  { name: 'Integration Hub', unitPrice: 12_000, unit: 'instance', core: false },
  { name: 'Mobile Workforce', unitPrice: 96, unit: 'seat', core: false },
  { name: 'AI Assistant', unitPrice: 9_000, unit: 'bundle', core: false },
];

export const oneOffServices = [
  { name: 'Implementation services', unitPrice: 1_600 },
  { name: 'Admin training', unitPrice: 2_400 },
  { name: 'Process design workshop', unitPrice: 6_500 },
];

export const serviceNames = ['Implementation', 'Admin training', 'Process design workshop', 'Health check', 'Dedicated technical account manager'];
export const supportLevels = ['Standard (business hours)', 'Premium (24x5, 4 h response)', 'Enterprise (24x7, 1 h response)'];

export const regions = ['EMEA', 'AMER', 'APAC'] as const;
export type Region = (typeof regions)[number];
export const tldsByRegion: Record<Region, string[]> = {
  EMEA: ['.com', '.eu', '.de', '.co.uk', '.fr', '.nl', '.se'],
  AMER: ['.com', '.com', '.io', '.ca', '.com.br'],
  APAC: ['.com', '.com.au', '.co.jp', '.sg', '.in', '.co.nz'],
};

export const industries = [
  'Manufacturing',
  'Financial Services',
  'Healthcare',
  'Retail',
  'Software',
  'Logistics',
  'Energy',
  'Public Sector',
  'Telecommunications',
  'Insurance',
];

export const industrySuffixes: Record<string, string[]> = {
  Manufacturing: ['Industries', 'Manufacturing', 'Components', 'Fabrication', 'Works'],
  'Financial Services': ['Capital', 'Financial', 'Bank', 'Partners', 'Wealth'],
  Healthcare: ['Health', 'Medical', 'Care', 'Clinics', 'Life Sciences'],
  Retail: ['Retail', 'Stores', 'Market', 'Brands', 'Outfitters'],
  Software: ['Software', 'Labs', 'Systems', 'Technologies', 'Cloud'],
  Logistics: ['Logistics', 'Freight', 'Shipping', 'Transport', 'Supply'],
  Energy: ['Energy', 'Power', 'Renewables', 'Utilities', 'Grid'],
  'Public Sector': ['Council', 'Agency', 'Authority', 'Services', 'Trust'],
  Telecommunications: ['Telecom', 'Networks', 'Communications', 'Connect', 'Mobile'],
  Insurance: ['Insurance', 'Assurance', 'Mutual', 'Underwriters', 'Risk'],
};

export const namePrefixes = [
  'Northwind',
  'Bluefin',
  'Harbor',
  'Meridian',
  'Summit',
  'Crescent',
  'Ironwood',
  'Silverline',
  'Redwood',
  'Polaris',
  'Evergreen',
  'Granite',
  'Lumen',
  'Vantage',
  'Cobalt',
  'Aurora',
  'Keystone',
  'Pinnacle',
  'Riverside',
  'Sterling',
  'Orchid',
  'Falcon',
  'Beacon',
  'Cedar',
  'Atlas',
  'Horizon',
  'Oakridge',
  'Quartz',
  'Tidewater',
  'Zephyr',
  'Nordic',
  'Alpine',
  'Bayview',
  'Copperleaf',
  'Driftwood',
  'Elmstead',
  'Fjord',
  'Glacier',
  'Highgate',
  'Juniper',
  'Kestrel',
  'Larkspur',
  'Mistral',
  'Nimbus',
  'Obsidian',
  'Pacifica',
  'Rosewood',
  'Saffron',
  'Thornbury',
  'Umber',
  'Verdant',
  'Westbrook',
  'Yarrow',
  'Zenith',
  'Ashford',
  'Brightwater',
  'Clearwater',
  'Dunmore',
  'Eastgate',
  'Foxglove',
];

export const firstNames = [
  'Olivia',
  'Liam',
  'Emma',
  'Noah',
  'Amelia',
  'Lucas',
  'Sofia',
  'Mateo',
  'Hannah',
  'Elias',
  'Mia',
  'Leon',
  'Isabel',
  'Arjun',
  'Yuki',
  'Wei',
  'Fatima',
  'Kwame',
  'Ingrid',
  'Pierre',
  'Camila',
  'Rahul',
  'Zara',
  'Finn',
  'Nadia',
  'Hugo',
  'Leila',
  'Ethan',
  'Maya',
  'Oscar',
  'Anika',
  'Samuel',
  'Chiara',
  'Tariq',
  'Freya',
  'Daniel',
  'Mei',
  'Jakob',
  'Aisha',
  'Ravi',
];

export const lastNames = [
  'Anderson',
  'Bauer',
  'Chen',
  'Dubois',
  'Evans',
  'Fernández',
  'Garcia',
  'Hansen',
  'Ibrahim',
  'Johansson',
  'Kowalski',
  'Larsen',
  'Müller',
  'Nakamura',
  'Okafor',
  'Patel',
  'Quinn',
  'Rossi',
  'Schmidt',
  'Thompson',
  'Ueda',
  'Varga',
  'Williams',
  'Xu',
  'Yilmaz',
  'Zimmermann',
  'Moreau',
  'Singh',
  'Kim',
  'Novak',
  'Costa',
  'Brennan',
  'Lindqvist',
  'Sato',
  'Mensah',
  'Horvat',
  'Andersen',
  'Delgado',
  'Fischer',
  'Walsh',
];

export const titlesByPersona: Record<Persona, string[]> = {
  executive_sponsor: ['Chief Operating Officer', 'VP Operations', 'Chief Information Officer', 'VP Digital Transformation'],
  champion: ['Director of Process Excellence', 'Head of Operations', 'Automation Lead', 'Business Transformation Manager'],
  admin: ['Platform Administrator', 'IT Systems Manager', 'Solutions Architect'],
  end_user: ['Process Analyst', 'Operations Specialist', 'Team Lead', 'Business Analyst'],
  buyer: ['Procurement Manager', 'Head of Procurement', 'Vendor Manager'],
  other: ['Finance Controller', 'Security Officer', 'Data Protection Officer'],
};

export const buyingCultureWeights: [BuyingCulture, number][] = [
  ['value_offered', 3],
  ['value_added', 3],
  ['value_created', 2],
  ['value_captured', 2],
];

export const accountTags = ['strategic', 'reference', 'at-risk', 'expansion', 'partner-sourced', 'beta-program', 'champion-change', 'multi-region'];
export const planOptions = ['starter', 'growth', 'enterprise'];

export type InteractionKind = 'meeting' | 'call' | 'email' | 'webinar' | 'case' | 'qbr' | 'in_app' | 'survey' | 'training';

/**
 * Timeline templates: what happened, through which channel, digital or not, recorded by whom (`source`: the
 * system that saw it; null when the account's CSM recorded it). `{c}` is the contact, `{o}` an offering.
 */
export const interactionTemplates: Record<InteractionKind, { kind: string; channel: Channel; digital: boolean; source: string | null; summaries: string[] }> = {
  meeting: {
    kind: 'meeting_held',
    channel: 'meeting',
    digital: false,
    source: null,
    summaries: ['Working session with {c} on {o} roll-out', 'Site visit: reviewed automation backlog with {c}', 'Success plan check-in with {c}'],
  },
  call: {
    kind: 'call_held',
    channel: 'call',
    digital: false,
    source: null,
    summaries: ['Call with {c} about adoption of {o}', 'Escalation call with {c}', 'Renewal pre-call with {c}'],
  },
  email: {
    kind: 'email_sent',
    channel: 'email',
    digital: true,
    source: null,
    summaries: ['Sent {c} the {o} best-practice guide', 'Follow-up email to {c} with meeting notes', 'Release notes digest sent to {c}'],
  },
  webinar: {
    kind: 'webinar_attended',
    channel: 'webinar',
    digital: true,
    source: 'Webinar platform',
    summaries: ['{c} attended "Getting more from {o}"', '{c} attended the quarterly product update webinar'],
  },
  case: {
    kind: 'case_opened',
    channel: 'portal',
    digital: true,
    source: 'Support portal',
    summaries: ['{c} opened a case: {o} sync failing', '{c} opened a case: question about user provisioning', '{c} opened a case: report export slow'],
  },
  qbr: {
    kind: 'qbr_held',
    channel: 'meeting',
    digital: false,
    source: null,
    summaries: ['Quarterly business review with {c}: outcomes on track', 'QBR with {c}: agreed next quarter priorities for {o}'],
  },
  in_app: {
    kind: 'in_app_guide_completed',
    channel: 'in_app',
    digital: true,
    source: 'In-app guides',
    summaries: ['{c} completed the {o} in-app onboarding guide', '{c} dismissed the {o} feature announcement'],
  },
  survey: {
    kind: 'survey_answered',
    channel: 'survey',
    digital: true,
    source: 'Surveys',
    summaries: ['{c} answered the NPS survey', '{c} answered the onboarding satisfaction survey'],
  },
  training: {
    kind: 'training_completed',
    channel: 'webinar',
    digital: true,
    source: 'Momentum Academy',
    summaries: ['{c} completed {o} admin training', '{c} completed the {o} certification course'],
  },
};

/** How often each touch model produces each kind of interaction (relative weights). */
export const interactionMix: Record<'high' | 'low' | 'tech', [InteractionKind, number][]> = {
  high: [
    ['meeting', 5],
    ['call', 4],
    ['email', 4],
    ['webinar', 1],
    ['case', 2],
    ['qbr', 1],
    ['survey', 1],
    ['training', 1],
  ],
  low: [
    ['call', 3],
    ['email', 5],
    ['webinar', 3],
    ['case', 2],
    ['in_app', 2],
    ['survey', 1],
    ['training', 1],
    ['meeting', 1],
  ],
  tech: [
    ['email', 5],
    ['webinar', 3],
    ['in_app', 5],
    ['case', 2],
    ['survey', 1],
    ['training', 1],
  ],
};
