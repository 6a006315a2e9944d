import { type RawBuilder, sql, type Updateable } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import { type Actor, type TeamRole, teamRoles } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { AppError, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import { type CustomField, checkCustomValues, listCustomFields } from '../customfields/customfields.ts';
import { teamChangeEvent } from '../events/events.catalog.ts';
import { recordMomentumEvents } from '../events/events.ts';
import { requireActiveMember } from '../members/members.ts';
import { compileFilter, sortSpec } from './accounts.queries.ts';
import {
  type AccountBulkAction,
  type AccountBulkResult,
  type AccountFilter,
  type AccountSort,
  allConditions,
  type BuyingCulture,
  type DigitalType,
  type TouchModel,
} from './accounts.schema.ts';
import type { AccountsTable } from './accounts.table.ts';

export interface TeamMember {
  role: TeamRole;
  memberId: string;
  name: string;
}

export interface Account {
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
  team: TeamMember[];
}

/** Writable account attributes (API, import and demo use the same names). */
export interface AccountInput {
  externalId?: string | null | undefined;
  name?: string | undefined;
  domain?: string | null | undefined;
  industry?: string | null | undefined;
  region?: string | null | undefined;
  employeeBand?: string | null | undefined;
  offerings?: string[] | undefined;
  tags?: string[] | undefined;
  buyingCulture?: BuyingCulture | null | undefined;
  touchModel?: TouchModel | null | undefined;
  targetDigitalType?: DigitalType | null | undefined;
  phase?: string | undefined;
  custom?: Record<string, unknown> | undefined;
  /** Role to member id; null removes the role from the team. */
  team?: Partial<Record<TeamRole, string | null>> | undefined;
}

type Row = AccountsTable & { offerings: string[]; tags: string[]; phase: string; custom: Record<string, unknown>; arr: number };

function toAccount(row: Row, team: TeamMember[] = []): Account {
  return {
    id: row.id,
    externalId: row.external_id,
    name: row.name,
    domain: row.domain,
    industry: row.industry,
    region: row.region,
    employeeBand: row.employee_band,
    offerings: row.offerings,
    tags: row.tags,
    buyingCulture: row.buying_culture as BuyingCulture | null,
    touchModel: row.touch_model as TouchModel | null,
    targetDigitalType: row.target_digital_type as DigitalType | null,
    phase: row.phase,
    custom: row.custom ?? {},
    arr: Number(row.arr),
    nextRenewalDate: row.next_renewal_date,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    team,
  };
}

function columns(input: AccountInput): Updateable<AccountsTable> {
  const c: Updateable<AccountsTable> = {};
  if (input.externalId !== undefined) c.external_id = input.externalId;
  if (input.name !== undefined) c.name = input.name;
  if (input.domain !== undefined) c.domain = input.domain;
  if (input.industry !== undefined) c.industry = input.industry;
  if (input.region !== undefined) c.region = input.region;
  if (input.employeeBand !== undefined) c.employee_band = input.employeeBand;
  if (input.offerings !== undefined) c.offerings = [...new Set(input.offerings)];
  if (input.tags !== undefined) c.tags = [...new Set(input.tags)];
  if (input.buyingCulture !== undefined) c.buying_culture = input.buyingCulture;
  if (input.touchModel !== undefined) c.touch_model = input.touchModel;
  if (input.targetDigitalType !== undefined) c.target_digital_type = input.targetDigitalType;
  if (input.phase !== undefined) c.phase = input.phase;
  return c;
}

function duplicateExternalId(error: unknown): never {
  if (isUniqueViolation(error, 'accounts_external_id_key')) {
    throw new AppError('conflict', 'Another account already has this external id', [{ path: 'externalId', message: 'is already used by another account' }]);
  }
  throw error;
}

async function loadTeam(db: Db, workspaceId: string, accountId: string): Promise<TeamMember[]> {
  const rows = await db
    .selectFrom('account_team')
    .innerJoin('members', (j) => j.onRef('members.workspace_id', '=', 'account_team.workspace_id').onRef('members.id', '=', 'account_team.member_id'))
    .select(['account_team.role', 'account_team.member_id', 'members.name'])
    .where('account_team.workspace_id', '=', workspaceId)
    .where('account_team.account_id', '=', accountId)
    .execute();
  return rows.map((r) => ({ role: r.role, memberId: r.member_id, name: r.name })).sort((a, b) => teamRoles.indexOf(a.role) - teamRoles.indexOf(b.role));
}

async function saveTeam(tx: Tx, workspaceId: string, accountId: string, team: AccountInput['team']) {
  if (!team) return;
  for (const [role, memberId] of Object.entries(team) as [TeamRole, string | null][]) {
    if (memberId === null) {
      await tx.deleteFrom('account_team').where('workspace_id', '=', workspaceId).where('account_id', '=', accountId).where('role', '=', role).execute();
      continue;
    }
    const member = await tx.selectFrom('members').select('id').where('workspace_id', '=', workspaceId).where('id', '=', memberId).executeTakeFirst();
    if (!member)
      throw new AppError('validation_failed', `team.${role}: no such member`, [{ path: `team.${role}`, message: 'is not a member of this workspace' }]);
    await tx
      .insertInto('account_team')
      .values({ workspace_id: workspaceId, account_id: accountId, role, member_id: memberId })
      .onConflict((oc) => oc.columns(['workspace_id', 'account_id', 'role']).doUpdateSet({ member_id: memberId }))
      .execute();
  }
}

export async function findAccount(db: Db, actor: Actor, id: string): Promise<Account | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('workspace_id', '=', actor.workspaceId).where('id', '=', id).executeTakeFirst();
  return row ? toAccount(row as Row, await loadTeam(db, actor.workspaceId, id)) : undefined;
}

