import { useQuery } from '@tanstack/react-query';
import type { ContactConsent, ListForm, MailingList, Suppression } from '../../../src/modules/consent/consent.schema.ts';
import { api } from '../api-client.ts';

export const listsKey = ['lists'] as const;

export function useLists(includeArchived = false) {
  return useQuery({
    queryKey: [...listsKey, { includeArchived }],
    queryFn: () => api.get<{ items: MailingList[] }>('/lists', { includeArchived }).then((r) => r.items),
  });
}

export function useListForm(id: string | undefined) {
  return useQuery({
    queryKey: [...listsKey, id, 'form'],
    enabled: id !== undefined,
    queryFn: () => api.get<ListForm>(`/lists/${id}/form`),
  });
}

export const suppressionsKey = ['suppressions'] as const;

export function useSuppressions(q: string) {
  return useQuery({
    queryKey: [...suppressionsKey, q],
    queryFn: () => api.get<{ items: Suppression[] }>('/suppressions', { q }).then((r) => r.items),
  });
}

export const consentKey = (contactId: string) => ['contact-consent', contactId] as const;

export function useContactConsent(contactId: string) {
  return useQuery({ queryKey: consentKey(contactId), queryFn: () => api.get<ContactConsent>(`/contacts/${contactId}/consent`) });
}
