import { useQuery } from '@tanstack/react-query';
import type { ModelRetireImpact, ModelSummary, ModelValidation, ModelVersion } from '../../../src/modules/models/models.schema.ts';
import { api } from '../api-client.ts';

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

/** How many accounts and open moment instances retiring this version affects (asked when the confirmation opens). */
export function useRetireImpact(id: string | undefined, version: number | undefined, enabled: boolean) {
  return useQuery({
    queryKey: [...modelsKey, id, 'versions', version, 'retire-impact'],
    queryFn: () => api.get<ModelRetireImpact>(`/models/${id}/versions/${version}/retire-impact`),
    enabled: Boolean(id && version) && enabled,
    staleTime: 0,
  });
}

/** The file name issues are reported against (the editor shows lines, not the name). */
export const EDITOR_FILE = 'model.yaml';

/** Checks a YAML source: shape, lint and fit with the workspace (nothing is saved). */
export function validateSource(source: string): Promise<ModelValidation> {
  return api.post<ModelValidation>('/models/validate', { source, format: 'yaml', file: EDITOR_FILE });
}