export async function getAccount(db: Db, actor: Actor, id: string): Promise<Account> {
  const account = await findAccount(db, actor, id);
  if (!account) throw notFound('Account');
  return account;
}

export async function findAccountIdByExternalId(db: Db, workspaceId: string, externalId: string): Promise<string | undefined> {
  const row = await db.selectFrom('accounts').select('id').where('workspace_id', '=', workspaceId).where('external_id', '=', externalId).executeTakeFirst();
  return row?.id;
}

/** `fields` lets bulk callers (import) load custom field definitions once. */
export async function createAccount(db: Db, clock: Clock, actor: Actor, input: AccountInput & { name: string }, fields?: CustomField[]): Promise<Account> {
  return inTransaction(db, async (tx) => {
    const defs = fields ?? (await listCustomFields(tx, actor.workspaceId, 'account'));
    const custom = checkCustomValues(defs, input.custom ?? {}, undefined);
    const now = clock.now();
    const id = newId();
    const row = await tx
      .insertInto('accounts')
      .values({
        ...columns(input),
        workspace_id: actor.workspaceId,
        id,
        name: input.name,
        custom: JSON.stringify(custom) as never,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(duplicateExternalId);
    await saveTeam(tx, actor.workspaceId, id, input.team);
    const account = toAccount(row as Row, await loadTeam(tx, actor.workspaceId, id));
    await recordMomentumEvents(tx, clock, actor, 'accounts', [
      {
        accountId: id,
        name: 'Account Created',
        properties: { name: account.name, externalId: account.externalId, summary: `Account created: ${account.name}` },
        key: `created:${id}`,
      },
    ]);
    await recordAudit(tx, clock, actor, { action: 'account.created', entityType: 'account', entityId: id, after: account });
    return account;
  });
}

export async function updateAccount(db: Db, clock: Clock, actor: Actor, id: string, input: AccountInput, fields?: CustomField[]): Promise<Account> {
  return inTransaction(db, async (tx) => {
    const before = await getAccount(tx, actor, id);
    const defs = fields ?? (await listCustomFields(tx, actor.workspaceId, 'account'));
    const custom = input.custom ? checkCustomValues(defs, input.custom, before.custom) : undefined;
    const row = await tx
      .updateTable('accounts')
      .set({ ...columns(input), ...(custom && { custom: JSON.stringify(custom) as never }), updated_at: clock.now() })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(duplicateExternalId);
    await saveTeam(tx, actor.workspaceId, id, input.team);
    const after = toAccount(row as Row, await loadTeam(tx, actor.workspaceId, id));
    await recordTeamChanges(tx, clock, actor, before, after);
    await recordProfileChange(tx, clock, actor, before, after);
    await recordAudit(tx, clock, actor, { action: 'account.updated', entityType: 'account', entityId: id, before, after });
    return after;
  });
}

/**
 * Tags, untags or assigns a team role on many accounts in one transaction: every one changes, or none does. An
 * account deleted meanwhile stops the action (naming how many are gone); one being changed by another writer makes it
 * wait at most a few seconds, then stop. Each account changed is audited (and team changes are events) as a single
 * update would be; accounts already so are left alone.
 */
export async function bulkUpdateAccounts(db: Db, clock: Clock, actor: Actor, input: AccountBulkAction): Promise<AccountBulkResult> {
  const ids = [...new Set(input.ids)];
  try {
    return await inTransaction(db, async (tx) => {
      await sql`set local lock_timeout = '5s'`.execute(tx);
      const rows = await tx
        .selectFrom('accounts')
        .select(['id', 'tags'])
        .where('workspace_id', '=', actor.workspaceId)
        .where('id', 'in', ids)
        .forUpdate()
        .execute();
      if (rows.length < ids.length) {
        const found = new Set(rows.map((r) => r.id));
        const missing = ids.filter((id) => !found.has(id));
        throw new AppError(
          'conflict',
          `${missing.length} of the ${ids.length} selected accounts no longer exist: nothing was changed`,
          missing.slice(0, 20).map((id) => ({ path: `body.ids.${input.ids.indexOf(id)}`, message: 'no such account (deleted?)' })),
        );
      }
      if (input.action === 'assign' && input.memberId) await requireActiveMember(tx, actor.workspaceId, input.memberId);
      const fields = await listCustomFields(tx, actor.workspaceId, 'account');
      let changed = 0;
      for (const row of rows) {
        const tags = row.tags as string[];
        let change: AccountInput | undefined;
        if (input.action === 'tag' && !tags.includes(input.tag)) change = { tags: [...tags, input.tag] };
        else if (input.action === 'untag' && tags.includes(input.tag)) change = { tags: tags.filter((t) => t !== input.tag) };
        else if (input.action === 'assign') {
          const team = await loadTeam(tx, actor.workspaceId, row.id);
          if ((team.find((t) => t.role === input.role)?.memberId ?? null) !== input.memberId) change = { team: { [input.role]: input.memberId } };
        }
        if (!change) continue;
        await updateAccount(tx, clock, actor, row.id, change, fields);
        changed++;
      }
      return { action: input.action, selected: ids.length, changed };
    });
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') {
      throw new AppError('conflict', 'Another change to some of these accounts is in progress: nothing was changed, try again in a moment');
    }
    throw error;
  }
}

/**
 * "CSM Changed" and the other roles' events when an account's team changes (not when an account is created with its
 * team: there is nobody to introduce a new member to yet). A write that leaves the team as it was records nothing.
 */
async function recordTeamChanges(db: Db, clock: Clock, actor: Actor, before: Account, after: Account): Promise<void> {
  const events = teamRoles.flatMap((role) => {
    const was = before.team.find((t) => t.role === role);
    const is = after.team.find((t) => t.role === role);
    if (was?.memberId === is?.memberId) return [];
    const name = teamChangeEvent(role);
    const member = (t: TeamMember | undefined) => (t ? { id: t.memberId, name: t.name } : null);
    const summary = `${name.replace(/ Changed$/, '')}: ${was?.name ?? '(none)'} → ${is?.name ?? '(none)'}`;
    return [
      {
        accountId: after.id,
        name,
        properties: { role, oldMember: member(was), newMember: member(is), summary },
        key: `${name}:${after.id}:${newId()}`,
      },
    ];
  });
  await recordMomentumEvents(db, clock, actor, 'accounts', events);
}

/** The profile attributes whose change is an "Account Updated" event (the team has its own events; ARR and renewal follow contracts). */
const PROFILE_FIELDS = [
  'externalId',
  'name',
  'domain',
  'industry',
  'region',
  'employeeBand',
  'offerings',
  'tags',
  'buyingCulture',
  'touchModel',
  'targetDigitalType',
  'custom',
] as const;

/** "Account Updated" with the attributes that changed, before and after; a write that changes none records nothing. */
async function recordProfileChange(db: Db, clock: Clock, actor: Actor, before: Account, after: Account): Promise<void> {
  const changed = PROFILE_FIELDS.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));
  if (changed.length === 0) return;
  const pick = (account: Account) => Object.fromEntries(changed.map((field) => [field, account[field]]));
  await recordMomentumEvents(db, clock, actor, 'accounts', [
    {
      accountId: after.id,
      name: 'Account Updated',
      properties: { changed, before: pick(before), after: pick(after), summary: `Updated ${changed.join(', ')}` },
      key: `updated:${after.id}:${newId()}`,
    },
  ]);
}

