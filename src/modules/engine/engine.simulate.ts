import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { fixedClock } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { compileFilter } from '../accounts/accounts.queries.ts';
import { listCustomFields } from '../customfields/customfields.ts';
import type { ModelDefinition } from '../models/models.schema.ts';
import { type ModelInput, parseModelInput } from '../models/models.ts';
import { instanceRules, type SweepReport, sweep } from './engine.ts';

export interface SimulationReport {
  model: string;
  from: string;
  to: string;
  days: number;
  accounts: number;
  total: number;
  byRule: SweepReport['opened'];
  /** Moments opened per ISO week (its Monday) and owner role. */
  perWeek: { week: string; role: string; moments: number }[];
  /** Effort hours per month and owner role (capacity planning). */
  effortPerMonth: { month: string; role: string; hours: number }[];
  /** Share of opened moments that are digital (0-1). */
  digitalShare: number;
  phaseChanges: number;
  /** The synthetic population added on top of the current accounts, or null when the forecast has no growth. */
  growth: GrowthReport | null;
}

/** A synthetic population added during the simulation: a number of new accounts per month, or a monthly growth rate. */
export interface GrowthOptions {
  /** New synthetic accounts per calendar month (spread evenly over its days). */
  accountsPerMonth?: number | undefined;
  /** Growth of the account base (the segment's current members) in percent per month, compounded. */
  monthlyRate?: number | undefined;
  /** Ids of the real accounts the new ones resemble, cycled through in order; default: a deterministic sample of the segment's members. */
  template?: string[] | undefined;
}

export interface GrowthReport {
  accountsPerMonth: number | null;
  monthlyRate: number | null;
  /** Current members of the model's segment (the base a rate applies to). */
  base: number;
  /** How many real accounts served as templates. */
  templates: number;
  /** Synthetic accounts added in all. */
  added: number;
  /** Synthetic accounts added per calendar month. */
  perMonth: { month: string; accounts: number }[];
  /** Synthetic accounts the model engaged, and the moments opened for them. */
  engaged: number;
  moments: number;
}

/** Thrown to roll the simulation's transaction back: a simulation writes nothing. */
class Rollback extends Error {
  readonly report: SimulationReport;
  constructor(report: SimulationReport) {
    super('simulation rolled back');
    this.report = report;
  }
}

const DAY = 24 * 3600 * 1000;

/**
 * Runs a model forward over the workspace's current accounts, a sweep per day from `from` to `to`, with the same
 * engine code and a clock that advances, inside a transaction that is rolled back: nothing is kept or sent.
 * Only this model runs (other models are set aside). Event-based moments need future events and are not forecast;
 * absence and expectation rules fire as if no new activity arrived.
 * With `growth`, synthetic accounts resembling real ones are added day by day (see addSyntheticAccounts) and the
 * engine engages them like any new account.
 */
export async function simulateModel(
  db: Db,
  workspaceId: string,
  input: ModelInput,
  range: { from: Date; to: Date; growth?: GrowthOptions | undefined },
  progress?: (done: number, total: number) => void,
): Promise<SimulationReport> {
  const parsed = parseModelInput(input);
  const errors = parsed.issues.filter((i) => i.severity === 'error');
  if (!parsed.definition || errors.length > 0) {
    throw new AppError(
      'validation_failed',
      errors.map((i) => `${i.path}: ${i.message}`).join('; '),
      errors.map((i) => ({ path: i.path, message: i.message })),
    );
  }
  const def = parsed.definition;
  const days = Math.floor((range.to.getTime() - range.from.getTime()) / DAY) + 1;
  if (days < 1 || days > 3660) throw new AppError('validation_failed', '--to must be after --from, at most ten years later');
  const growth = range.growth ? checkGrowth(range.growth) : null;
  try {
    await db.transaction().execute(async (tx) => {
      // The population is read before the model is installed: templates and base are the segment's current members.
      const population = growth ? await growthPlan(tx, workspaceId, def, growth, range.from, days) : null;
      const versionId = await installForSimulation(tx, workspaceId, def, range.from);
      const totals = { phaseChanges: 0, engaged: 0 };
      for (let d = 0; d < days; d++) {
        const day = new Date(range.from.getTime() + d * DAY);
        if (population) await addSyntheticAccounts(tx, workspaceId, population, d, day);
        const report = await sweep(tx, fixedClock(day), { workspaceId });
        totals.phaseChanges += report.phaseChanges;
        totals.engaged += report.engaged;
        // The engagements were replaced inside this transaction: fresh statistics keep the planner on per-account index plans.
        if (d === 0) await sql`analyze engagements`.execute(tx);
        progress?.(d + 1, days);
      }
      const report = await summarise(tx, workspaceId, versionId, def, range, days, totals);
      if (population) report.growth = await summariseGrowth(tx, workspaceId, versionId, population, range.from, days);
      throw new Rollback(report);
    });
  } catch (e) {
    if (e instanceof Rollback) return e.report;
    throw e;
  }
  throw new Error('unreachable: the simulation transaction always rolls back');
}

