import { Anchor, Badge, Button, Card, Center, Group, Loader, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowLeft } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Stream, StreamStats } from '../../../src/modules/streams/streams.schema.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { usePhone } from '../../ui/use-phone.ts';
import { api, errorMessage } from '../api-client.ts';
import { canWrite, useMe } from '../use-me.ts';
import { StreamFormModal } from './StreamFormModal.tsx';
import { exitReasonLabel, statusColor, streamsKey, useEnrolments, useStream, useStreamStats } from './use-streams.ts';

const delayLabel = (delay: string, first: boolean) =>
  `${delay === '0d' || delay === '0h' || delay === '0w' ? 'at once' : `${delay} later`}${first ? ' (after entry)' : ''}`;

/** Per step: how many reached it, were sent it, opened it (people, not privacy proxies) and clicked. */
function Funnel({ stats }: { stats: StreamStats }) {
  const data = [
    { name: 'Entered', reached: stats.entered },
    ...stats.steps.map((s) => ({ name: `Step ${s.index + 1}`, reached: s.reached, sent: s.sent + s.queued, opened: s.opened, clicked: s.clicked })),
    { name: 'Completed', reached: stats.completed },
  ];
  return (
    <div style={{ width: '100%', height: 280 }} role="img" aria-label="Funnel: contacts reaching, sent, opening and clicking each step">
      <ResponsiveContainer>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" fontSize={12} />
          <YAxis allowDecimals={false} fontSize={12} width={36} />
          <Tooltip />
          <Legend />
          <Bar dataKey="reached" name="Reached" fill="#adb5bd" isAnimationActive={false} />
          <Bar dataKey="sent" name="Queued or sent" fill="#228be6" isAnimationActive={false} />
          <Bar dataKey="opened" name="Opened" fill="#15aabf" isAnimationActive={false} />
          <Bar dataKey="clicked" name="Clicked" fill="#12b886" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function StepsTable({ stream, stats }: { stream: Stream; stats: StreamStats | undefined }) {
  const phone = usePhone();
  const byId = new Map(stats?.steps.map((s) => [s.id, s]));
  const excluded = (id: string) =>
    Object.entries(byId.get(id)?.excluded ?? {})
      .map(([reason, n]) => `${n} ${reason.replaceAll('_', ' ')}`)
      .join(', ') || '—';
  if (phone) {
    return (
      <Stack gap="xs">
        {stream.steps.map((step, i) => {
          const s = byId.get(step.id);
          return (
            <Card key={step.id} withBorder padding="sm">
              <Text fw={600} size="sm">
                Step {i + 1}: {step.template}
              </Text>
              <Text size="xs" c="dimmed">
                {delayLabel(step.delay, i === 0)}
              </Text>
              <Text size="sm">
                {s?.queued ?? 0} queued · {s?.sent ?? 0} sent · {s?.opened ?? 0} opened · {s?.clicked ?? 0} clicked · excluded: {excluded(step.id)}
              </Text>
            </Card>
          );
        })}
      </Stack>
    );
  }
  return (
    <Table>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Step</Table.Th>
          <Table.Th>Template</Table.Th>
          <Table.Th>When</Table.Th>
          <Table.Th ta="right">Queued</Table.Th>
          <Table.Th ta="right">Sent</Table.Th>
          <Table.Th ta="right">Opened</Table.Th>
          <Table.Th ta="right">Clicked</Table.Th>
          <Table.Th ta="right">Unsubscribed</Table.Th>
          <Table.Th>Excluded</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {stream.steps.map((step, i) => {
          const s = byId.get(step.id);
          return (
            <Table.Tr key={step.id}>
              <Table.Td>{i + 1}</Table.Td>
              <Table.Td>{step.template}</Table.Td>
              <Table.Td>{delayLabel(step.delay, i === 0)}</Table.Td>
              <Table.Td ta="right">{s?.queued ?? 0}</Table.Td>
              <Table.Td ta="right">{s?.sent ?? 0}</Table.Td>
              <Table.Td ta="right">{s?.opened ?? 0}</Table.Td>
              <Table.Td ta="right">{s?.clicked ?? 0}</Table.Td>
              <Table.Td ta="right">{s?.unsubscribed ?? 0}</Table.Td>
              <Table.Td>{excluded(step.id)}</Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}

function Enrolments({ streamId }: { streamId: string }) {
  const [state, setState] = useState<'active' | 'completed' | 'exited' | 'all'>('all');
  const enrolments = useEnrolments(streamId, state);
  const phone = usePhone();
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={3} size="h4">
          Enrolments
        </Title>
        <SegmentedControl
          size="xs"
          value={state}
          onChange={(v) => setState(v as typeof state)}
          data={[
            { value: 'all', label: 'All' },
            { value: 'active', label: 'In progress' },
            { value: 'completed', label: 'Completed' },
            { value: 'exited', label: 'Exited' },
          ]}
        />
      </Group>
      {enrolments.isError && <ErrorAlert error={enrolments.error} title="Could not load enrolments" />}
      {enrolments.data?.length === 0 && (
        <Text size="sm" c="dimmed">
          Nobody here yet.
        </Text>
      )}
      {enrolments.data && enrolments.data.length > 0 && phone && (
        <Stack gap="xs">
          {enrolments.data.map((e) => (
            <Card key={e.id} withBorder padding="sm">
              <Text size="sm" fw={600}>
                {e.contact.name}
                {e.account ? ` · ${e.account.name}` : ''}
              </Text>
              <Text size="xs" c="dimmed">
                {e.contact.email} · entered {formatDateTime(e.enteredAt)}
              </Text>
              <Text size="sm">
                {e.step} sent ·{' '}
                {e.exitedAt ? `exited: ${exitReasonLabel(e.exitReason ?? '')}` : e.completedAt ? 'completed' : `next ${formatDateTime(e.nextAt)}`}
              </Text>
            </Card>
          ))}
        </Stack>
      )}
      {enrolments.data && enrolments.data.length > 0 && !phone && (
        <Table.ScrollContainer minWidth={0}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Contact</Table.Th>
                <Table.Th>Account</Table.Th>
                <Table.Th>Entered</Table.Th>
                <Table.Th ta="right">Steps sent</Table.Th>
                <Table.Th>State</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {enrolments.data.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>
                    <Text size="sm">{e.contact.name}</Text>
                    <Text size="xs" c="dimmed">
                      {e.contact.email}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {e.account ? (
                      <Anchor component={Link} to={`/accounts/${e.account.id}`} size="sm">
                        {e.account.name}
                      </Anchor>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(e.enteredAt)}</Text>
                    <Text size="xs" c="dimmed">
                      by {e.source === 'segment' ? 'the segment rule' : e.source === 'moment' ? 'a moment' : 'a member'}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">{e.step}</Table.Td>
                  <Table.Td>
                    {e.exitedAt ? (
                      <Badge color="orange" variant="light">
                        Exited: {exitReasonLabel(e.exitReason ?? '')}
                      </Badge>
                    ) : e.completedAt ? (
                      <Badge color="teal" variant="light">
                        Completed
                      </Badge>
                    ) : (
                      <Text size="sm">Next {formatDateTime(e.nextAt)}</Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

/** One stream: its definition, the funnel per step, exits by reason, and who is in it. */
export function StreamPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const stream = useStream(id);
  const stats = useStreamStats(id);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [archiving, setArchiving] = useState(false);
  const setStatus = useMutation({
    mutationFn: (status: Stream['status']) => api.patch<Stream>(`/streams/${id}`, { status }),
    onSuccess: (s) => {
      queryClient.invalidateQueries({ queryKey: streamsKey });
      setArchiving(false);
      notifications.show({ color: 'teal', message: `${s.name} is ${s.status}` });
    },
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(error) }),
  });
  if (stream.isPending) {
    return (
      <Center p="lg">
        <Loader />
      </Center>
    );
  }
  if (stream.isError) return <ErrorAlert error={stream.error} title="Could not load the stream" />;
  const s = stream.data;
  const writer = canWrite(me.data) && s.status !== 'archived';
  const exits = Object.entries(stats.data?.exited ?? {});
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/messaging/streams" size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} aria-hidden /> All streams
        </Group>
      </Anchor>
      <Paper withBorder p="lg">
        <Stack gap="sm">
          <Group justify="space-between" align="flex-start">
            <Stack gap={2}>
              <Group gap="xs">
                <Title order={2} size="h3">
                  {s.name}
                </Title>
                <Badge color={statusColor[s.status]}>{s.status}</Badge>
              </Group>
              <Text size="sm" c="dimmed">
                {s.key} · list {s.list.name}
                {s.description ? ` · ${s.description}` : ''}
              </Text>
            </Stack>
            {writer && (
              <Group gap="xs">
                <Button variant="default" onClick={() => setEditing(true)}>
                  Edit
                </Button>
                {(s.status === 'draft' || s.status === 'paused') && (
                  <Button onClick={() => setStatus.mutate('active')} loading={setStatus.isPending}>
                    {s.status === 'draft' ? 'Start' : 'Resume'}
                  </Button>
                )}
                {s.status === 'active' && (
                  <Button variant="light" color="yellow" onClick={() => setStatus.mutate('paused')} loading={setStatus.isPending}>
                    Pause
                  </Button>
                )}
                <Button variant="subtle" color="red" onClick={() => setArchiving(true)}>
                  Archive
                </Button>
              </Group>
            )}
          </Group>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Stack gap={2}>
              <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                Entry
              </Text>
              <Text size="sm">
                {s.entry.segmentId ? `Segment ${s.entry.segmentName ?? '(deleted)'}` : 'Only engine moments (enrol)'}
                {s.entry.personas.length > 0 ? ` · ${s.entry.personas.map((p) => p.replace('_', ' ')).join(', ')}` : ' · every persona'}
              </Text>
            </Stack>
            <Stack gap={2}>
              <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                Exits
              </Text>
              <Text size="sm">
                {[...s.exit.events.map((e) => `${e} event`), ...s.exit.phases.map((p) => (p === '*' ? 'any phase change' : `phase ${p}`)), 'unsubscribe'].join(
                  ' · ',
                )}
              </Text>
            </Stack>
            <Stack gap={2}>
              <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                Contacts
              </Text>
              <Text size="sm">
                {s.enrolments.active} in progress · {s.enrolments.completed} completed · {s.enrolments.exited} exited
              </Text>
            </Stack>
          </SimpleGrid>
        </Stack>
      </Paper>
      <Paper withBorder p="lg">
        <Stack gap="sm">
          <Title order={3} size="h4">
            Funnel
          </Title>
          {stats.isError && <ErrorAlert error={stats.error} title="Could not load the funnel" />}
          {stats.data && <Funnel stats={stats.data} />}
          <StepsTable stream={s} stats={stats.data} />
          <Text size="sm" fw={600}>
            Exited early
          </Text>
          {exits.length === 0 ? (
            <Text size="sm" c="dimmed">
              Nobody has exited.
            </Text>
          ) : (
            <Group gap="xs">
              {exits.map(([reason, n]) => (
                <Badge key={reason} variant="light" color="orange">
                  {exitReasonLabel(reason)}: {n}
                </Badge>
              ))}
            </Group>
          )}
        </Stack>
      </Paper>
      <Paper withBorder p="lg">
        <Enrolments streamId={id} />
      </Paper>
      {editing && <StreamFormModal stream={s} onClose={() => setEditing(false)} />}
      {archiving && (
        <ConfirmModal
          title={`Archive ${s.name}?`}
          confirmLabel="Archive"
          loading={setStatus.isPending}
          onConfirm={() => setStatus.mutate('archived')}
          onClose={() => setArchiving(false)}
        >
          Every contact still in it exits, nothing more is sent, and nobody enters again. An archived stream cannot be started again.
        </ConfirmModal>
      )}
    </Stack>
  );
}