/** Creates or updates the account with this external id (import). */
export async function upsertAccountByExternalId(
  db: Db,
  clock: Clock,
  actor: Actor,
  input: AccountInput & { externalId: string; name: string },
  fields?: CustomField[],
): Promise<{ account: Account; created: boolean }> {
  return inTransaction(db, async (tx) => {
    const id = await findAccountIdByExternalId(tx, actor.workspaceId, input.externalId);
    if (id) return { account: await updateAccount(tx, clock, actor, id, input, fields), created: false };
    return { account: await createAccount(tx, clock, actor, input, fields), created: true };
  });
}

export async function deleteAccount(db: Db, clock: Clock, actor: Actor, id: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const before = await getAccount(tx, actor, id);
    await tx.deleteFrom('accounts').where('workspace_id', '=', actor.workspaceId).where('id', '=', id).execute();
    await recordAudit(tx, clock, actor, { action: 'account.deleted', entityType: 'account', entityId: id, before });
  });
}

/** Contracts call this after any change: ARR and next renewal are derived from active contracts. Returns the ARR around it. */
export async function refreshAccountRevenue(db: Db, workspaceId: string, accountId: string): Promise<{ before: number; after: number }> {
  const result = await sql<{ before: string; after: string }>`
    with old as (select arr from accounts where workspace_id = ${workspaceId} and id = ${accountId})
    update accounts a set
      arr = coalesce((select sum(c.arr) from contracts c where c.workspace_id = a.workspace_id and c.account_id = a.id and c.status = 'active'), 0),
      next_renewal_date = (select min(coalesce(c.renewal_date, c.end_date)) from contracts c
                           where c.workspace_id = a.workspace_id and c.account_id = a.id and c.status = 'active')
    from old
    where a.workspace_id = ${workspaceId} and a.id = ${accountId}
    returning old.arr as before, a.arr as after`.execute(db);
  const row = result.rows[0];
  return { before: Number(row?.before ?? 0), after: Number(row?.after ?? 0) };
}

