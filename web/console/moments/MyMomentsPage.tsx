import { Anchor, Badge, Button, Card, Center, Group, List, Loader, Modal, Select, Stack, Tabs, Text, Textarea, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueries, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  type MomentInboxQuery,
  type MomentInstanceShape as MomentInstance,
  type MomentView,
  momentRules,
} from '../../../src/modules/moments/moments.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDate, humanize } from '../../ui/format.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { api, fieldErrors } from '../api-client.ts';
import { homeKey } from '../home/HomePage.tsx';
import { useModels } from '../models/use-models.ts';
import { useMembers } from '../settings/use-members.ts';
import { isLead, useMe } from '../use-me.ts';
import { MyNotifications } from './MyNotifications.tsx';
import { NewTaskModal } from './NewTaskModal.tsx';

type View = Exclude<MomentView, 'open'>;
const views: View[] = ['overdue', 'due', 'upcoming', 'escalated', 'completed'];
const viewLabels: Record<View, string> = { overdue: 'Overdue', due: 'Due this week', upcoming: 'Upcoming', escalated: 'Escalated', completed: 'Completed' };
const ruleLabels: Record<(typeof momentRules)[number], string> = {
  scheduled: 'On a schedule',
  event: 'Customer event',
  metric: 'Metric change',
  absence: 'Gone quiet',
  expectation: 'Expectation missed',
  task: 'Task',
};
const momentsKey = ['moments', 'mine'] as const;
/** The API's page size for My moments: a full page reads "100+". */
const PAGE = 100;

type Filter = Omit<MomentInboxQuery, 'view' | 'limit'>;

/** Every tab's list at once, with the same filter: the tabs show their counts and the page opens on the first one with something to do. */
function useMyMoments(filter: Filter) {
  return useQueries({
    queries: views.map((view) => ({
      queryKey: [...momentsKey, view, filter],
      queryFn: () => api.get<{ items: MomentInstance[] }>('/moments', { view, limit: PAGE, ...filter }).then((r) => r.items),
    })),
  });
}