const MAX_TEMPLATES = 1000;

function checkGrowth(g: GrowthOptions): GrowthOptions {
  const perMonth = g.accountsPerMonth;
  const rate = g.monthlyRate;
  if ((perMonth === undefined) === (rate === undefined))
    throw new AppError('validation_failed', 'growth needs exactly one of accounts per month or a monthly rate (percent)');
  if (perMonth !== undefined && !(Number.isFinite(perMonth) && perMonth > 0 && perMonth <= 100_000))
    throw new AppError('validation_failed', 'growth: accounts per month must be a number above 0, at most 100000');
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0 && rate <= 1000))
    throw new AppError('validation_failed', 'growth: the monthly rate must be a percentage above 0, at most 1000');
  if (g.template !== undefined && (g.template.length === 0 || g.template.length > MAX_TEMPLATES))
    throw new AppError('validation_failed', `growth: the template names 1 to ${MAX_TEMPLATES} accounts`);
  return g;
}

interface Population {
  options: GrowthOptions;
  base: number;
  templates: string[];
  /** Synthetic accounts created by the end of each simulated day (cumulative). */
  cumulative: number[];
  /** The account phase that places a new account in the model's first phase. */
  phase: string;
}

const daysInMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();

/**
 * The day-by-day schedule of synthetic accounts: each day adds its share of its calendar month (1 / days in the month),
 * either of the accounts per month or of the compounded rate applied to the base. Integer counts, no randomness.
 */
async function growthPlan(tx: Db, ws: string, def: ModelDefinition, g: GrowthOptions, from: Date, days: number): Promise<Population> {
  const segment = compileFilter(def.segment, await listCustomFields(tx, ws, 'account'), fixedClock(from), 'segment');
  const members = sql`accounts.workspace_id = ${ws}::uuid and ${segment}`;
  const base = (await sql<{ n: number }>`select count(*)::int as n from accounts where ${members}`.execute(tx)).rows[0]?.n ?? 0;
  let templates: string[];
  if (g.template) {
    const found = await sql<{ id: string }>`select id from accounts where workspace_id = ${ws}::uuid and id = any(${g.template}::uuid[])`.execute(tx);
    const known = new Set(found.rows.map((r) => r.id));
    const missing = g.template.filter((id) => !known.has(id));
    if (missing.length > 0) throw new AppError('validation_failed', `growth: template account(s) not found: ${missing.join(', ')}`);
    templates = g.template;
  } else {
    // A deterministic sample spread over the segment (ordered by a hash of the id, not by age).
    const sample = await sql<{ id: string }>`
      select id from accounts where ${members} order by md5(accounts.id::text), accounts.id limit ${MAX_TEMPLATES}`.execute(tx);
    templates = sample.rows.map((r) => r.id);
    if (templates.length === 0)
      throw new AppError('validation_failed', `growth: the segment of ${def.key} has no accounts to model synthetic ones on; name template accounts`);
  }
  const cumulative: number[] = [];
  let months = 0;
  for (let d = 0; d < days; d++) {
    months += 1 / daysInMonth(new Date(from.getTime() + d * DAY));
    const exact = g.accountsPerMonth !== undefined ? g.accountsPerMonth * months : base * ((1 + (g.monthlyRate ?? 0) / 100) ** months - 1);
    cumulative.push(Math.floor(exact + 1e-9));
  }
  const first = def.phases[0];
  return { options: g, base, templates, cumulative, phase: first?.entry?.accountPhase ?? first?.key ?? 'onboarding' };
}

