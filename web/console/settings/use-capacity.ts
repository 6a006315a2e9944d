import { useQuery } from '@tanstack/react-query';
import type { Capacity } from '../../../src/modules/capacity/capacity.schema.ts';
import { api } from '../api-client.ts';

export const capacityKey = ['capacity'] as const;

/** Each team role's monthly capacity (active members × hours per member), the workspace's setting. */
export function useCapacity() {
  return useQuery({ queryKey: capacityKey, queryFn: () => api.get<Capacity>('/capacity') });
}
