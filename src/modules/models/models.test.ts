import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestMember, createTestWorkspace, type TestWorkspace, testClock } from '../../../test/factories.ts';
import { createAccount } from '../accounts/accounts.ts';
import { listAudit } from '../audit/audit.ts';
import { sweep } from '../engine/engine.ts';
import { formatIssue, parseModelSource } from './models.lint.ts';
import {
  activateModelVersion,
  applyModel,
  approveModelVersion,
  createModelDraft,
  listResponsibilities,
  retireModelVersion,
  updateModelDraft,
  validateModel,
} from './models.ts';

const examples = join(import.meta.dirname, '../../../examples/models');

const minimal = (key: string, moments = '', segment = `segment: { conditions: [{ field: tags, op: has, value: ${key} }] }`) => `key: ${key}
name: Model ${key}
${segment}
phases:
  - key: onboarding
    name: Onboarding
moments:
  - id: kickoff
    name: Kickoff
    phase: onboarding
    owner: csm
    channel: meeting
    digital: false
    objective: Meet the team.
    start: { type: scheduled, rrule: FREQ=DAILY;COUNT=1, anchor: phase_start }
    responsibilities: { accountable: account_manager, informed: [executive], tools: [CRM], measure: days to kickoff }
${moments}`;

describe('model files', () => {
  const files = readdirSync(examples).filter((f) => /\.(ya?ml|json)$/.test(f));

  it('ships the customer-success model, two touch variants and four buying-culture workflows', () => {
    expect(files.sort()).toEqual(
      expect.arrayContaining([
        'customer-success.yaml',
        'high-touch.yaml',
        'tech-touch.yaml',
        'value-offered.yaml',
        'value-added.yaml',
        'value-created.yaml',
        'value-captured.yaml',
      ]),
    );
  });

  it.each(files)('example %s is a valid model', (file) => {
    const parsed = parseModelSource(readFileSync(join(examples, file), 'utf8'), file);
    expect(parsed.issues.filter((i) => i.severity === 'error').map(formatIssue)).toEqual([]);
    expect(parsed.definition?.moments.length).toBeGreaterThan(0);
  });

  it('names the buying-culture workflow stages only I, M, P, A, C, T', () => {
    for (const culture of ['offered', 'added', 'created', 'captured']) {
      const def = parseModelSource(readFileSync(join(examples, `value-${culture}.yaml`), 'utf8')).definition;
      expect(def?.phases.map((p) => p.name)).toEqual(['I', 'M', 'P', 'A', 'C', 'T']);
      expect(def?.buyingCulture).toBe(`value_${culture}`);
    }
  });

  it('names the file, line and field of a schema error', () => {
    const source = minimal('bad').replace('digital: false', 'digital: sometimes');
    const parsed = parseModelSource(source, 'models/bad.yaml');
    expect(parsed.definition).toBeUndefined();
    const line = source.split('\n').findIndex((l) => l.includes('digital: sometimes')) + 1;
    expect(parsed.issues).toContainEqual(expect.objectContaining({ severity: 'error', file: 'models/bad.yaml', line, path: 'moments.0.digital' }));
    expect(formatIssue(parsed.issues[0] as never)).toMatch(new RegExp(`^models/bad.yaml:${line}:\\d+ error moments.0.digital: `));
  });

  it('reports a YAML syntax error with its line', () => {
    const parsed = parseModelSource('key: x\nname: [unclosed\nphases: []\n', 'broken.yaml');
    expect(parsed.issues[0]).toMatchObject({ severity: 'error', file: 'broken.yaml' });
    expect(parsed.issues[0]?.line).toBeGreaterThan(1);
  });

  it('reads JSON models with line numbers too', () => {
    const json = JSON.stringify({ key: 'j', name: 'J', phases: [{ key: 'onboarding', name: 'O' }], moments: [{ id: 'x' }] }, null, 2);
    const parsed = parseModelSource(json, 'j.json');
    const issue = parsed.issues.find((i) => i.path === 'moments.0.name');
    expect(issue?.line).toBe(json.split('\n').findIndex((l) => l.includes('"id": "x"')));
  });

  it('rejects a model with a cycle in expectations, naming the moments', () => {
    const cycle = `  - id: activated
    name: Activated
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: o
    start: { type: expectation, event: Activated, within: 7d, after: { moment: trained }, escalateTo: csm }
  - id: trained
    name: Trained
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: o
    start: { type: expectation, event: Trained, within: 7d, after: { moment: activated }, escalateTo: csm }
`;
    const parsed = parseModelSource(minimal('cycle', cycle), 'cycle.yaml');
    expect(parsed.definition).toBeUndefined();
    const issue = parsed.issues.find((i) => i.message.includes('cycle'));
    expect(issue?.message).toBe('expectations form a cycle: activated → trained → activated');
    expect(issue?.line).toBe(
      minimal('cycle', cycle)
        .split('\n')
        .findIndex((l) => l.includes('after: { moment: trained }')) + 1,
    );
  });

  it('makes an rrule that never fires a lint error', () => {
    const never = `  - id: leap
    name: Never
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: o
    start: { type: scheduled, rrule: FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30 }
`;
    const parsed = parseModelSource(minimal('never', never), 'never.yaml');
    expect(parsed.issues).toContainEqual(
      expect.objectContaining({ severity: 'error', path: 'moments.1.start.rrule', message: expect.stringMatching(/never fires/) }),
    );
    const rruleIssue = (source: string) => parseModelSource(source).issues.find((i) => i.path === 'moments.1.start.rrule')?.message;
    expect(rruleIssue(minimal('bad', never.replace('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=SOMETIMES')))).toMatch(/not a valid rrule/);
    expect(rruleIssue(minimal('anchored', never.replace('BYMONTHDAY=30 }', 'BYMONTHDAY=3, anchor: contract_start }')))).toMatch(
      /FREQ, INTERVAL and COUNT only/,
    );
  });

  it('flags moments with no owner as an error and no objective or measure as warnings', () => {
    const vague = `  - id: vague
    name: Vague
    phase: onboarding
    channel: call
    digital: false
    start: { type: absence, event: Logged In, for: 14d }
`;
    const parsed = parseModelSource(minimal('vague', vague));
    const mine = parsed.issues.filter((i) => i.path.startsWith('moments.1'));
    expect(mine.map((i) => [i.severity, i.message])).toEqual([
      ['error', 'moment vague has no owner role'],
      ['warning', 'moment vague has no objective'],
      ['warning', 'moment vague has no measure'],
    ]);
  });

  it('requires exactly one start rule shape and known phases and moments', () => {
    const wrong = `  - id: both
    name: Both
    phase: renewal
    owner: csm
    channel: call
    digital: false
    objective: o
    start: { type: event, event: A, metric: { key: wau, change: -30 } }
`;
    const parsed = parseModelSource(minimal('wrong', wrong));
    expect(parsed.issues.map((i) => i.message)).toContain('needs exactly one of event or metric');
  });
});

