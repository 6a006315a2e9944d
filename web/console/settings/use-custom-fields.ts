import { useQuery } from '@tanstack/react-query';
import type { CustomFieldView as CustomField } from '../../../src/modules/customfields/customfields.schema.ts';
import { api } from '../api-client.ts';

export const customFieldsKey = ['custom-fields'] as const;

export function useCustomFields(entity?: 'account' | 'contact') {
  return useQuery({
    queryKey: [...customFieldsKey, entity ?? 'all'],
    queryFn: () => api.get<{ items: CustomField[] }>('/custom-fields', { entity }).then((r) => r.items),
  });
}
