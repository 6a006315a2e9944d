import { describe, expect, it } from 'vitest';
import { startRuleSchema } from './models.schema.ts';
import { durationInWords, scheduleInWords, startInWords } from './models.words.ts';

describe('schedules in words', () => {
  it.each([
    [{ rrule: 'FREQ=MONTHLY;INTERVAL=3', anchor: 'contract_start' as const }, 'every 3 months from contract start'],
    [{ rrule: 'FREQ=DAILY;COUNT=1', anchor: 'phase_start' as const }, 'once, at the phase start'],
    [{ rrule: 'FREQ=DAILY;COUNT=1', anchor: 'phase_start' as const, offset: '14d' }, 'once, 14 days after the phase start'],
    [{ rrule: 'FREQ=MONTHLY;BYDAY=1MO', anchor: 'calendar' as const }, 'every month on the 1st Monday'],
    [{ rrule: 'FREQ=WEEKLY;INTERVAL=2', anchor: 'engaged' as const, offset: '1w' }, 'every 2 weeks from engagement, the first 1 week after it'],
    [{ rrule: 'FREQ=MONTHLY;INTERVAL=3;COUNT=4', anchor: 'contract_start' as const }, 'every 3 months, 4 times from contract start'],
    [{ rrule: 'FREQ=YEARLY' }, 'every year'],
  ])('%o reads "%s"', (rule, words) => {
    expect(scheduleInWords(rule)).toBe(words);
  });

  it('shows an rrule it cannot read as written', () => {
    expect(scheduleInWords({ rrule: 'FREQ=SOMETIMES' })).toBe('FREQ=SOMETIMES');
  });

  it('spells durations with their unit and plural', () => {
    expect([durationInWords('1d'), durationInWords('12h'), durationInWords('3w')]).toEqual(['1 day', '12 hours', '3 weeks']);
  });

  it('describes every kind of start rule without raw rule syntax', () => {
    expect(startInWords({ type: 'scheduled', rrule: 'FREQ=MONTHLY;INTERVAL=3', anchor: 'contract_start' })).toBe('Every 3 months from contract start');
    expect(startInWords({ type: 'event', event: 'Ticket Opened', where: [{ property: 'priority', op: 'eq', value: 'urgent' }], cooldown: '7d' })).toBe(
      'On Ticket Opened where priority eq urgent (at most once per 7 days)',
    );
    expect(startInWords({ type: 'event', where: [], metric: { key: 'logins', window: '7d', change: -30 } })).toBe('When logins changes by -30% over 7 days');
    expect(startInWords({ type: 'absence', event: 'Login', for: '14d' })).toBe('No Login for 14 days');
    expect(
      startInWords(
        startRuleSchema.parse({
          type: 'expectation',
          event: 'Report Viewed',
          atLeast: 2,
          within: '3w',
          after: { phase: 'onboarding' },
          escalateTo: 'account_manager',
        }),
      ),
    ).toBe('Expect 2 × Report Viewed within 3 weeks after the onboarding phase starts; else escalate to account manager');
  });
});
