import { useQuery } from '@tanstack/react-query';
import { api } from '../api-client.ts';
import type { Segment } from '../api-types.ts';

export const segmentsKey = ['segments'] as const;

export function useSegments() {
  return useQuery({ queryKey: segmentsKey, queryFn: () => api.get<{ items: Segment[] }>('/segments').then((r) => r.items) });
}
