import { useQuery } from '@tanstack/react-query';
import type { Metric, SeenEvent } from '../../../src/modules/metrics/metrics.schema.ts';
import { api } from '../api-client.ts';

export const metricsKey = ['metrics'] as const;

/** The workspace's metric definitions (GET /api/v1/metrics). */
export function useMetrics() {
  return useQuery({ queryKey: metricsKey, queryFn: () => api.get<{ items: Metric[] }>('/metrics').then((r) => r.items) });
}

/** The event names seen in the workspace, for the event field's suggestions. */
export function useSeenEvents() {
  return useQuery({
    queryKey: [...metricsKey, 'event-names'],
    queryFn: () => api.get<{ items: SeenEvent[] }>('/metrics/event-names').then((r) => r.items),
    staleTime: 60_000,
  });
}