/** The deterministic id of the k-th synthetic account of the workspace (only ever inside the rolled-back transaction). */
const syntheticId = (ws: string, k: RawBuilder<unknown>) => sql`md5(${`synthetic:${ws}:`}::text || ${k}::text)::uuid`;

/**
 * The day's share of synthetic accounts, set-based: the k-th copies the profile of template (k-1) mod n (touch model,
 * region, buying culture, tags, industry, size, offerings, custom attributes, ARR, team) so it falls in the same
 * segments, with a name like "Synthetic 0001 (like Acme)", created on the simulated day and renewing a year later.
 * They get no contracts or contacts: schedules counted from contract start do not fire for them.
 * Writing the accounts and account_team tables directly, past the accounts module, is acceptable only here: this runs
 * inside the simulation's transaction, which is always rolled back.
 */
async function addSyntheticAccounts(tx: Db, ws: string, p: Population, d: number, day: Date): Promise<void> {
  const first = (p.cumulative[d - 1] ?? 0) + 1;
  const last = p.cumulative[d] ?? 0;
  if (last < first) return;
  const k = sql`g.k`;
  const plan = sql`generate_series(${first}::int, ${last}::int) g(k)
    join unnest(${p.templates}::uuid[]) with ordinality t(id, ord) on t.ord = (g.k - 1) % ${p.templates.length}::int + 1`;
  await sql`
    insert into accounts (workspace_id, id, external_id, name, domain, industry, region, employee_band, offerings, tags, buying_culture,
      touch_model, target_digital_type, phase, custom, arr, next_renewal_date, created_at, updated_at)
    select a.workspace_id, ${syntheticId(ws, k)}, null, 'Synthetic ' || lpad(g.k::text, greatest(4, length(g.k::text)), '0') || ' (like ' || a.name || ')', null,
      a.industry, a.region, a.employee_band, a.offerings, a.tags, a.buying_culture, a.touch_model, a.target_digital_type, ${p.phase},
      a.custom, a.arr, ((${day}::timestamptz at time zone 'UTC') + interval '1 year')::date, ${day}::timestamptz, ${day}::timestamptz
    from ${plan}
    join accounts a on a.workspace_id = ${ws}::uuid and a.id = t.id`.execute(tx);
  await sql`
    insert into account_team (workspace_id, account_id, role, member_id)
    select m.workspace_id, ${syntheticId(ws, k)}, m.role, m.member_id
    from ${plan}
    join account_team m on m.workspace_id = ${ws}::uuid and m.account_id = t.id`.execute(tx);
}

async function summariseGrowth(tx: Db, ws: string, versionId: string, p: Population, from: Date, days: number): Promise<GrowthReport> {
  const added = p.cumulative[days - 1] ?? 0;
  const perMonth = new Map<string, number>();
  for (let d = 0; d < days; d++) {
    const n = (p.cumulative[d] ?? 0) - (p.cumulative[d - 1] ?? 0);
    const month = new Date(from.getTime() + d * DAY).toISOString().slice(0, 7);
    perMonth.set(month, (perMonth.get(month) ?? 0) + n);
  }
  const synthetic = sql`select ${syntheticId(ws, sql`g.k`)} as id from generate_series(1, ${added}::int) g(k)`;
  const counts = await sql<{ engaged: number; moments: number }>`
    select
      (select count(*)::int from engagements e where e.workspace_id = ${ws}::uuid and e.model_version_id = ${versionId}::uuid
        and e.account_id in (${synthetic})) as engaged,
      (select count(*)::int from moment_instances i where i.workspace_id = ${ws}::uuid and i.model_version_id = ${versionId}::uuid
        and i.account_id in (${synthetic})) as moments`.execute(tx);
  return {
    accountsPerMonth: p.options.accountsPerMonth ?? null,
    monthlyRate: p.options.monthlyRate ?? null,
    base: p.base,
    templates: p.templates.length,
    added,
    perMonth: [...perMonth].map(([month, accounts]) => ({ month, accounts })),
    engaged: counts.rows[0]?.engaged ?? 0,
    moments: counts.rows[0]?.moments ?? 0,
  };
}