/**
 * What each account owns: (account_id, offering) once per pair, from its profile offerings and the line items of its
 * active contracts; only the given offerings when there are some (the profile side then uses the GIN index).
 */
function ownedOfferingsSql(workspaceId: string, offerings?: string[]): RawBuilder<unknown> {
  const onProfile = offerings ? sql`and a.offerings && ${offerings}::text[] and o.offering = any(${offerings}::text[])` : sql``;
  const inContracts = offerings ? sql`and li.offering = any(${offerings}::text[])` : sql``;
  return sql`
    select a.id as account_id, o.offering from accounts a, unnest(a.offerings) as o(offering)
    where a.workspace_id = ${workspaceId}::uuid ${onProfile}
    union
    select c.account_id, li.offering from contract_line_items li
    join contracts c on c.workspace_id = li.workspace_id and c.id = li.contract_id and c.status = 'active'
    where li.workspace_id = ${workspaceId}::uuid ${inContracts}`;
}

/**
 * The accounts owning any of these offerings (on their profile or in an active contract's bill of materials), as a
 * select of `account_id` and `properties` ({ownedOfferings}) for set-based writers (a release published to them).
 */
export function accountsOwningOfferingsSql(workspaceId: string, offerings: string[]): RawBuilder<unknown> {
  return sql`
    select account_id, jsonb_build_object('ownedOfferings', jsonb_agg(offering order by offering)) as properties
    from (${ownedOfferingsSql(workspaceId, offerings)}) owned group by account_id`;
}

