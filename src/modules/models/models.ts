import { type Selectable, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { andFilters } from '../accounts/accounts.schema.ts';
import { checkAccountFilter, countAccounts } from '../accounts/accounts.ts';
import { recordAudit } from '../audit/audit.ts';
import { momentumEventNames } from '../events/events.catalog.ts';
import { lintMomentActions } from '../streams/streams.actions.ts';
import { checkDefinition, locateIssues, type ParsedModel, parseModelSource, type SourceFormat } from './models.lint.ts';
import type { ModelDefinition, ModelIssue, ModelSummary, ModelVersion, VersionStatus } from './models.schema.ts';

export type { ModelSummary, ModelVersion };

import type { ModelsTable, ModelVersionsTable } from './models.table.ts';

/** A model as given: a YAML/JSON source (with a file name for line numbers) or a definition object. */
export type ModelInput = { source: string; format?: SourceFormat | undefined; file?: string | undefined } | { definition: unknown };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toVersion(row: Selectable<ModelVersionsTable>, key: string): ModelVersion {
  return {
    id: row.id,
    modelId: row.model_id,
    key,
    version: row.version,
    status: row.status,
    definition: row.definition,
    source: row.source,
    sourceFormat: row.source_format,
    author: { type: row.author_type, id: row.author_id, name: row.author_name },
    approver: row.approver_name ? { id: row.approver_id, name: row.approver_name } : null,
    approvedAt: iso(row.approved_at),
    activatedAt: iso(row.activated_at),
    retiredAt: iso(row.retired_at),
    supersededBy: row.superseded_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Parses and lints a model without touching the database. */
export function parseModelInput(input: ModelInput): ParsedModel & { source: string; format: SourceFormat } {
  if ('definition' in input) {
    const parsed = checkDefinition(input.definition);
    return { ...parsed, source: JSON.stringify(input.definition, null, 2), format: 'json' };
  }
  const format = input.format ?? (input.file && /\.json$/i.test(input.file) ? 'json' : 'yaml');
  return { ...parseModelSource(input.source, input.file ?? 'model', format), source: input.source, format };
}

/** Workspace issues of a model given as a file get the file's line numbers too. */
function located(input: ModelInput, issues: ModelIssue[]): ModelIssue[] {
  return 'source' in input ? locateIssues(input.source, input.file ?? 'model', issues) : issues;
}

/** Checks a model against the workspace: its segment's fields, the events and metrics it names, its actions' templates, lists and streams, overlaps with active models. */
export async function lintAgainstWorkspace(db: Db, clock: Clock, workspaceId: string, def: ModelDefinition): Promise<ModelIssue[]> {
  const issues: ModelIssue[] = [];
  try {
    await checkAccountFilter(db, clock, workspaceId, def.segment, 'segment');
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    for (const d of e.details) issues.push({ severity: 'error', path: d.path, message: d.message });
  }
  for (const [i, m] of def.moments.entries()) {
    if (!m.when) continue;
    try {
      await checkAccountFilter(db, clock, workspaceId, m.when, `moments.${i}.when`);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      for (const d of e.details) issues.push({ severity: 'error', path: d.path, message: d.message });
    }
  }
  const events = new Map<string, string>();
  const metrics = new Map<string, string>();
  def.moments.forEach((m, i) => {
    const r = m.start;
    if ('event' in r && r.event) events.set(r.event, `moments.${i}.start.event`);
    if ('metric' in r && r.metric) metrics.set(r.metric.key, `moments.${i}.start.metric.key`);
  });
  def.phases.forEach((p, i) => {
    if (p.exit?.event) events.set(p.exit.event, `phases.${i}.exit.event`);
  });
  // Reads the activity tables' keys directly: a point lookup per name, no operation of theirs answers "has this name been seen".
  for (const [name, path] of events) {
    // Momentum records these itself (a sponsor change, a release, a renewal): they need no outside source.
    if (momentumEventNames.has(name)) continue;
    const seen = await sql<{ seen: boolean }>`
      select exists (select 1 from event_rollups where workspace_id = ${workspaceId}::uuid and name = ${name}) as seen`.execute(db);
    if (!seen.rows[0]?.seen) issues.push({ severity: 'warning', path, message: `no event named "${name}" has been received yet` });
  }
  for (const [key, path] of metrics) {
    const found = await sql<{ found: boolean }>`
      select exists (select 1 from metric_definitions where workspace_id = ${workspaceId}::uuid and key = ${key}) as found`.execute(db);
    if (!found.rows[0]?.found) issues.push({ severity: 'warning', path, message: `${key} is not a metric of this workspace` });
  }
  // Templates, lists and streams named by email and enrol actions.
  issues.push(...(await lintMomentActions(db, workspaceId, def)));
  if (!issues.some((i) => i.severity === 'error')) issues.push(...(await overlaps(db, clock, workspaceId, def)));
  return issues;
}

/** Two active models whose segments share accounts need different precedences, or nobody can say which one engages them. */
async function overlaps(db: Db, clock: Clock, workspaceId: string, def: ModelDefinition): Promise<ModelIssue[]> {
  const issues: ModelIssue[] = [];
  for (const other of await listActiveVersions(db, workspaceId)) {
    if (other.key === def.key) continue;
    const o = other.definition;
    // The engine ranks a missing precedence as 0.
    if ((def.precedence ?? 0) !== (o.precedence ?? 0)) continue;
    const shared = await countAccounts(db, clock, workspaceId, andFilters(def.segment, o.segment));
    if (shared > 0) {
      issues.push({
        severity: 'error',
        path: 'precedence',
        message: `the segment overlaps active model ${o.key} on ${shared} account(s) without precedence: give the two models different precedence values`,
      });
    }
  }
  return issues;
}

async function findModelByKey(db: Db, workspaceId: string, key: string) {
  return db.selectFrom('models').selectAll().where('workspace_id', '=', workspaceId).where('key', '=', key).executeTakeFirst();
}

async function getModelRow(db: Db, workspaceId: string, id: string): Promise<Selectable<ModelsTable>> {
  const row = await db.selectFrom('models').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Model');
  return row;
}

async function getVersionRow(db: Db, workspaceId: string, modelId: string, version: number, lock = false) {
  let q = db.selectFrom('model_versions').selectAll().where('workspace_id', '=', workspaceId).where('model_id', '=', modelId).where('version', '=', version);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('Model version');
  return row;
}

function rejectIssues(issues: ModelIssue[]): void {
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length === 0) return;
  const where = (i: ModelIssue) => `${i.file ? `${i.file}${i.line ? `:${i.line}` : ''} ` : ''}${i.path || '(model)'}`;
  throw new AppError(
    'validation_failed',
    errors.map((i) => `${where(i)}: ${i.message}`).join('; '),
    errors.map((i) => ({ path: i.line ? `${i.path} (line ${i.line})` : i.path, message: i.message })),
  );
}

export interface ValidationResult {
  valid: boolean;
  definition: ModelDefinition | null;
  issues: ModelIssue[];
}

/** Validates a model: shape, lint and (with a workspace) its fit with the workspace's data and active models. */
export async function validateModel(db: Db, clock: Clock, workspaceId: string, input: ModelInput): Promise<ValidationResult> {
  const parsed = parseModelInput(input);
  const issues = [...parsed.issues];
  if (parsed.definition) issues.push(...located(input, await lintAgainstWorkspace(db, clock, workspaceId, parsed.definition)));
  const valid = !issues.some((i) => i.severity === 'error');
  return { valid, definition: valid ? (parsed.definition ?? null) : null, issues };
}

export async function listModels(db: Db, actor: Actor): Promise<ModelSummary[]> {
  const models = await db.selectFrom('models').selectAll().where('workspace_id', '=', actor.workspaceId).orderBy('name').execute();
  const versions = await db
    .selectFrom('model_versions')
    .select(['id', 'model_id', 'version', 'status', 'author_name', 'approver_name', 'created_at'])
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('version', 'desc')
    .execute();
  return models.map((m) => {
    const mine = versions.filter((v) => v.model_id === m.id);
    return {
      id: m.id,
      key: m.key,
      name: m.name,
      activeVersion: mine.find((v) => v.id === m.active_version_id)?.version ?? null,
      versions: mine.map((v) => ({
        id: v.id,
        version: v.version,
        status: v.status,
        author: v.author_name,
        approver: v.approver_name,
        createdAt: v.created_at.toISOString(),
      })),
      createdAt: m.created_at.toISOString(),
      updatedAt: m.updated_at.toISOString(),
    };
  });
}

export async function getModel(db: Db, actor: Actor, id: string): Promise<ModelSummary> {
  const model = (await listModels(db, actor)).find((m) => m.id === id);
  if (!model) throw notFound('Model');
  return model;
}

export async function getModelVersion(db: Db, actor: Actor, modelId: string, version: number): Promise<ModelVersion> {
  const model = await getModelRow(db, actor.workspaceId, modelId);
  return toVersion(await getVersionRow(db, actor.workspaceId, modelId, version), model.key);
}

/** Creates a draft: a new model, or the next version of the model with the same key. */
export async function createModelDraft(db: Db, clock: Clock, actor: Actor, input: ModelInput): Promise<ModelVersion> {
  const parsed = parseModelInput(input);
  rejectIssues(parsed.issues);
  const def = parsed.definition as ModelDefinition;
  rejectIssues(located(input, await lintAgainstWorkspace(db, clock, actor.workspaceId, def)));
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    let model = await findModelByKey(tx, actor.workspaceId, def.key);
    if (!model) {
      model = await tx
        .insertInto('models')
        .values({ workspace_id: actor.workspaceId, id: newId(), key: def.key, name: def.name, active_version_id: null, created_at: now, updated_at: now })
        .onConflict((oc) => oc.columns(['workspace_id', 'key']).doUpdateSet({ updated_at: now }))
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    // Serialises version numbering per model.
    await tx.selectFrom('models').select('id').where('workspace_id', '=', actor.workspaceId).where('id', '=', model.id).forUpdate().execute();
    const last = await tx
      .selectFrom('model_versions')
      .select(sql<number>`coalesce(max(version), 0)::int`.as('n'))
      .where('workspace_id', '=', actor.workspaceId)
      .where('model_id', '=', model.id)
      .executeTakeFirstOrThrow();
    const row = await tx
      .insertInto('model_versions')
      .values({
        workspace_id: actor.workspaceId,
        id: newId(),
        model_id: model.id,
        version: last.n + 1,
        status: 'draft',
        definition: JSON.stringify(def),
        source: parsed.source,
        source_format: parsed.format,
        author_type: actor.type,
        author_id: actor.type === 'member' ? actor.id : null,
        author_name: actor.name,
        approver_id: null,
        approver_name: null,
        approved_at: null,
        activated_at: null,
        retired_at: null,
        superseded_by: null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const version = toVersion(row, model.key);
    await recordAudit(tx, clock, actor, { action: 'model.drafted', entityType: 'model_version', entityId: row.id, after: summary(version) });
    return version;
  });
}

const summary = (v: ModelVersion) => ({ key: v.key, version: v.version, status: v.status, name: v.definition.name });

const immutable = (v: { version: number; status: string }) =>
  new AppError('conflict', `Version ${v.version} is ${v.status}: an approved version cannot be edited; create a new draft instead`);

export async function updateModelDraft(db: Db, clock: Clock, actor: Actor, modelId: string, version: number, input: ModelInput): Promise<ModelVersion> {
  const parsed = parseModelInput(input);
  rejectIssues(parsed.issues);
  const def = parsed.definition as ModelDefinition;
  rejectIssues(located(input, await lintAgainstWorkspace(db, clock, actor.workspaceId, def)));
  return inTransaction(db, async (tx) => {
    const model = await getModelRow(tx, actor.workspaceId, modelId);
    const before = await getVersionRow(tx, actor.workspaceId, modelId, version, true);
    if (before.status !== 'draft') throw immutable(before);
    if (def.key !== model.key) throw new AppError('validation_failed', `key: this is model ${model.key}`, [{ path: 'key', message: `must stay ${model.key}` }]);
    const row = await tx
      .updateTable('model_versions')
      .set({ definition: JSON.stringify(def), source: parsed.source, source_format: parsed.format, updated_at: clock.now() })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', before.id)
      .where('status', '=', 'draft')
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx
      .updateTable('models')
      .set({ name: def.name, updated_at: clock.now() })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', modelId)
      .execute();
    const after = toVersion(row, model.key);
    await recordAudit(tx, clock, actor, {
      action: 'model.draft_updated',
      entityType: 'model_version',
      entityId: row.id,
      before: summary(toVersion(before, model.key)),
      after: summary(after),
    });
    return after;
  });
}

export async function deleteModelDraft(db: Db, clock: Clock, actor: Actor, modelId: string, version: number): Promise<void> {
  await inTransaction(db, async (tx) => {
    const model = await getModelRow(tx, actor.workspaceId, modelId);
    const row = await getVersionRow(tx, actor.workspaceId, modelId, version, true);
    if (row.status !== 'draft') throw immutable(row);
    await tx.deleteFrom('model_versions').where('workspace_id', '=', actor.workspaceId).where('id', '=', row.id).execute();
    await recordAudit(tx, clock, actor, {
      action: 'model.draft_deleted',
      entityType: 'model_version',
      entityId: row.id,
      before: summary(toVersion(row, model.key)),
    });
  });
}

type Transition = 'approve' | 'activate' | 'retire';

async function transition(
  db: Db,
  clock: Clock,
  actor: Actor,
  modelId: string,
  version: number,
  kind: Transition,
  apply: (tx: Tx, row: Selectable<ModelVersionsTable>, model: Selectable<ModelsTable>) => Promise<void>,
): Promise<ModelVersion> {
  return inTransaction(db, async (tx) => {
    const model = await getModelRow(tx, actor.workspaceId, modelId);
    await tx.selectFrom('models').select('id').where('workspace_id', '=', actor.workspaceId).where('id', '=', modelId).forUpdate().execute();
    const before = await getVersionRow(tx, actor.workspaceId, modelId, version, true);
    await apply(tx, before, model);
    const after = toVersion(await getVersionRow(tx, actor.workspaceId, modelId, version), model.key);
    await recordAudit(tx, clock, actor, {
      action: `model.${kind === 'approve' ? 'approved' : kind === 'activate' ? 'activated' : 'retired'}`,
      entityType: 'model_version',
      entityId: before.id,
      before: summary(toVersion(before, model.key)),
      after: summary(after),
    });
    return after;
  });
}

/**
 * Approves a draft. A member approving must be an admin and not the author (the four-eyes rule); the CLI's
 * `model apply --approve` acts as the operator of the installation (a system actor), who holds the database anyway.
 */
export async function approveModelVersion(db: Db, clock: Clock, actor: Actor, modelId: string, version: number): Promise<ModelVersion> {
  if (actor.type === 'api_key') throw new AppError('forbidden', 'A model is approved by an admin member, not an API key');
  if (!actor.roles.includes('admin')) throw new AppError('forbidden', 'Only workspace admins can approve a model');
  return transition(db, clock, actor, modelId, version, 'approve', async (tx, row) => {
    if (row.status !== 'draft') throw new AppError('conflict', `Version ${row.version} is ${row.status}, not a draft awaiting approval`);
    if (actor.type === 'member' && row.author_id === actor.id) {
      throw new AppError('forbidden', 'The author cannot approve their own model: another admin must approve it');
    }
    await tx
      .updateTable('model_versions')
      .set({
        status: 'approved',
        approver_id: actor.type === 'member' ? actor.id : null,
        approver_name: actor.name,
        approved_at: clock.now(),
        updated_at: clock.now(),
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', row.id)
      .execute();
  });
}

/** Activates an approved version: the model's previous active version is superseded (accounts engaged under it keep it). */
export async function activateModelVersion(db: Db, clock: Clock, actor: Actor, modelId: string, version: number): Promise<ModelVersion> {
  if (actor.type === 'member' && !actor.roles.includes('admin')) throw new AppError('forbidden', 'Only workspace admins can activate a model');
  return transition(db, clock, actor, modelId, version, 'activate', async (tx, row) => {
    if (row.status !== 'approved') throw new AppError('conflict', `Version ${row.version} is ${row.status}: only an approved version can be activated`);
    rejectIssues(await overlaps(tx, clock, actor.workspaceId, row.definition));
    const now = clock.now();
    await tx
      .updateTable('model_versions')
      .set({ status: 'retired', retired_at: now, superseded_by: row.id, updated_at: now })
      .where('workspace_id', '=', actor.workspaceId)
      .where('model_id', '=', modelId)
      .where('status', '=', 'active')
      .execute();
    await tx
      .updateTable('model_versions')
      .set({ status: 'active', activated_at: now, updated_at: now })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', row.id)
      .execute();
    await tx
      .updateTable('models')
      .set({ active_version_id: row.id, name: row.definition.name, updated_at: now })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', modelId)
      .execute();
  });
}

/** Retires a version: no new engagements, and accounts engaged under it are no longer run by it. */
export async function retireModelVersion(db: Db, clock: Clock, actor: Actor, modelId: string, version: number): Promise<ModelVersion> {
  if (actor.type === 'member' && !actor.roles.includes('admin')) throw new AppError('forbidden', 'Only workspace admins can retire a model');
  return transition(db, clock, actor, modelId, version, 'retire', async (tx, row, model) => {
    if (row.status !== 'active' && row.status !== 'approved')
      throw new AppError('conflict', `Version ${row.version} is ${row.status}: only an approved or active version can be retired`);
    const now = clock.now();
    await tx
      .updateTable('model_versions')
      .set({ status: 'retired', retired_at: now, updated_at: now })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', row.id)
      .execute();
    if (model.active_version_id === row.id) {
      await tx
        .updateTable('models')
        .set({ active_version_id: null, updated_at: now })
        .where('workspace_id', '=', actor.workspaceId)
        .where('id', '=', model.id)
        .execute();
    }
  });
}

/**
 * What retiring a version would affect: accounts engaged under it today (engagement not ended) and its moment
 * instances still open (open or escalated). Reads the engine's and moments' tables: no operation of theirs counts per version.
 */
export async function getRetireImpact(db: Db, actor: Actor, modelId: string, version: number): Promise<{ accounts: number; openInstances: number }> {
  await getModelRow(db, actor.workspaceId, modelId);
  const row = await getVersionRow(db, actor.workspaceId, modelId, version);
  const accounts = await db
    .selectFrom('engagements')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('workspace_id', '=', actor.workspaceId)
    .where('model_version_id', '=', row.id)
    .where('ended_at', 'is', null)
    .executeTakeFirstOrThrow();
  const instances = await db
    .selectFrom('moment_instances')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('workspace_id', '=', actor.workspaceId)
    .where('model_version_id', '=', row.id)
    .where('status', 'in', ['open', 'escalated'])
    .executeTakeFirstOrThrow();
  return { accounts: accounts.n, openInstances: instances.n };
}

export interface RunnableVersion {
  id: string;
  modelId: string;
  key: string;
  version: number;
  status: VersionStatus;
  /** True for the model's active version: it engages new accounts. */
  engages: boolean;
  definition: ModelDefinition;
}

/** Versions the engine runs: active ones, and superseded ones for the accounts engaged under them. */
export async function listRunnableVersions(db: Db, workspaceId: string): Promise<RunnableVersion[]> {
  const rows = await db
    .selectFrom('model_versions')
    .innerJoin('models', (j) => j.onRef('models.workspace_id', '=', 'model_versions.workspace_id').onRef('models.id', '=', 'model_versions.model_id'))
    .select(['model_versions.id', 'model_versions.model_id', 'models.key', 'model_versions.version', 'model_versions.status', 'model_versions.definition'])
    .where('model_versions.workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('model_versions.status', '=', 'active'), eb('model_versions.superseded_by', 'is not', null)]))
    .execute();
  return rows.map((r) => ({
    id: r.id,
    modelId: r.model_id,
    key: r.key,
    version: r.version,
    status: r.status,
    engages: r.status === 'active',
    definition: r.definition,
  }));
}

export async function listActiveVersions(db: Db, workspaceId: string): Promise<RunnableVersion[]> {
  return (await listRunnableVersions(db, workspaceId)).filter((v) => v.engages);
}

/** JSON with sorted keys: jsonb does not keep key order, so definitions are compared this way. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

export interface ApplyResult {
  version: ModelVersion;
  created: boolean;
}

/**
 * `model apply`: stores the file as a new draft unless the latest version already has this definition;
 * with approve, approves and activates it too.
 */
export async function applyModel(db: Db, clock: Clock, actor: Actor, input: ModelInput, options: { approve: boolean }): Promise<ApplyResult> {
  const parsed = parseModelInput(input);
  rejectIssues(parsed.issues);
  const def = parsed.definition as ModelDefinition;
  const existing = await findModelByKey(db, actor.workspaceId, def.key);
  let version: ModelVersion | undefined;
  let created = false;
  if (existing) {
    const latest = await db
      .selectFrom('model_versions')
      .selectAll()
      .where('workspace_id', '=', actor.workspaceId)
      .where('model_id', '=', existing.id)
      .orderBy('version', 'desc')
      .executeTakeFirst();
    if (latest && latest.status !== 'retired' && canonical(latest.definition) === canonical(def)) version = toVersion(latest, existing.key);
  }
  if (!version) {
    version = await createModelDraft(db, clock, actor, input);
    created = true;
  }
  if (options.approve) {
    if (version.status === 'draft') version = await approveModelVersion(db, clock, actor, version.modelId, version.version);
    if (version.status === 'approved') version = await activateModelVersion(db, clock, actor, version.modelId, version.version);
  }
  return { version, created };
}

export interface Responsibility {
  model: { id: string; key: string; name: string; version: number };
  moment: { id: string; name: string; phase: string; owner: string | null; channel: string; digital: boolean; objective: string | null };
  as: ('owner' | 'responsible' | 'accountable' | 'consulted' | 'informed')[];
  responsible: string | null;
  accountable: string | null;
  consulted: string[];
  informed: string[];
  procedure: string | null;
  tools: string[];
  measure: string | null;
}

/** The responsibilities map: every moment of every active model, or those where a role takes part. */
export async function listResponsibilities(db: Db, actor: Actor, role?: string): Promise<Responsibility[]> {
  const out: Responsibility[] = [];
  for (const v of await listActiveVersions(db, actor.workspaceId)) {
    for (const m of v.definition.moments) {
      const r = m.responsibilities;
      const as: Responsibility['as'] = [];
      if (role) {
        if (m.owner === role) as.push('owner');
        if ((r.responsible ?? m.owner) === role) as.push('responsible');
        if (r.accountable === role) as.push('accountable');
        if ((r.consulted as string[]).includes(role)) as.push('consulted');
        if ((r.informed as string[]).includes(role)) as.push('informed');
        if (as.length === 0) continue;
      }
      out.push({
        model: { id: v.modelId, key: v.key, name: v.definition.name, version: v.version },
        moment: { id: m.id, name: m.name, phase: m.phase, owner: m.owner ?? null, channel: m.channel, digital: m.digital, objective: m.objective ?? null },
        as,
        responsible: r.responsible ?? m.owner ?? null,
        accountable: r.accountable ?? null,
        consulted: r.consulted,
        informed: r.informed,
        procedure: r.procedure ?? null,
        tools: r.tools,
        measure: r.measure ?? null,
      });
    }
  }
  return out;
}
