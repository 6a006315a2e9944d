import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { fixedClock } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
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
 */
export async function simulateModel(
  db: Db,
  workspaceId: string,
  input: ModelInput,
  range: { from: Date; to: Date },
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
  try {
    await db.transaction().execute(async (tx) => {
      const versionId = await installForSimulation(tx, workspaceId, def, range.from);
      const totals = { phaseChanges: 0, engaged: 0 };
      for (let d = 0; d < days; d++) {
        const report = await sweep(tx, fixedClock(new Date(range.from.getTime() + d * DAY)), { workspaceId });
        totals.phaseChanges += report.phaseChanges;
        totals.engaged += report.engaged;
        // The engagements were replaced inside this transaction: fresh statistics keep the planner on per-account index plans.
        if (d === 0) await sql`analyze engagements`.execute(tx);
        progress?.(d + 1, days);
      }
      throw new Rollback(await summarise(tx, workspaceId, versionId, def, range, days, totals));
    });
  } catch (e) {
    if (e instanceof Rollback) return e.report;
    throw e;
  }
  throw new Error('unreachable: the simulation transaction always rolls back');
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
  };
}
