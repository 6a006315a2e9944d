import { useQuery } from '@tanstack/react-query';
import type { AudiencePreview, Campaign, CampaignDetail } from '../../../src/modules/campaigns/campaigns.schema.ts';
import type { MailingList } from '../../../src/modules/consent/consent.schema.ts';
import type { SegmentWithCount } from '../../../src/modules/segments/segments.schema.ts';
import type { Template } from '../../../src/modules/templates/templates.schema.ts';
import { api } from '../api-client.ts';

export const templatesKey = ['templates'] as const;
export const campaignsKey = ['campaigns'] as const;

export function useTemplates(archived = false) {
  return useQuery({
    queryKey: [...templatesKey, { archived }],
    queryFn: () => api.get<{ items: Template[] }>('/templates', { archived }).then((r) => r.items),
  });
}

export function useTemplate(ref: string | undefined) {
  return useQuery({ queryKey: [...templatesKey, ref], queryFn: () => api.get<Template>(`/templates/${ref}`), enabled: Boolean(ref) });
}

export function useCampaigns() {
  return useQuery({ queryKey: campaignsKey, queryFn: () => api.get<{ items: Campaign[] }>('/campaigns').then((r) => r.items), refetchInterval: 30_000 });
}

export function useCampaign(id: string) {
  return useQuery({
    queryKey: [...campaignsKey, id],
    queryFn: () => api.get<CampaignDetail>(`/campaigns/${id}`),
    // Sending campaigns move every few seconds.
    refetchInterval: (q) => (q.state.data?.status === 'sending' ? 5000 : 30_000),
  });
}

export function useAudiencePreview(input: { templateId: string; listId: string; segmentId: string | null; personas: string[] } | null) {
  return useQuery({
    queryKey: [...campaignsKey, 'audience', input],
    queryFn: () => api.post<AudiencePreview>('/campaigns/audience-preview', input),
    enabled: input !== null && input.templateId !== '' && input.listId !== '',
    retry: false,
  });
}

/** Lists and segments a campaign picks from. */
export function useAudienceChoices() {
  const lists = useQuery({
    queryKey: ['lists'],
    queryFn: () => api.get<{ items: MailingList[] }>('/lists').then((r) => r.items),
  });
  const segments = useQuery({
    queryKey: ['segments'],
    queryFn: () => api.get<{ items: SegmentWithCount[] }>('/segments').then((r) => r.items),
  });
  return { lists, segments };
}

export const campaignStatusColor: Record<Campaign['status'], string> = {
  draft: 'gray',
  scheduled: 'blue',
  sending: 'teal',
  paused: 'yellow',
  sent: 'green',
  cancelled: 'dark',
};

export const reasonLabels: Record<string, string> = {
  no_email: 'No email address',
  suppressed: 'Suppressed address',
  withdrawn: 'Unsubscribed',
  no_consent: 'No consent',
  unconfirmed: 'Not confirmed yet',
  left_company: 'Left the company',
  list_archived: 'List archived',
  member_inactive: 'Member inactive',
  member_opted_out: 'Member opted out',
  missing_data: 'Missing data the template needs',
};
