// Response shapes of the API routes the console calls. The enums come from the one shared schema
// file (accounts.schema.ts); everything else mirrors the route files' response schemas.
import type { BuyingCulture, DigitalType, TouchModel } from '../../src/modules/accounts/accounts.schema.ts';

export const memberRoles = ['admin', 'csm', 'account_manager', 'marketing', 'support', 'executive', 'partner'] as const;
export type MemberRole = (typeof memberRoles)[number];
/** Account-team roles: every member role but admin. */
export const teamRoles = ['csm', 'account_manager', 'marketing', 'support', 'executive', 'partner'] as const;
export type TeamRole = (typeof teamRoles)[number];
export const apiKeyScopes = ['admin', 'ingest'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];
export const customFieldTypes = ['text', 'number', 'boolean', 'date', 'select'] as const;
export type CustomFieldType = (typeof customFieldTypes)[number];
export const timelineChannels = ['email', 'meeting', 'call', 'in_app', 'webinar', 'portal', 'case', 'survey', 'other'] as const;
export type TimelineChannel = (typeof timelineChannels)[number];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface TeamMember {
  role: TeamRole;
  memberId: string;
  name: string;
}

interface AccountFields {
  id: string;
  externalId: string | null;
  name: string;
  domain: string | null;
  industry: string | null;
  region: string | null;
  employeeBand: string | null;
  offerings: string[];
  tags: string[];
  buyingCulture: BuyingCulture | null;
  touchModel: TouchModel | null;
  targetDigitalType: DigitalType | null;
  phase: string;
  custom: Record<string, unknown>;
  arr: number;
  nextRenewalDate: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Account extends AccountFields {
  team: TeamMember[];
}

export interface AccountListItem extends AccountFields {
  csm: { id: string; name: string } | null;
}

export interface AccountList extends Page<AccountListItem> {
  total: number;
}

export interface AccountUpdate {
  name?: string;
  externalId?: string | null;
  domain?: string | null;
  industry?: string | null;
  region?: string | null;
  employeeBand?: string | null;
  offerings?: string[];
  tags?: string[];
  buyingCulture?: BuyingCulture | null;
  touchModel?: TouchModel | null;
  targetDigitalType?: DigitalType | null;
  phase?: string;
  custom?: Record<string, unknown>;
  team?: Partial<Record<TeamRole, string | null>>;
}

export interface Member {
  id: string;
  email: string;
  name: string;
  roles: MemberRole[];
  disabled: boolean;
  createdAt: string;
}

export interface Me {
  actor: { type: string; id: string | null; name: string; roles: string[] };
  member: Member | null;
  workspace: { id: string; name: string };
}

export interface SignInResult {
  member: Member;
  workspace: { id: string; name: string };
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  expiresAt: string | null;
}

export interface CustomField {
  id: string;
  entity: 'account' | 'contact';
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
  required: boolean;
}

export type { ContactView as Contact } from '../../src/modules/contacts/contacts.schema.ts';

export interface LineItem {
  offering: string;
  quantity: number;
  unitPrice: number;
  billing: 'recurring' | 'one_off';
  renewable: boolean;
}

export interface Contract {
  id: string;
  accountId: string;
  name: string;
  status: 'draft' | 'active' | 'expired' | 'cancelled';
  startDate: string;
  endDate: string;
  renewalDate: string | null;
  autoRenew?: boolean;
  currency?: string;
  services: string[];
  supportEntitlement: string | null;
  arr: number;
  lineItems: LineItem[];
}

export type { TimelineEntryView as TimelineItem } from '../../src/modules/timeline/timeline.schema.ts';
