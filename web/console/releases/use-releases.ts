import { useQuery } from '@tanstack/react-query';
import type { OwnedOffering, Release } from '../../../src/modules/releases/releases.schema.ts';
import { api } from '../api-client.ts';

export const releasesKey = ['releases'] as const;

export function useReleases() {
  return useQuery({ queryKey: releasesKey, queryFn: () => api.get<{ items: Release[] }>('/releases').then((r) => r.items) });
}

/** The offerings accounts own, with how many accounts own each (a release's audience). */
export function useOwnedOfferings() {
  return useQuery({
    queryKey: [...releasesKey, 'offerings'],
    queryFn: () => api.get<{ items: OwnedOffering[] }>('/releases/offerings').then((r) => r.items),
  });
}
