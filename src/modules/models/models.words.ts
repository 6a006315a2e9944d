// Model rules in words, for people (the console's journey map and responsibilities table): free of server code.
import * as rrulePackage from 'rrule';
import type { Duration, ScheduleAnchor, StartRule } from './models.schema.ts';

// rrule ships CommonJS for Node (its classes under the default export) and ESM for the browser bundle (named exports);
// the key is a variable so the bundler does not warn about the default export the ESM build lacks.
const interop = 'default';
const { RRule } = (rrulePackage as unknown as Record<string, typeof rrulePackage | undefined>)[interop] ?? rrulePackage;

const units = { h: 'hour', d: 'day', w: 'week' } as const;

/** "14d" -> "14 days", "1w" -> "1 week". */
export function durationInWords(duration: Duration): string {
  const n = Number.parseInt(duration, 10);
  const unit = units[duration.at(-1) as keyof typeof units];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

const anchors: Record<Exclude<ScheduleAnchor, 'calendar'>, string> = {
  engaged: 'engagement',
  phase_start: 'the phase start',
  contract_start: 'contract start',
};

/**
 * A scheduled rule in words: "every 3 months from contract start", "once, 14 days after the phase start",
 * "every month on the 1st Monday". An rrule the package cannot read is shown as written.
 */
export function scheduleInWords(rule: { rrule: string; anchor?: ScheduleAnchor | undefined; offset?: Duration | undefined }): string {
  let once = false;
  let repeat: string;
  try {
    const parsed = RRule.fromString(rule.rrule);
    once = parsed.options.count === 1;
    repeat = parsed.toText().replace(/ for (\d+) times?$/, (_m, n: string) => `, ${n} times`);
  } catch {
    return rule.rrule;
  }
  const anchor = rule.anchor ?? 'calendar';
  const offset = rule.offset ? durationInWords(rule.offset) : undefined;
  if (anchor === 'calendar') {
    if (once) return offset ? `once, ${offset} after the rule's date` : 'once';
    return offset ? `${repeat}, shifted ${offset} later` : repeat;
  }
  const from = anchors[anchor];
  if (once) return offset ? `once, ${offset} after ${from}` : `once, at ${from}`;
  return offset ? `${repeat} from ${from}, the first ${offset} after it` : `${repeat} from ${from}`;
}

/** A moment's start rule in short words, as moment cards show it. */
export function startInWords(start: StartRule): string {
  switch (start.type) {
    case 'scheduled':
      return capitalize(scheduleInWords(start));
    case 'event': {
      const cooldown = start.cooldown ? ` (at most once per ${durationInWords(start.cooldown)})` : '';
      if (start.metric) {
        const m = start.metric;
        const what = m.change !== undefined ? `changes by ${m.change}%` : `is ${comparisons[m.op ?? 'lt']} ${m.value}`;
        return `When ${m.key} ${what} over ${durationInWords(m.window)}${cooldown}`;
      }
      const where = start.where.length ? ` where ${start.where.map((w) => `${w.property} ${w.op} ${String(w.value ?? '')}`).join(', ')}` : '';
      return `On ${start.event}${where}${cooldown}`;
    }
    case 'absence':
      return start.event
        ? `No ${start.event} for ${durationInWords(start.for)}`
        : `${start.metric?.key} below ${start.metric?.below} for ${durationInWords(start.for)}`;
    case 'expectation': {
      const after =
        'phase' in start.after ? `the ${start.after.phase} phase starts` : 'moment' in start.after ? `${start.after.moment} is done` : 'contract start';
      return `Expect ${start.atLeast > 1 ? `${start.atLeast} × ` : ''}${start.event} within ${durationInWords(start.within)} after ${after}; else escalate to ${start.escalateTo.replace('_', ' ')}`;
    }
  }
}

const comparisons = { lt: 'below', lte: 'at most', gt: 'above', gte: 'at least' } as const;

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
