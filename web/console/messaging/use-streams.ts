import { useQuery } from '@tanstack/react-query';
import type { MailingList } from '../../../src/modules/consent/consent.schema.ts';
import type { SegmentWithCount } from '../../../src/modules/segments/segments.schema.ts';
import type { Enrolment, Stream, StreamStats } from '../../../src/modules/streams/streams.schema.ts';
import type { Template } from '../../../src/modules/templates/templates.schema.ts';
import { api } from '../api-client.ts';

export const streamsKey = ['streams'] as const;

export function useStreams() {
  return useQuery({ queryKey: streamsKey, queryFn: () => api.get<{ items: Stream[] }>('/streams').then((r) => r.items) });
}

export function useStream(id: string) {
  return useQuery({ queryKey: [...streamsKey, id], queryFn: () => api.get<Stream>(`/streams/${id}`), refetchInterval: 30_000 });
}

export function useStreamStats(id: string) {
  return useQuery({ queryKey: [...streamsKey, id, 'stats'], queryFn: () => api.get<StreamStats>(`/streams/${id}/stats`), refetchInterval: 30_000 });
}

export function useEnrolments(id: string, state: 'active' | 'completed' | 'exited' | 'all') {
  return useQuery({
    queryKey: [...streamsKey, id, 'enrolments', state],
    queryFn: () =>
      api.get<{ items: Enrolment[] }>(`/streams/${id}/enrolments`, { state: state === 'all' ? undefined : state, limit: 100 }).then((r) => r.items),
  });
}

/** What the stream editor picks from: templates, lists and segments of the workspace. */
export function useStreamChoices() {
  const templates = useQuery({
    queryKey: ['templates'],
    queryFn: () => api.get<{ items: Template[] }>('/templates').then((r) => r.items),
  });
  const lists = useQuery({
    queryKey: ['lists'],
    queryFn: () => api.get<{ items: MailingList[] }>('/lists').then((r) => r.items),
  });
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api.get<{ items: SegmentWithCount[] }>('/segments').then((r) => r.items) });
  return { templates, lists, segments };
}

export const statusColor: Record<Stream['status'], string> = { draft: 'gray', active: 'teal', paused: 'yellow', archived: 'dark' };

/** "event:Account Activated" -> "Account Activated (event)". */
export function exitReasonLabel(reason: string): string {
  if (reason.startsWith('event:')) return `${reason.slice(6)} (event)`;
  if (reason.startsWith('phase:')) return `Entered phase ${reason.slice(6)}`;
  return { unsubscribed: 'Unsubscribed', suppressed: 'Address suppressed', stream_archived: 'Stream archived' }[reason] ?? reason;
}
