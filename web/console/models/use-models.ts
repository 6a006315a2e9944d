import { useQuery } from '@tanstack/react-query';
import { api } from '../api-client.ts';
import type { ModelSummary, ModelVersion } from './model-types.ts';

export const modelsKey = ['models'] as const;

export function useModels() {
  return useQuery({ queryKey: modelsKey, queryFn: () => api.get<{ items: ModelSummary[] }>('/models').then((r) => r.items) });
}

export function useModel(id: string | undefined) {
  return useQuery({ queryKey: [...modelsKey, id], queryFn: () => api.get<ModelSummary>(`/models/${id}`), enabled: Boolean(id) });
}

export function useModelVersion(id: string | undefined, version: number | undefined) {
  return useQuery({
    queryKey: [...modelsKey, id, 'versions', version],
    queryFn: () => api.get<ModelVersion>(`/models/${id}/versions/${version}`),
    enabled: Boolean(id && version),
  });
}

/** Short words for a moment's start rule, as the journey map shows it. */
export function describeRule(start: ModelVersion['definition']['moments'][number]['start']): string {
  switch (start.type) {
    case 'scheduled':
      return `Scheduled: ${start.rrule}${start.anchor !== 'calendar' ? ` from ${start.anchor.replace('_', ' ')}` : ''}${start.offset ? ` + ${start.offset}` : ''}`;
    case 'event':
      return start.metric
        ? `Metric ${start.metric.key} ${start.metric.change !== undefined ? `changes ${start.metric.change}%` : `${start.metric.op} ${start.metric.value}`} over ${start.metric.window}`
        : `Event: ${start.event}${start.where.length ? ` (${start.where.map((w) => `${w.property} ${w.op} ${String(w.value ?? '')}`).join(', ')})` : ''}`;
    case 'absence':
      return start.event ? `No ${start.event} for ${start.for}` : `${start.metric?.key} below ${start.metric?.below} for ${start.for}`;
    case 'expectation':
      return `Expect ${start.atLeast > 1 ? `${start.atLeast}× ` : ''}${start.event} within ${start.within}; else escalate to ${start.escalateTo}`;
  }
}
