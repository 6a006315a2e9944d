import { useQuery } from '@tanstack/react-query';
import { api } from '../api-client.ts';
import type { Account } from '../api-types.ts';

export const accountKey = (id: string) => ['accounts', 'one', id] as const;

export function useAccount(id: string) {
  return useQuery({ queryKey: accountKey(id), queryFn: () => api.get<Account>(`/accounts/${id}`) });
}