describe('governance and the models API', () => {
  let database: TestDatabase;
  let ws: TestWorkspace;
  let api: Awaited<ReturnType<typeof createTestApp>>;
  let key: string;
  const clock = testClock();

  beforeAll(async () => {
    database = await createTestDatabase();
    ws = await createTestWorkspace(database.db, clock);
    api = await createTestApp(database.db, clock);
    key = await createTestKey(database.db, clock, ws);
  });
  afterAll(async () => {
    await api?.close();
    await database?.dispose();
  });

  it('the author cannot approve their own model; another admin can, and every transition is audited', async () => {
    const other = await createTestMember(database.db, clock, ws, ['admin'], 'Olga Admin');
    const draft = await createModelDraft(database.db, clock, ws.admin, { source: minimal('governed'), file: 'governed.yaml' });
    expect(draft).toMatchObject({ status: 'draft', version: 1, author: { id: ws.admin.id } });
    await expect(approveModelVersion(database.db, clock, ws.admin, draft.modelId, 1)).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/author cannot approve/),
    });
    const csm = await createTestMember(database.db, clock, ws, ['csm']);
    await expect(approveModelVersion(database.db, clock, csm.actor, draft.modelId, 1)).rejects.toMatchObject({ code: 'forbidden' });
    const approved = await approveModelVersion(database.db, clock, other.actor, draft.modelId, 1);
    expect(approved).toMatchObject({ status: 'approved', approver: { id: other.member.id, name: 'Olga Admin' } });
    const active = await activateModelVersion(database.db, clock, other.actor, draft.modelId, 1);
    expect(active.status).toBe('active');
    const retired = await retireModelVersion(database.db, clock, other.actor, draft.modelId, 1);
    expect(retired.status).toBe('retired');
    const audit = await listAudit(database.db, ws.admin, { entityType: 'model_version', entityId: draft.id, limit: 10 });
    expect(audit.items.map((a) => a.action).reverse()).toEqual(['model.drafted', 'model.approved', 'model.activated', 'model.retired']);
    expect(audit.items[0]?.actor.name).toBe('Olga Admin');
  });

  it('an approved version cannot be edited, through the operations, the API or the database', async () => {
    const other = await createTestMember(database.db, clock, ws, ['admin'], 'Reviewer');
    const draft = await createModelDraft(database.db, clock, ws.admin, { source: minimal('frozen'), file: 'frozen.yaml' });
    const edited = await updateModelDraft(database.db, clock, ws.admin, draft.modelId, 1, {
      source: minimal('frozen').replace('Meet the team.', 'Meet everyone.'),
    });
    expect(edited.definition.moments[0]?.objective).toBe('Meet everyone.');
    await approveModelVersion(database.db, clock, other.actor, draft.modelId, 1);
    await expect(updateModelDraft(database.db, clock, ws.admin, draft.modelId, 1, { source: minimal('frozen') })).rejects.toMatchObject({ code: 'conflict' });
    const res = await api.call('PUT', `/api/v1/models/${draft.modelId}/versions/1`, { key, body: { source: minimal('frozen') } });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/approved version cannot be edited/);
    await expect(sql`update model_versions set definition = '{}'::jsonb where id = ${draft.id}::uuid`.execute(database.db)).rejects.toThrow(/cannot be edited/);
  });

  it('activating a new version supersedes the old one and keeps one active version per model', async () => {
    await applyModel(database.db, clock, ws.system, { source: minimal('evolving') }, { approve: true });
    const v2 = await applyModel(database.db, clock, ws.system, { source: minimal('evolving').replace('Meet the team.', 'v2') }, { approve: true });
    expect(v2.version).toMatchObject({ version: 2, status: 'active' });
    const again = await applyModel(database.db, clock, ws.system, { source: minimal('evolving').replace('Meet the team.', 'v2') }, { approve: true });
    expect(again.created).toBe(false);
    const versions = await database.db
      .selectFrom('model_versions')
      .select(['version', 'status', 'superseded_by'])
      .where('model_id', '=', v2.version.modelId)
      .orderBy('version')
      .execute();
    expect(versions).toEqual([
      { version: 1, status: 'retired', superseded_by: v2.version.id },
      { version: 2, status: 'active', superseded_by: null },
    ]);
  });

  it('refuses to activate a model whose segment overlaps an active model without precedence', async () => {
    await createAccount(database.db, clock, ws.system, { name: 'Overlap Co', touchModel: 'high', region: 'EMEA' });
    await applyModel(
      database.db,
      clock,
      ws.system,
      { source: minimal('emea', '', 'segment: { conditions: [{ field: region, op: eq, value: EMEA }] }') },
      { approve: true },
    );
    const high = minimal('high', '', 'segment: { conditions: [{ field: touch_model, op: eq, value: high }] }');
    const check = await validateModel(database.db, clock, ws.workspaceId, { source: high });
    expect(check.valid).toBe(false);
    expect(check.issues.find((i) => i.path === 'precedence')?.message).toMatch(/overlaps active model emea on 1 account/);
    await expect(applyModel(database.db, clock, ws.system, { source: high }, { approve: true })).rejects.toMatchObject({ code: 'validation_failed' });
    const ranked = await applyModel(database.db, clock, ws.system, { source: high.replace('phases:', 'precedence: 5\nphases:') }, { approve: true });
    expect(ranked.version.status).toBe('active');
  });

  it('warns about events and metrics the workspace has never seen', async () => {
    const watch = `  - id: watch
    name: Watch
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: o
    start: { type: event, metric: { key: nowhere, change: -30 } }
  - id: quiet
    name: Quiet
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: o
    start: { type: absence, event: Never Sent, for: 14d }
`;
    const result = await validateModel(database.db, clock, ws.workspaceId, { source: minimal('unknowns', watch), file: 'unknowns.yaml' });
    expect(result.valid).toBe(true);
    expect(result.issues.filter((i) => i.severity === 'warning').map((i) => i.message)).toEqual(
      expect.arrayContaining(['nowhere is not a metric of this workspace', 'no event named "Never Sent" has been received yet']),
    );
  });

  it('creates, reads and validates drafts over the API, with errors naming line and field', async () => {
    const created = await api.call('POST', '/api/v1/models', { key, body: { source: minimal('via-api'), file: 'via-api.yaml' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'via-api', version: 1, status: 'draft' });
    const got = await api.call('GET', `/api/v1/models/${created.body.modelId}/versions/1`, { key });
    expect(got.body.definition.moments[0].id).toBe('kickoff');
    const list = await api.call('GET', '/api/v1/models', { key });
    expect(list.body.items.map((m: { key: string }) => m.key)).toContain('via-api');
    const invalid = await api.call('POST', '/api/v1/models', {
      key,
      body: { source: minimal('broken').replace('channel: meeting', 'channel: pigeon'), file: 'broken.yaml' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/^broken.yaml:\d+ moments.0.channel: /);
    const validate = await api.call('POST', '/api/v1/models/validate', { key, body: { definition: { key: 'x', name: 'X', phases: [] } } });
    expect(validate.status).toBe(200);
    expect(validate.body.valid).toBe(false);
    const approve = await api.call('POST', `/api/v1/models/${created.body.modelId}/versions/1/approve`, { key });
    expect(approve.status).toBe(403);
  });

  it('serves every example model over the API as it was saved (email and enrol actions included)', async () => {
    // A workspace of its own: no active model here overlaps the examples' segments.
    const own = await createTestKey(database.db, clock, await createTestWorkspace(database.db, clock));
    for (const file of readdirSync(examples).filter((f) => /\.ya?ml$/.test(f))) {
      const source = readFileSync(join(examples, file), 'utf8').replace(/^key: .*$/m, (line) => `${line}-served`);
      const created = await api.call('POST', '/api/v1/models', { key: own, body: { source, file } });
      expect(created.status, `${file}: ${JSON.stringify(created.body)}`).toBe(201);
      const got = await api.call('GET', `/api/v1/models/${created.body.modelId}/versions/1`, { key: own });
      expect(got.status, file).toBe(200);
      expect(got.body.source, file).toBe(source);
    }
  });

  it('refuses a draft with a YAML syntax error over the API, naming its line, and saves nothing', async () => {
    const source = minimal('syntax').replace('    channel: meeting', '    channel: [meeting');
    const line = source.split('\n').findIndex((l) => l.includes('channel: [meeting')) + 1;
    const validate = await api.call('POST', '/api/v1/models/validate', { key, body: { source, file: 'syntax.yaml' } });
    expect(validate.status).toBe(200);
    expect(validate.body.valid).toBe(false);
    expect(validate.body.issues[0]).toMatchObject({ severity: 'error', message: expect.stringMatching(/^YAML syntax/), line: expect.any(Number) });
    expect(validate.body.issues[0].line).toBeGreaterThanOrEqual(line);
    const created = await api.call('POST', '/api/v1/models', { key, body: { source, file: 'syntax.yaml' } });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toMatch(/^syntax\.yaml:\d+ \(model\): YAML syntax/);
    const saved = await database.db.selectFrom('models').select('id').where('workspace_id', '=', ws.workspaceId).where('key', '=', 'syntax').execute();
    expect(saved).toEqual([]);
    const draft = await createModelDraft(database.db, clock, ws.admin, { source: minimal('syntax-edit') });
    const update = await api.call('PUT', `/api/v1/models/${draft.modelId}/versions/1`, {
      key,
      body: { source: source.replace('key: syntax', 'key: syntax-edit') },
    });
    expect(update.status).toBe(400);
    const kept = await api.call('GET', `/api/v1/models/${draft.modelId}/versions/1`, { key });
    expect(kept.body.source).toBe(minimal('syntax-edit'));
  });

  it('says how many accounts and open moments retiring a version affects, and retiring twice is a conflict, not an error', async () => {
    await createAccount(database.db, clock, ws.system, { name: 'Impact One', tags: ['impact'] });
    await createAccount(database.db, clock, ws.system, { name: 'Impact Two', tags: ['impact'] });
    await createAccount(database.db, clock, ws.system, { name: 'Elsewhere', tags: ['elsewhere'] });
    const { version } = await applyModel(database.db, clock, ws.system, { source: minimal('impact') }, { approve: true });
    const url = `/api/v1/models/${version.modelId}/versions/${version.version}`;
    const before = await api.call('GET', `${url}/retire-impact`, { key });
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ accounts: 0, openInstances: 0 });
    await sweep(database.db, clock, { workspaceId: ws.workspaceId });
    const engaged = await api.call('GET', `${url}/retire-impact`, { key });
    expect(engaged.body).toEqual({ accounts: 2, openInstances: 2 });
    await database.db
      .updateTable('moment_instances')
      .set({ status: 'done' })
      .where('model_version_id', '=', version.id)
      .where('account_id', 'in', database.db.selectFrom('accounts').select('id').where('name', '=', 'Impact One'))
      .execute();
    expect((await api.call('GET', `${url}/retire-impact`, { key })).body).toEqual({ accounts: 2, openInstances: 1 });
    expect((await api.call('GET', `/api/v1/models/${version.modelId}/versions/99/retire-impact`, { key })).status).toBe(404);
    const other = await createTestMember(database.db, clock, ws, ['admin'], 'Second Tab');
    const [first, second] = [
      await retireModelVersion(database.db, clock, ws.admin, version.modelId, version.version),
      await api.call('POST', `${url}/retire`, { key }),
    ];
    expect(first.status).toBe('retired');
    expect(second.status).toBe(409);
    expect(second.body.error.message).toBe(`Version ${version.version} is retired: only an approved or active version can be retired`);
    await expect(retireModelVersion(database.db, clock, other.actor, version.modelId, version.version)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('streams a forecast day by day as NDJSON, then its result; an invalid model is still a plain 400', async () => {
    const source = minimal('streamed').replace('FREQ=DAILY;COUNT=1, anchor: phase_start', 'FREQ=WEEKLY');
    const accept = { accept: 'application/x-ndjson' };
    const res = await api.call('POST', '/api/v1/models/simulate', { key, headers: accept, body: { source, from: '2026-06-01', to: '2026-06-07' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = res.raw
      .trim()
      .split('\n')
      .map((l: string) => JSON.parse(l));
    expect(lines.slice(0, -1)).toEqual([1, 2, 3, 4, 5, 6, 7].map((done) => ({ progress: { done, total: 7 } })));
    expect(lines.at(-1)).toMatchObject({ result: { model: 'streamed', days: 7 } });
    const invalid = await api.call('POST', '/api/v1/models/simulate', {
      key,
      headers: accept,
      body: { source: source.replace('owner: csm', 'owner: wizard'), from: '2026-06-01', to: '2026-06-07' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('validation_failed');
  });

  it('forecasts a model over the API without writing anything', async () => {
    await createAccount(database.db, clock, ws.system, { name: 'Forecast Co', tags: ['forecast'] });
    const source = minimal('forecast').replace('FREQ=DAILY;COUNT=1, anchor: phase_start', 'FREQ=WEEKLY');
    const res = await api.call('POST', '/api/v1/models/simulate', { key, body: { source, from: '2026-06-01', to: '2026-06-28' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ model: 'forecast', days: 28, accounts: 1, total: 4, byRule: { scheduled: 4 }, digitalShare: 0 });
    expect(res.body.perWeek.map((w: { role: string; moments: number }) => [w.role, w.moments])).toEqual([
      ['csm', 1],
      ['csm', 1],
      ['csm', 1],
      ['csm', 1],
    ]);
    const models = await api.call('GET', '/api/v1/models', { key });
    expect(models.body.items.map((m: { key: string }) => m.key)).not.toContain('forecast');
    const tooLong = await api.call('POST', '/api/v1/models/simulate', { key, body: { source, from: '2026-01-01', to: '2026-12-31' } });
    expect(tooLong.status).toBe(400);
    const grown = await api.call('POST', '/api/v1/models/simulate', {
      key,
      body: { source, from: '2026-06-01', to: '2026-06-28', growth: { accountsPerMonth: 30 } },
    });
    expect(grown.status).toBe(200);
    expect(grown.body.growth.added).toBeGreaterThan(0);
    expect(grown.body.total).toBeGreaterThan(res.body.total);
    const both = await api.call('POST', '/api/v1/models/simulate', {
      key,
      body: { source, from: '2026-06-01', to: '2026-06-28', growth: { accountsPerMonth: 30, monthlyRate: 5 } },
    });
    expect(both.status).toBe(400);
  });

  it('maps responsibilities per role across active models', async () => {
    await applyModel(database.db, clock, ws.system, { source: minimal('raci') }, { approve: true });
    const informed = await listResponsibilities(database.db, ws.admin, 'executive');
    const row = informed.find((r) => r.model.key === 'raci');
    expect(row).toMatchObject({ as: ['informed'], responsible: 'csm', accountable: 'account_manager', tools: ['CRM'], measure: 'days to kickoff' });
    const res = await api.call('GET', '/api/v1/responsibilities?role=account_manager', { key });
    expect(res.status).toBe(200);
    expect(res.body.items.some((r: { model: { key: string }; as: string[] }) => r.model.key === 'raci' && r.as.includes('accountable'))).toBe(true);
  });
});
