// What templates can say about a contact: the variable tree (checked at save) and its values for a batch of contacts,
// read in one query (contacts, their accounts, account teams and metric values) so that a 100k-contact campaign reads
// its data in a few hundred queries, not a few hundred thousand.
import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';
import { teamRoles } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { listCustomFields } from '../customfields/customfields.ts';
import { getWorkspace } from '../workspaces/workspaces.ts';
import type { VariableCheck } from './templates.render.ts';

const contactFields = ['id', 'name', 'first_name', 'last_name', 'email', 'title', 'phone', 'persona'];
const accountFields = [
  'id',
  'name',
  'domain',
  'industry',
  'region',
  'employee_band',
  'phase',
  'arr',
  'next_renewal_date',
  'touch_model',
  'buying_culture',
  'target_digital_type',
  'offerings',
  'tags',
];
const workspaceFields = ['name', 'postal_address'];
const linkFields = ['unsubscribe', 'preferences'];
/** Metric values cover the last 28 days (the middle of the console's 7/28/90-day windows). */
export const METRIC_WINDOW_DAYS = 28;

export interface VariableTree {
  contactCustom: string[];
  accountCustom: string[];
  metrics: string[];
}

export async function loadVariableTree(db: Db | Tx, workspaceId: string): Promise<VariableTree> {
  const [fields, metrics] = await Promise.all([
    listCustomFields(db, workspaceId),
    db.selectFrom('metric_definitions').select('key').where('workspace_id', '=', workspaceId).orderBy('key').execute(),
  ]);
  return {
    contactCustom: fields.filter((f) => f.entity === 'contact').map((f) => f.key),
    accountCustom: fields.filter((f) => f.entity === 'account').map((f) => f.key),
    metrics: metrics.map((m) => m.key),
  };
}

const oneOf = (list: string[]) => (list.length > 0 ? `one of ${list.join(', ')}` : 'there are none');

/** Checks a variable path used by a template against the tree; the message says what exists instead. */
export function variableChecker(tree: VariableTree): VariableCheck {
  return (path) => {
    const [root, first, second, ...rest] = path.split('.');
    const leaf = (known: string[], name: string | undefined, more: unknown[]) =>
      name && known.includes(name) && more.length === 0 ? null : `${root} has ${oneOf(known)}`;
    switch (root) {
      case 'contact':
      case 'account': {
        if (first === 'custom') {
          const keys = root === 'contact' ? tree.contactCustom : tree.accountCustom;
          return second && keys.includes(second) && rest.length === 0 ? null : `${root}.custom has ${oneOf(keys)} (custom fields of this workspace)`;
        }
        return leaf([...(root === 'contact' ? contactFields : accountFields), 'custom.<key>'], first, [second, ...rest].filter(Boolean));
      }
      case 'team':
        if (!first || !(teamRoles as readonly string[]).includes(first)) return `team has ${oneOf([...teamRoles])}`;
        return second && ['name', 'email'].includes(second) && rest.length === 0 ? null : `team.${first} has name, email`;
      case 'metrics':
        return first && tree.metrics.includes(first) && !second ? null : `metrics has ${oneOf(tree.metrics)} (metrics of this workspace)`;
      case 'workspace':
        return leaf(workspaceFields, first, [second, ...rest].filter(Boolean));
      case 'links':
        return leaf(linkFields, first, [second, ...rest].filter(Boolean));
      default:
        return 'variables start with contact, account, team, metrics, workspace or links';
    }
  };
}

/** Values that count as absent: a template needing them cannot be sent to that contact. */
const absent = (value: unknown) => value === null || value === undefined || (typeof value === 'string' && value.trim() === '');

function present(entries: [string, unknown][]): Record<string, unknown> {
  return Object.fromEntries(entries.filter(([, v]) => !absent(v)));
}

interface ContextRow {
  id: string;
  name: string;
  email: string;
  title: string | null;
  phone: string | null;
  persona: string;
  custom: Record<string, unknown> | null;
  account: Record<string, unknown> | null;
  team: Record<string, { name: string; email: string }> | null;
  metrics: Record<string, unknown> | null;
}

export interface ContactContext {
  contactId: string;
  context: Record<string, unknown>;
}

/**
 * Each contact's template context (contacts of other workspaces and unknown ids are left out). Absent values are
 * left out, so strict rendering names what a contact lacks; `links` is filled by the caller.
 */