/** Inside the doomed transaction: the model as the only active one, and accounts free to be engaged by it. */
async function installForSimulation(tx: Db, ws: string, def: ModelDefinition, from: Date): Promise<string> {
  await sql`update model_versions set status = 'retired', superseded_by = null where workspace_id = ${ws}::uuid and status = 'active'`.execute(tx);
  await sql`update model_versions set superseded_by = null where workspace_id = ${ws}::uuid`.execute(tx);
  await sql`delete from engagements where workspace_id = ${ws}::uuid`.execute(tx);
  await sql`delete from engagement_phases where workspace_id = ${ws}::uuid`.execute(tx);
  await sql`delete from moment_instances where workspace_id = ${ws}::uuid`.execute(tx);
  await sql`delete from engine_cursors where workspace_id = ${ws}::uuid`.execute(tx);
  const existing = await tx.selectFrom('models').select('id').where('workspace_id', '=', ws).where('key', '=', def.key).executeTakeFirst();
  const modelId = existing?.id ?? newId();
  if (!existing) {
    await tx
      .insertInto('models')
      .values({ workspace_id: ws, id: modelId, key: def.key, name: def.name, active_version_id: null, created_at: from, updated_at: from })
      .execute();
  }
  const last = await tx
    .selectFrom('model_versions')
    .select(sql<number>`coalesce(max(version), 0)::int`.as('n'))
    .where('workspace_id', '=', ws)
    .where('model_id', '=', modelId)
    .executeTakeFirstOrThrow();
  const id = newId();
  await tx
    .insertInto('model_versions')
    .values({
      workspace_id: ws,
      id,
      model_id: modelId,
      version: last.n + 1,
      status: 'active',
      definition: JSON.stringify(def),
      source: '',
      source_format: 'yaml',
      author_type: 'system',
      author_id: null,
      author_name: 'simulation',
      approver_id: null,
      approver_name: null,
      approved_at: null,
      activated_at: from,
      retired_at: null,
      superseded_by: null,
      created_at: from,
      updated_at: from,
    })
    .execute();
  return id;
}

async function summarise(
  tx: Db,
  ws: string,
  versionId: string,
  def: ModelDefinition,
  range: { from: Date; to: Date },
  days: number,
  totals: { phaseChanges: number; engaged: number },
): Promise<SimulationReport> {
  const rows = await sql<{ moment_id: string; rule: string; role: string; week: string; month: string; n: number }>`
    select moment_id, rule, assignee_role as role,
      to_char(date_trunc('week', opened_at at time zone 'UTC'), 'YYYY-MM-DD') as week,
      to_char(opened_at at time zone 'UTC', 'YYYY-MM') as month, count(*)::int as n
    from moment_instances where workspace_id = ${ws}::uuid and model_version_id = ${versionId}::uuid
    group by 1, 2, 3, 4, 5 order by 4, 3`.execute(tx);
  const moments = new Map(def.moments.map((m) => [m.id, m]));
  const perWeek = new Map<string, number>();
  const effort = new Map<string, number>();
  const byRule = Object.fromEntries(instanceRules.map((r) => [r, 0])) as SweepReport['opened'];
  let total = 0;
  let digital = 0;
  for (const r of rows.rows) {
    const m = moments.get(r.moment_id);
    total += r.n;
    byRule[r.rule as keyof SweepReport['opened']] += r.n;
    if (m?.digital) digital += r.n;
    perWeek.set(`${r.week}|${r.role}`, (perWeek.get(`${r.week}|${r.role}`) ?? 0) + r.n);
    const minutes = (m?.effortMinutes ?? 0) * r.n;
    effort.set(`${r.month}|${r.role}`, (effort.get(`${r.month}|${r.role}`) ?? 0) + minutes);
  }
  return {
    model: def.key,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    days,
    accounts: totals.engaged,
    total,
    byRule,
    perWeek: [...perWeek].map(([k, n]) => {
      const [week = '', role = ''] = k.split('|');
      return { week, role, moments: n };
    }),
    effortPerMonth: [...effort].map(([k, minutes]) => {
      const [month = '', role = ''] = k.split('|');
      return { month, role, hours: Math.round((minutes / 60) * 10) / 10 };
    }),
    digitalShare: total === 0 ? 0 : Math.round((digital / total) * 1000) / 1000,
    phaseChanges: totals.phaseChanges,
    growth: null,
  };
}
