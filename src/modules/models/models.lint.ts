import rrulePackage from 'rrule';
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type ModelDefinition, type ModelIssue, modelDefinitionSchema, type ScheduledRule } from './models.schema.ts';

// rrule ships CommonJS for Node: its named exports are reached through the default import.
const { RRule } = rrulePackage;

export type SourceFormat = 'yaml' | 'json';

export interface ParsedModel {
  definition: ModelDefinition | undefined;
  issues: ModelIssue[];
}

/** Calendar rules without a DTSTART count from this instant (so "monthly" lands on the same days for everyone). */
export const CALENDAR_EPOCH = new Date('2000-01-01T09:00:00Z');
/** Anchored rules are checked against this sample anchor. */
const SAMPLE_ANCHOR = new Date('2026-01-01T09:00:00Z');
const ANCHORED_OPTIONS = new Set(['freq', 'interval', 'count']);

export const formatOf = (file: string): SourceFormat => (/\.json$/i.test(file) ? 'json' : 'yaml');

/**
 * Parses and checks a model file: syntax, the schema, then the model's own rules (lint). Every issue names
 * the file, line and field, e.g. `models/cs.yaml:42 moments.3.start.rrule: never fires`.
 */
export function parseModelSource(source: string, file = 'model', format: SourceFormat = formatOf(file)): ParsedModel {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return {
      definition: undefined,
      issues: doc.errors.map((e) => ({
        severity: 'error',
        path: '',
        message: `${format === 'json' ? 'JSON' : 'YAML'} syntax: ${e.message.split('\n')[0]}`,
        file,
        ...at(e.pos[0]),
      })),
    };
  }
  const locate = locator(doc, lineCounter, file);
  const parsed = modelDefinitionSchema.safeParse(doc.toJS());
  if (!parsed.success) return { definition: undefined, issues: zodIssues(parsed.error).map(locate) };
  const issues = lintDefinition(parsed.data).map(locate);
  return { definition: issues.some((i) => i.severity === 'error') ? undefined : parsed.data, issues };
}

type Doc = ReturnType<typeof parseDocument>;

/** Maps an issue's dotted path to the line and column of the closest node that exists in the file. */
function locator(doc: Doc, lineCounter: LineCounter, file: string): (issue: ModelIssue) => ModelIssue {
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  return (issue) => {
    const path = issue.path === '' ? [] : issue.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      // For a missing key, this points at the mapping that lacks it.
      if (node && typeof node === 'object' && node.range) return { ...issue, file, ...at(node.range[0]) };
      if (n === 0 && isMap(doc.contents)) return { ...issue, file, ...at(doc.contents.range?.[0]) };
    }
    return { ...issue, file };
  };
}

/** Adds file, line and column to issues found later (e.g. against the workspace) for a model read from this source. */
export function locateIssues(source: string, file: string, issues: ModelIssue[]): ModelIssue[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  return issues.map(locator(doc, lineCounter, file));
}

/** Checks a definition that came as JSON through the API: the same issues, without line numbers. */
export function checkDefinition(input: unknown): ParsedModel {
  const parsed = modelDefinitionSchema.safeParse(input);
  if (!parsed.success) return { definition: undefined, issues: zodIssues(parsed.error) };
  const issues = lintDefinition(parsed.data);
  return { definition: issues.some((i) => i.severity === 'error') ? undefined : parsed.data, issues };
}

function zodIssues(error: z.ZodError): ModelIssue[] {
  return error.issues.map((i) => ({ severity: 'error', path: i.path.join('.'), message: i.message }));
}

const error = (path: string, message: string): ModelIssue => ({ severity: 'error', path, message });
const warning = (path: string, message: string): ModelIssue => ({ severity: 'warning', path, message });