/** How many accounts own any of these offerings (a release's audience before it is published). */
export async function countAccountsOwningOfferings(db: Db, workspaceId: string, offerings: string[]): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(distinct account_id)::int as n from (${ownedOfferingsSql(workspaceId, offerings)}) owned`.execute(db);
  return result.rows[0]?.n ?? 0;
}

/** Every offering the workspace's accounts own (profile or active contracts), with how many accounts own it. */
export async function listOwnedOfferings(db: Db, workspaceId: string): Promise<{ offering: string; accounts: number }[]> {
  const result = await sql<{ offering: string; accounts: number }>`
    select offering, count(*)::int as accounts from (${ownedOfferingsSql(workspaceId)}) owned group by offering order by offering`.execute(db);
  return result.rows;
}

/** Custom field definitions, read only when the filter names a custom attribute (most lists do not). */
function filterFields(db: Db, workspaceId: string, filter: AccountFilter): Promise<CustomField[]> {
  const needed = allConditions(filter).some((c) => c.field.startsWith('custom.'));
  return needed ? listCustomFields(db, workspaceId, 'account') : Promise.resolve([]);
}

export interface ListAccountsQuery {
  filter: AccountFilter;
  sort: AccountSort;
  limit: number;
  cursor?: string | undefined;
  /** Restricts to accounts with this member on their team. */
  teamMemberId?: string | undefined;
}

export interface AccountListItem extends Omit<Account, 'team'> {
  csm: { id: string; name: string } | null;
}

export interface AccountPage {
  items: AccountListItem[];
  nextCursor: string | null;
  total: number;
}

export async function listAccounts(db: Db, clock: Clock, actor: Actor, query: ListAccountsQuery): Promise<AccountPage> {
  const fields = await filterFields(db, actor.workspaceId, query.filter);
  const where = compileFilter(query.filter, fields, clock);
  const sort = sortSpec(query.sort);
  const dir = sql.raw(sort.desc ? 'desc' : 'asc');
  const cmp = sql.raw(sort.desc ? '<' : '>');
  let base = db.selectFrom('accounts').where('accounts.workspace_id', '=', actor.workspaceId).where(where);
  if (query.teamMemberId) {
    base = base.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('account_team')
          .select(sql`1`.as('one'))
          .whereRef('account_team.workspace_id', '=', 'accounts.workspace_id')
          .whereRef('account_team.account_id', '=', 'accounts.id')
          .where('account_team.member_id', '=', query.teamMemberId as string),
      ),
    );
  }
  let page = base;
  if (query.cursor) {
    const [key, id] = decodeCursor(query.cursor);
    page = page.where(sql<boolean>`(${sort.expr}, accounts.id) ${cmp} (${key}::${sql.raw(sort.cast)}, ${id}::uuid)`);
  }
  const [rows, count] = await Promise.all([
    page
      .leftJoin('account_team as csm', (j) =>
        j.onRef('csm.workspace_id', '=', 'accounts.workspace_id').onRef('csm.account_id', '=', 'accounts.id').on('csm.role', '=', 'csm'),
      )
      .leftJoin('members as csm_member', (j) => j.onRef('csm_member.workspace_id', '=', 'csm.workspace_id').onRef('csm_member.id', '=', 'csm.member_id'))
      .selectAll('accounts')
      .select(['csm_member.id as csm_id', 'csm_member.name as csm_name', sql<string>`${sort.expr}::text`.as('sort_key')])
      .orderBy(sql`${sort.expr} ${dir}`)
      .orderBy(sql`accounts.id ${dir}`)
      .limit(query.limit + 1)
      .execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map((r) => {
      const { team: _team, ...account } = toAccount(r as unknown as Row);
      return { ...account, csm: r.csm_id && r.csm_name ? { id: r.csm_id, name: r.csm_name } : null };
    }),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.sort_key, last.id) : null,
    total: count.n,
  };
}

/** Counts accounts matching a filter (segments use it for live counts). */
export async function countAccounts(db: Db, clock: Clock, workspaceId: string, filter: AccountFilter): Promise<number> {
  const fields = await filterFields(db, workspaceId, filter);
  const row = await db
    .selectFrom('accounts')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('workspace_id', '=', workspaceId)
    .where(compileFilter(filter, fields, clock))
    .executeTakeFirstOrThrow();
  return row.n;
}

/** Checks a filter against the workspace's fields without running it (segments validate before saving). */
export async function checkAccountFilter(db: Db, clock: Clock, workspaceId: string, filter: AccountFilter, pathPrefix = 'filter'): Promise<void> {
  compileFilter(filter, await filterFields(db, workspaceId, filter), clock, pathPrefix);
}