/** The inbox: moments the engine opened, due, overdue, later, escalated or completed; for leads any member's or the team's. */
export function MyMomentsPage() {
  const me = useMe();
  const lead = isLead(me.data);
  const members = useMembers();
  const models = useModels();
  // The home page links to a tab (?view=overdue); otherwise the first tab with something to do.
  const [search, setSearch] = useSearchParams();
  const filter: Filter = {
    ...(search.get('member') && { member: search.get('member') as string }),
    ...(search.get('modelId') && { modelId: search.get('modelId') as string }),
    ...(search.get('rule') && { rule: search.get('rule') as Filter['rule'] }),
    ...(search.get('accountId') && { accountId: search.get('accountId') as string }),
  };
  const setFilter = (key: keyof Filter, value: string | null) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    setSearch(next, { replace: true });
  };
  const lists = useMyMoments(filter);
  const [chosen, setChosen] = useState<View | null>(views.find((v) => v === search.get('view')) ?? null);
  const loaded = lists.every((l) => l.data !== undefined);
  const view = chosen ?? (loaded ? (views.find((v, i) => v !== 'completed' && (lists[i]?.data?.length ?? 0) > 0) ?? 'overdue') : 'overdue');
  const moments = lists[views.indexOf(view)] as (typeof lists)[number];
  const count = (v: View) => {
    const n = lists[views.indexOf(v)]?.data?.length;
    return n === undefined ? '' : ` (${n >= PAGE ? `${PAGE}+` : n})`;
  };
  const [completing, setCompleting] = useState<MomentInstance | null>(null);
  const [reassigning, setReassigning] = useState<MomentInstance | null>(null);
  const [addingTask, setAddingTask] = useState(false);
  const whose = filter.member === 'team' ? 'the team' : filter.member ? (members.data?.find((m) => m.id === filter.member)?.name ?? 'this member') : 'you';
  // Accounts seen in the lists so far: filtering by one narrows every tab.
  const accounts = [...new Map(lists.flatMap((l) => l.data ?? []).map((m) => [m.account.id, m.account.name]))].sort((a, b) => a[1].localeCompare(b[1]));
  const canReassign = (m: MomentInstance) => lead || m.assignee.memberId === me.data?.actor.id;
  return (
    <Stack gap={0}>
      <PageHeader
        title="My moments"
        description="Engagement moments the active models opened, and tasks members created: what to do, what is coming, what was done."
        actions={<Button onClick={() => setAddingTask(true)}>New task</Button>}
      />
      {addingTask && <NewTaskModal onClose={() => setAddingTask(false)} />}
      <MyNotifications />
      <Group gap="sm" mb="md" align="flex-end" wrap="wrap">
        {lead && (
          <Select
            label="Whose moments"
            data={[
              { value: '', label: 'Mine' },
              { value: 'team', label: 'The whole team' },
              ...(members.data ?? []).filter((m) => !m.disabled && m.id !== me.data?.actor.id).map((m) => ({ value: m.id, label: m.name })),
            ]}
            value={filter.member ?? ''}
            onChange={(v) => setFilter('member', v || null)}
            allowDeselect={false}
            w={{ base: '100%', xs: 200 }}
          />
        )}
        <Select
          label="Account"
          placeholder="Any account"
          data={accounts.map(([value, label]) => ({ value, label }))}
          value={filter.accountId ?? null}
          onChange={(v) => setFilter('accountId', v)}
          searchable
          clearable
          w={{ base: '100%', xs: 220 }}
        />
        <Select
          label="Model"
          placeholder="Any model"
          data={(models.data ?? []).map((m) => ({ value: m.id, label: m.name }))}
          value={filter.modelId ?? null}
          onChange={(v) => setFilter('modelId', v)}
          clearable
          w={{ base: '100%', xs: 200 }}
        />
        <Select
          label="Opened by"
          placeholder="Any rule"
          data={momentRules.map((r) => ({ value: r, label: ruleLabels[r] }))}
          value={filter.rule ?? null}
          onChange={(v) => setFilter('rule', v)}
          clearable
          w={{ base: '100%', xs: 190 }}
        />
      </Group>
      <Tabs value={view} onChange={(v) => setChosen((v as View) ?? 'overdue')} mb="md">
        <Tabs.List className="scroll-tabs">
          {views.map((v) => (
            <Tabs.Tab key={v} value={v}>
              {viewLabels[v]}
              {count(v)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      {moments.isPending && (
        <Center py="xl">
          <Loader aria-label="Loading the moments" />
        </Center>
      )}
      {moments.isError && <ErrorAlert error={moments.error} title="Could not load the moments" />}
      {moments.data?.length === 0 && (
        <Text c="dimmed" py="lg">
          Nothing {viewLabels[view].toLowerCase()} for {whose} right now.
        </Text>
      )}
      <Stack gap="sm">
        {moments.data?.map((m) => (
          <Card key={m.id} withBorder padding="md" data-testid="moment-card">
            <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
              <Stack gap={4} style={{ flex: '1 1 280px', minWidth: 0 }}>
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
                  {view === 'completed' && (
                    <Badge size="xs" color={m.status === 'done' ? 'teal' : 'gray'} variant="light">
                      {humanize(m.status)}
                    </Badge>
                  )}
                </Group>
                <Text size="sm">
                  <Anchor component={Link} to={`/accounts/${m.account.id}`}>
                    {m.account.name}
                  </Anchor>{' '}
                  · {view === 'completed' ? `completed ${formatDate(m.completedAt)}` : `due ${formatDate(m.dueAt)}`} ·{' '}
                  {m.model ? `${humanize(m.moment.phase)} · ${m.model.key}` : 'task'}
                  {filter.member && m.assignee.name ? ` · ${m.assignee.name}` : ''}
                </Text>
                {view === 'completed' ? (
                  (m.notes || m.outcome) && (
                    <Text size="sm" c="dimmed" style={{ whiteSpace: 'pre-line' }}>
                      {[m.outcome && `Outcome: ${m.outcome}`, m.notes].filter(Boolean).join('\n')}
                    </Text>
                  )
                ) : (
                  <>
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
                  </>
                )}
              </Stack>
              {view !== 'completed' && (
                <Group gap="xs">
                  {canReassign(m) && (
                    <Button size="xs" variant="default" onClick={() => setReassigning(m)} aria-label={`Reassign ${m.moment.name} for ${m.account.name}`}>
                      Reassign
                    </Button>
                  )}
                  <Button size="xs" onClick={() => setCompleting(m)} aria-label={`Complete ${m.moment.name} for ${m.account.name}`}>
                    Complete
                  </Button>
                </Group>
              )}
            </Group>
          </Card>
        ))}
      </Stack>
      {completing && <CompleteModal moment={completing} onClose={() => setCompleting(null)} />}
      {reassigning && <ReassignModal moment={reassigning} onClose={() => setReassigning(null)} />}
    </Stack>
  );
}

function ReassignModal({ moment, onClose }: { moment: MomentInstance; onClose: () => void }) {
  const members = useMembers();
  const [memberId, setMemberId] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const reassign = useMutation({
    mutationFn: () => api.post<MomentInstance>(`/moments/${moment.id}/assign`, { memberId }),
    meta: { showsItsErrors: true },
    onSuccess: (m) => {
      queryClient.invalidateQueries({ queryKey: momentsKey });
      queryClient.invalidateQueries({ queryKey: homeKey });
      notifications.show({ color: 'teal', message: `${m.moment.name} for ${m.account.name} is now ${m.assignee.name ?? 'reassigned'}'s` });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={`Reassign ${moment.moment.name} · ${moment.account.name}`}>
      <Stack gap="sm">
        <Select
          label="To"
          placeholder="Choose a member"
          data={(members.data ?? []).filter((m) => !m.disabled && m.id !== moment.assignee.memberId).map((m) => ({ value: m.id, label: m.name }))}
          value={memberId}
          onChange={setMemberId}
          searchable
          error={fieldErrors(reassign.error).memberId}
          data-autofocus
        />
        {reassign.isError && !fieldErrors(reassign.error).memberId && <ErrorAlert error={reassign.error} title="Could not reassign it" />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button loading={reassign.isPending} disabled={!memberId} onClick={() => reassign.mutate()}>
            Reassign
          </Button>
        </Group>
      </Stack>
    </Modal>
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
      queryClient.invalidateQueries({ queryKey: homeKey });
      notifications.show({ color: 'teal', message: `${m.moment.name} for ${m.account.name}: ${m.status}` });
      onClose();
    },
    // The console's own notification reports a failure; this one would be a second.
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