export async function loadContexts(db: Db | Tx, clock: Clock, workspaceId: string, contactIds: string[]): Promise<Map<string, Record<string, unknown>>> {
  if (contactIds.length === 0) return new Map();
  const today = clock.now().toISOString().slice(0, 10);
  const result = await sql<ContextRow>`
    with c as (
      select * from contacts where workspace_id = ${workspaceId}::uuid and id = any(${contactIds}::uuid[])
    ), acc as (
      select distinct account_id from c where account_id is not null
    ), mv as (
      select acc.account_id, md.key, case md.kind
        when 'count' then (select to_jsonb(coalesce(sum(r.count), 0)) from event_rollups r where r.workspace_id = ${workspaceId}::uuid
          and r.account_id = acc.account_id and r.name = md.event_name and r.day > ${today}::date - ${METRIC_WINDOW_DAYS}::int)
        when 'distinct_users' then (select to_jsonb(count(distinct r.user_key) filter (where r.user_key <> '')) from event_rollups r
          where r.workspace_id = ${workspaceId}::uuid and r.account_id = acc.account_id and r.name = md.event_name
          and r.day > ${today}::date - ${METRIC_WINDOW_DAYS}::int)
        when 'sum' then (select to_jsonb(coalesce(sum(s.sum), 0)) from event_property_sums s where s.workspace_id = ${workspaceId}::uuid
          and s.account_id = acc.account_id and s.name = md.event_name and s.property = md.property and s.day > ${today}::date - ${METRIC_WINDOW_DAYS}::int)
        else (select to_jsonb(max(r.last_at)::date::text) from event_rollups r where r.workspace_id = ${workspaceId}::uuid
          and r.account_id = acc.account_id and r.name = md.event_name)
        end as value
      from acc cross join metric_definitions md where md.workspace_id = ${workspaceId}::uuid
    ), metrics as (
      select account_id, jsonb_object_agg(key, value) as metrics from mv group by account_id
    ), team as (
      select t.account_id, jsonb_object_agg(t.role, jsonb_build_object('name', m.name, 'email', m.email)) as team
      from account_team t join members m on m.workspace_id = t.workspace_id and m.id = t.member_id
      where t.workspace_id = ${workspaceId}::uuid and t.account_id in (select account_id from acc)
      group by t.account_id
    )
    select c.id, c.name, c.email, c.title, c.phone, c.persona, c.custom,
      case when a.id is null then null else jsonb_build_object('id', a.id, 'name', a.name, 'domain', a.domain, 'industry', a.industry,
        'region', a.region, 'employee_band', a.employee_band, 'phase', a.phase, 'arr', a.arr, 'next_renewal_date', a.next_renewal_date::text,
        'touch_model', a.touch_model, 'buying_culture', a.buying_culture, 'target_digital_type', a.target_digital_type,
        'offerings', a.offerings, 'tags', a.tags, 'custom', a.custom) end as account,
      team.team, metrics.metrics
    from c
    left join accounts a on a.workspace_id = c.workspace_id and a.id = c.account_id
    left join team on team.account_id = c.account_id
    left join metrics on metrics.account_id = c.account_id`.execute(db);
  const workspace = await getWorkspace(db as Db, workspaceId);
  const workspaceContext = present([
    ['name', workspace.name],
    ['postal_address', workspace.postalAddress],
  ]);
  const contexts = new Map<string, Record<string, unknown>>();
  for (const row of result.rows) contexts.set(row.id, contextOf(row, workspaceContext));
  return contexts;
}

function contextOf(row: ContextRow, workspace: Record<string, unknown>): Record<string, unknown> {
  const [firstName, ...rest] = row.name.trim().split(/\s+/);
  const contact = present([
    ['id', row.id],
    ['name', row.name],
    ['first_name', firstName],
    ['last_name', rest.join(' ')],
    ['email', row.email],
    ['title', row.title],
    ['phone', row.phone],
    ['persona', row.persona],
  ]);
  contact.custom = present(Object.entries(row.custom ?? {}));
  const context: Record<string, unknown> = { contact, workspace, account: { custom: {} }, team: {}, metrics: {}, links: {} };
  if (row.account) {
    const { custom, ...fields } = row.account;
    const account = present(Object.entries(fields));
    account.custom = present(Object.entries((custom as Record<string, unknown>) ?? {}));
    context.account = account;
  }
  context.team = Object.fromEntries(Object.entries(row.team ?? {}).map(([role, m]) => [role, present(Object.entries(m))]));
  context.metrics = present(Object.entries(row.metrics ?? {}).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v]));
  return context;
}

/** A made-up contact for previews before any contact is chosen (every variable has a value). */
export function sampleContext(tree: VariableTree, workspace: { name: string; postalAddress: string }): Record<string, unknown> {
  return {
    contact: {
      id: '00000000-0000-0000-0000-000000000000',
      name: 'Sam Sample',
      first_name: 'Sam',
      last_name: 'Sample',
      email: 'sam.sample@example.com',
      title: 'Head of Operations',
      phone: '+1 555 0100',
      persona: 'admin',
      custom: Object.fromEntries(tree.contactCustom.map((k) => [k, `(${k})`])),
    },
    account: {
      id: '00000000-0000-0000-0000-000000000000',
      name: 'Example Corp',
      domain: 'example.com',
      industry: 'Software',
      region: 'EMEA',
      employee_band: '201-1000',
      phase: 'onboarding',
      arr: 48000,
      next_renewal_date: '2027-03-31',
      touch_model: 'low',
      buying_culture: 'value_created',
      target_digital_type: 'digital_hybrid',
      offerings: ['Platform'],
      tags: [],
      custom: Object.fromEntries(tree.accountCustom.map((k) => [k, `(${k})`])),
    },
    team: Object.fromEntries(teamRoles.map((role) => [role, { name: `Your ${role.replace('_', ' ')}`, email: `${role}@vendor.example` }])),
    metrics: Object.fromEntries(tree.metrics.map((k) => [k, 42])),
    workspace: present([
      ['name', workspace.name],
      ['postal_address', workspace.postalAddress],
    ]),
  };
}
