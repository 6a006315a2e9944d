import { useQuery } from '@tanstack/react-query';
import type { MemberView as Member } from '../../../src/modules/members/members.schema.ts';
import { api } from '../api-client.ts';

export const membersKey = ['members'] as const;

export function useMembers() {
  return useQuery({ queryKey: membersKey, queryFn: () => api.get<{ items: Member[] }>('/members').then((r) => r.items) });
}