/** The model's own rules, beyond its shape. */
export function lintDefinition(def: ModelDefinition): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const phaseKeys = new Set<string>();
  def.phases.forEach((p, i) => {
    if (phaseKeys.has(p.key)) issues.push(error(`phases.${i}.key`, `phase ${p.key} is defined twice`));
    phaseKeys.add(p.key);
  });
  const momentIds = new Map<string, number>();
  def.moments.forEach((m, i) => {
    if (momentIds.has(m.id)) issues.push(error(`moments.${i}.id`, `moment ${m.id} is defined twice`));
    momentIds.set(m.id, i);
  });
  def.phases.forEach((p, i) => {
    for (const [side, c] of [
      ['entry', p.entry],
      ['exit', p.exit],
    ] as const) {
      c?.momentsDone?.forEach((id, j) => {
        if (!momentIds.has(id)) issues.push(error(`phases.${i}.${side}.momentsDone.${j}`, `${id} is not a moment of this model`));
      });
    }
    if (p.exit && i === def.phases.length - 1) issues.push(warning(`phases.${i}.exit`, `${p.key} is the last phase: its exit criteria lead nowhere`));
  });
  def.moments.forEach((m, i) => {
    const at = `moments.${i}`;
    if (!phaseKeys.has(m.phase)) issues.push(error(`${at}.phase`, `${m.phase} is not a phase of this model (${[...phaseKeys].join(', ')})`));
    if (!m.owner) issues.push(error(`${at}.owner`, `moment ${m.id} has no owner role`));
    if (!m.objective) issues.push(warning(`${at}.objective`, `moment ${m.id} has no objective`));
    if (!m.responsibilities.measure) issues.push(warning(`${at}.responsibilities.measure`, `moment ${m.id} has no measure`));
    if (m.action && m.owner !== 'automated') issues.push(error(`${at}.action`, 'only an automated moment (owner: automated) runs an action'));
    if (m.owner === 'automated' && !m.digital) issues.push(warning(`${at}.digital`, 'an automated moment is digital'));
    if (m.action?.type === 'email' && m.channel !== 'email') issues.push(warning(`${at}.channel`, `moment ${m.id} sends an email: its channel is email`));
    const rule = m.start;
    if (rule.type === 'scheduled') issues.push(...lintSchedule(rule, `${at}.start`));
    if (rule.type === 'expectation') {
      const after = rule.after;
      if ('phase' in after && !phaseKeys.has(after.phase)) issues.push(error(`${at}.start.after.phase`, `${after.phase} is not a phase of this model`));
      if ('moment' in after && !momentIds.has(after.moment)) issues.push(error(`${at}.start.after.moment`, `${after.moment} is not a moment of this model`));
    }
  });
  issues.push(...expectationCycles(def));
  return issues;
}

/** Expectations anchored on other moments must not loop: a → b → a would wait on itself forever. */
function expectationCycles(def: ModelDefinition): ModelIssue[] {
  const next = new Map<string, string>();
  for (const m of def.moments) if (m.start.type === 'expectation' && 'moment' in m.start.after) next.set(m.id, m.start.after.moment);
  const reported = new Set<string>();
  const issues: ModelIssue[] = [];
  for (const start of next.keys()) {
    const path: string[] = [];
    let current: string | undefined = start;
    while (current !== undefined && !path.includes(current)) {
      path.push(current);
      current = next.get(current);
    }
    if (current === undefined) continue;
    const cycle = path.slice(path.indexOf(current));
    const id = [...cycle].sort().join(',');
    if (reported.has(id)) continue;
    reported.add(id);
    const index = def.moments.findIndex((m) => m.id === cycle[0]);
    issues.push(error(`moments.${index}.start.after.moment`, `expectations form a cycle: ${[...cycle, cycle[0]].join(' → ')}`));
  }
  return issues;
}

export interface ParsedSchedule {
  rule: InstanceType<typeof RRule>;
  anchored: boolean;
}

/** Reads a scheduled rule's rrule; throws a message when it cannot be used. */
export function readSchedule(rule: ScheduledRule): ParsedSchedule {
  const text = rule.rrule.trim().replace(/^RRULE:/i, '');
  let options: ReturnType<typeof RRule.parseString>;
  try {
    options = RRule.parseString(text);
  } catch (e) {
    throw new Error(`is not a valid rrule: ${(e as Error).message}`);
  }
  if (options.freq === undefined) throw new Error('is not a valid rrule: FREQ is missing');
  if (options.freq > RRule.DAILY) throw new Error('recurs more often than daily: the engine schedules days, not hours');
  const anchored = rule.anchor !== 'calendar';
  if (anchored) {
    const extra = Object.keys(options).filter((k) => !ANCHORED_OPTIONS.has(k) && (options as Record<string, unknown>)[k] != null);
    if (extra.length > 0) {
      throw new Error(`counts from the ${rule.anchor.replace('_', ' ')}, so it may use FREQ, INTERVAL and COUNT only (not ${extra.join(', ').toUpperCase()})`);
    }
    return { rule: new RRule({ ...options, dtstart: SAMPLE_ANCHOR }), anchored };
  }
  return { rule: new RRule({ ...options, dtstart: options.dtstart ?? CALENDAR_EPOCH }), anchored };
}

function lintSchedule(rule: ScheduledRule, at: string): ModelIssue[] {
  let schedule: ParsedSchedule;
  try {
    schedule = readSchedule(rule);
  } catch (e) {
    return [error(`${at}.rrule`, (e as Error).message)];
  }
  const start = schedule.rule.options.dtstart;
  if (schedule.rule.options.count === 0 || schedule.rule.after(new Date(start.getTime() - 1), true) === null) {
    return [error(`${at}.rrule`, `never fires: ${rule.rrule} has no occurrence`)];
  }
  return [];
}

/** One line per issue, as the CLI prints them. */
export function formatIssue(issue: ModelIssue): string {
  const where = issue.file ? `${issue.file}${issue.line ? `:${issue.line}` : ''}${issue.column ? `:${issue.column}` : ''} ` : '';
  return `${where}${issue.severity} ${issue.path || '(model)'}: ${issue.message}`;
}
