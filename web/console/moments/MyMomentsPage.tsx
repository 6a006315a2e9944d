import { Anchor, Badge, Button, Card, Center, Group, List, Loader, Modal, Stack, Tabs, Text, Textarea, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueries, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { MomentInstanceShape as MomentInstance } from '../../../src/modules/moments/moments.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDate, humanize } from '../../ui/format.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { api, errorMessage } from '../api-client.ts';
import { MyNotifications } from './MyNotifications.tsx';

type View = 'due' | 'overdue' | 'escalated';
const views: View[] = ['overdue', 'due', 'escalated'];
const momentsKey = ['moments', 'mine'] as const;
/** The API's page size for My moments: a full page reads "100+". */
const PAGE = 100;

/** Every tab's list at once: the tabs show their counts and the page opens on the first one with something to do. */
function useMyMoments() {
  return useQueries({
    queries: views.map((view) => ({
      queryKey: [...momentsKey, view],
      queryFn: () => api.get<{ items: MomentInstance[] }>('/moments', { view, limit: PAGE }).then((r) => r.items),
    })),
  });
}

/** "My moments": what the engine opened for me, due, overdue or escalated; complete one with notes in two clicks. */
export function MyMomentsPage() {
  const lists = useMyMoments();
  // The home page links to a tab (?view=overdue); otherwise the first tab with something to do.
  const [search] = useSearchParams();
  const [chosen, setChosen] = useState<View | null>(views.find((v) => v === search.get('view')) ?? null);
  const loaded = lists.every((l) => l.data !== undefined);
  const view = chosen ?? (loaded ? (views.find((_, i) => (lists[i]?.data?.length ?? 0) > 0) ?? 'overdue') : 'overdue');
  const moments = lists[views.indexOf(view)] as (typeof lists)[number];
  const count = (v: View) => {
    const n = lists[views.indexOf(v)]?.data?.length;
    return n === undefined ? '' : ` (${n >= PAGE ? `${PAGE}+` : n})`;
  };
  const [completing, setCompleting] = useState<MomentInstance | null>(null);
  return (
    <Stack gap={0}>
      <PageHeader title="My moments" description="Engagement moments assigned to you by the active models." />
      <MyNotifications />
      <Tabs value={view} onChange={(v) => setChosen((v as View) ?? 'overdue')} mb="md">
        <Tabs.List>
          <Tabs.Tab value="overdue">Overdue{count('overdue')}</Tabs.Tab>
          <Tabs.Tab value="due">Due{count('due')}</Tabs.Tab>
          <Tabs.Tab value="escalated">Escalated{count('escalated')}</Tabs.Tab>
        </Tabs.List>
      </Tabs>
      {moments.isPending && (
        <Center py="xl">
          <Loader aria-label="Loading your moments" />
        </Center>
      )}
      {moments.isError && <ErrorAlert error={moments.error} title="Could not load your moments" />}
      {moments.data?.length === 0 && (
        <Text c="dimmed" py="lg">
          Nothing {view} for you right now.
        </Text>
      )}
      <Stack gap="sm">
        {moments.data?.map((m) => (
          <Card key={m.id} withBorder padding="md">
            <Group justify="space-between" align="flex-start" wrap="nowrap">
              <Stack gap={4}>
                <Group gap="xs">
                  <Text fw={600}>{m.moment.name}</Text>
                  <Badge size="xs" variant="outline" color="gray">
                    {humanize(m.moment.channel)}
                  </Badge>
                  {m.status === 'escalated' && (
                    <Badge size="xs" color="red">
                      Escalated
                    </Badge>
                  )}
                  {m.overdue && (
                    <Badge size="xs" color="orange" variant="light">
                      Overdue
                    </Badge>
                  )}
                </Group>
                <Text size="sm">
                  <Anchor component={Link} to={`/accounts/${m.account.id}`}>
                    {m.account.name}
                  </Anchor>{' '}
                  · due {formatDate(m.dueAt)} · {humanize(m.moment.phase)} · {m.model.key}
                </Text>
                {m.moment.objective && (
                  <Text size="sm" c="dimmed">
                    {m.moment.objective}
                  </Text>
                )}
                {m.moment.playbook.length > 0 && (
                  <List size="sm" withPadding>
                    {m.moment.playbook.map((step) => (
                      <List.Item key={step}>{step}</List.Item>
                    ))}
                  </List>
                )}
              </Stack>
              <Button size="xs" onClick={() => setCompleting(m)}>
                Complete
              </Button>
            </Group>
          </Card>
        ))}
      </Stack>
      {completing && <CompleteModal moment={completing} onClose={() => setCompleting(null)} />}
    </Stack>
  );
}

function CompleteModal({ moment, onClose }: { moment: MomentInstance; onClose: () => void }) {
  const [notes, setNotes] = useState('');
  const [outcome, setOutcome] = useState('');
  const queryClient = useQueryClient();
  const complete = useMutation({
    mutationFn: (status: 'done' | 'skipped') =>
      api.post<MomentInstance>(`/moments/${moment.id}/complete`, { status, notes: notes || undefined, outcome: outcome || undefined }),
    onSuccess: (m) => {
      queryClient.invalidateQueries({ queryKey: momentsKey });
      notifications.show({ color: 'teal', message: `${m.moment.name} for ${m.account.name}: ${m.status}` });
      onClose();
    },
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(error) }),
  });
  return (
    <Modal opened onClose={onClose} title={`${moment.moment.name} · ${moment.account.name}`}>
      <Stack gap="sm">
        {moment.moment.expectedOutcome && (
          <Text size="sm" c="dimmed">
            Expected: {moment.moment.expectedOutcome}
          </Text>
        )}
        <Textarea label="Notes" autosize minRows={3} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} data-autofocus />
        <TextInput label="Outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)} />
        <Group justify="flex-end">
          <Button variant="default" loading={complete.isPending} onClick={() => complete.mutate('skipped')}>
            Skip
          </Button>
          <Button loading={complete.isPending} onClick={() => complete.mutate('done')}>
            Mark done
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
