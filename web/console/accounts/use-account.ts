import { useQuery } from '@tanstack/react-query';
import type { AccountView as Account } from '../../../src/modules/accounts/accounts.schema.ts';
import { api } from '../api-client.ts';

export const accountKey = (id: string) => ['accounts', 'one', id] as const;

export function useAccount(id: string) {
  return useQuery({ queryKey: accountKey(id), queryFn: () => api.get<Account>(`/accounts/${id}`) });
}
