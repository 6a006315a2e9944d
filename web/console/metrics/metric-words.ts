// Metrics and events in words, for the Metrics page and the account's Activity tab.
import type { MetricKind } from '../../../src/modules/metrics/metrics.schema.ts';
import { humanize } from '../../ui/format.ts';

/** What each kind of metric measures, as the form offers it. */
export const kindWords: Record<MetricKind, { label: string; description: string }> = {
  count: { label: 'How many times it happened', description: 'Counts the events.' },
  distinct_users: { label: 'How many different people did it', description: 'Counts the distinct users who sent the event.' },
  sum: { label: 'Total of a number in the event', description: 'Adds up a numeric property of the events (e.g. seats, pages, amount).' },
  last_seen: { label: 'When it last happened', description: 'The last time the event happened on the account.' },
};

/** Short words for a kind in lists ("Count", "Distinct users" ...). */
export const kindShort: Record<MetricKind, string> = {
  count: 'Count',
  distinct_users: 'Distinct users',
  sum: 'Sum',
  last_seen: 'Last seen',
};

/**
 * An event name as words: names a product sends with spaces ("Report Exported") stay as they are; snake, kebab, dotted
 * or camel case reads as a sentence ('meeting_held' -> 'Meeting held', 'signUpCompleted' -> 'Sign up completed').
 */
export function readableEventName(name: string): string {
  if (/\s/.test(name.trim())) return name.trim();
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_\-.:/]+/g, ' ')
    .trim()
    .toLowerCase();
  return humanize(words);
}

export const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** What one day's value of a metric is made of, for chart tooltips ("events", "people", "pages"). */
export function unitOf(kind: MetricKind, property: string | null | undefined): string {
  if (kind === 'distinct_users') return 'people';
  if (kind === 'sum') return property ? humanize(property).toLowerCase() : 'total';
  return 'events';
}
