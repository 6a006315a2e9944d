import { useQuery } from '@tanstack/react-query';
import { api } from '../api-client.ts';
import type { Member } from '../api-types.ts';

export const membersKey = ['members'] as const;

export function useMembers() {
  return useQuery({ queryKey: membersKey, queryFn: () => api.get<{ items: Member[] }>('/members').then((r) => r.items) });
}
