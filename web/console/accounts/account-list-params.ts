// The accounts list's state lives in the URL query, so a filtered, sorted view can be shared as a link.
import { type AccountSort, accountSorts } from '../../../src/modules/accounts/accounts.schema.ts';

export const listFilterKeys = ['touchModel', 'buyingCulture', 'targetDigitalType', 'region', 'industry', 'phase'] as const;
export type ListFilterKey = (typeof listFilterKeys)[number];

export const pageSizes = ['25', '50', '100'] as const;

export interface AccountListParams {
  q: string;
  segment: string | null;
  filters: Record<ListFilterKey, string[]>;
  sort: AccountSort;
  limit: number;
}

const split = (value: string | null) =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

export function readListParams(search: URLSearchParams): AccountListParams {
  const sort = search.get('sort');
  const limit = Number(search.get('limit'));
  const filters = Object.fromEntries(listFilterKeys.map((key) => [key, split(search.get(key))])) as Record<ListFilterKey, string[]>;
  return {
    q: search.get('q') ?? '',
    segment: search.get('segment') || null,
    filters,
    sort: (accountSorts as readonly string[]).includes(sort ?? '') ? (sort as AccountSort) : 'name',
    limit: (pageSizes as readonly string[]).includes(String(limit)) ? limit : 25,
  };
}

/** The URL query for a list state; defaults are left out to keep links short. */
export function writeListParams(params: AccountListParams): URLSearchParams {
  const out = new URLSearchParams();
  if (params.q) out.set('q', params.q);
  if (params.segment) out.set('segment', params.segment);
  for (const key of listFilterKeys) if (params.filters[key].length > 0) out.set(key, params.filters[key].join(','));
  if (params.sort !== 'name') out.set('sort', params.sort);
  if (params.limit !== 25) out.set('limit', String(params.limit));
  return out;
}

/** The API query for a list state (the API takes the same names, lists comma-separated). */
export function apiQuery(params: AccountListParams, cursor: string | undefined) {
  return {
    q: params.q || undefined,
    segment: params.segment ?? undefined,
    ...params.filters,
    sort: params.sort,
    limit: params.limit,
    cursor,
  };
}

export function activeFilterCount(params: AccountListParams): number {
  return listFilterKeys.reduce((n, key) => n + (params.filters[key].length > 0 ? 1 : 0), 0) + (params.segment ? 1 : 0);
}
