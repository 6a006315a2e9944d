import { useQuery } from '@tanstack/react-query';
import type { SegmentWithCount as Segment } from '../../../src/modules/segments/segments.schema.ts';
import { api } from '../api-client.ts';

export const segmentsKey = ['segments'] as const;

export function useSegments() {
  return useQuery({ queryKey: segmentsKey, queryFn: () => api.get<{ items: Segment[] }>('/segments').then((r) => r.items) });
}
