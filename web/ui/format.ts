// Display formatting shared by every console page.

const currency = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const preciseCurrency = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2 });
const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

export function formatMoney(value: number | null | undefined, code = 'USD', precise = false): string {
  if (value === null || value === undefined) return '—';
  if (code === 'USD') return (precise ? preciseCurrency : currency).format(value);
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: code, maximumFractionDigits: precise ? 2 : 0 }).format(value);
}

/** A 'YYYY-MM-DD' date (or an ISO timestamp) as "3 Mar 2027"; dates are calendar days, so shown in UTC. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? value : dateFormat.format(date);
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : dateTimeFormat.format(date);
}

const acronyms = new Set(['csm', 'arr', 'qbr', 'api', 'nps', 'csat', 'id']);

/** 'value_offered' -> 'Value offered', 'csm' -> 'CSM'. */
export function humanize(value: string | null | undefined): string {
  if (!value) return '—';
  const words = value
    .replace(/[_-]+/g, ' ')
    .trim()
    .split(' ')
    .map((word) => (acronyms.has(word.toLowerCase()) ? word.toUpperCase() : word));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A key from a label, at most `max` characters: "Support plan" -> "support_plan". */
export function keyFrom(label: string, max: number): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, max);
}

/** Select options from enum values. */
export function options(values: readonly string[]): { value: string; label: string }[] {
  return values.map((value) => ({ value, label: humanize(value) }));
}
