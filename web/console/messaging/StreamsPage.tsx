import { Badge, Button, Card, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Stream } from '../../../src/modules/streams/streams.schema.ts';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { QueryStatus } from '../../ui/QueryStatus.tsx';
import { usePhone } from '../../ui/use-phone.ts';
import { canWrite, useMe } from '../use-me.ts';
import { StreamFormModal } from './StreamFormModal.tsx';
import { statusColor, useStreams } from './use-streams.ts';

function entryLabel(s: Stream): string {
  const who = s.entry.personas.length > 0 ? s.entry.personas.map((p) => p.replace('_', ' ')).join(', ') : 'all contacts';
  return s.entry.segmentId ? `${who} of ${s.entry.segmentName ?? 'a deleted segment'}` : `${who}, enrolled by moments`;
}

/** Nurture streams: sequences of emails with delays and exit conditions. */
export function StreamsPage() {
  const me = useMe();
  const streams = useStreams();
  const phone = usePhone();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const open = (s: Stream) => navigate(`/messaging/streams/${s.id}`);
  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Nurture streams
          </Title>
          {canWrite(me.data) && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
              New stream
            </Button>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          A sequence of emails, each after a delay, to contacts who enter by a segment rule or an engine moment, and leave when an exit event happens, the
          account changes phase or they unsubscribe. Each contact goes through a stream once.
        </Text>
        <QueryStatus query={streams} errorTitle="Could not load streams" />
        {streams.data?.length === 0 && (
          <EmptyState title="No streams yet" action={canWrite(me.data) && <Button onClick={() => setCreating(true)}>Create the first stream</Button>}>
            An onboarding nurture, for example: a welcome email, tips two days later, a check-in after a week, until the account is activated.
          </EmptyState>
        )}
        {streams.data && streams.data.length > 0 && phone && (
          <Stack gap="sm">
            {streams.data.map((s) => (
              <Card key={s.id} withBorder component={Link} to={`/messaging/streams/${s.id}`}>
                <Group justify="space-between" wrap="nowrap">
                  <Text fw={600}>{s.name}</Text>
                  <Badge color={statusColor[s.status]}>{s.status}</Badge>
                </Group>
                <Text size="sm" c="dimmed">
                  {s.steps.length} steps · {entryLabel(s)}
                </Text>
                <Text size="sm">
                  {s.enrolments.active} in progress · {s.enrolments.completed} completed · {s.enrolments.exited} exited
                </Text>
              </Card>
            ))}
          </Stack>
        )}
        {streams.data && streams.data.length > 0 && !phone && (
          <Table highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Stream</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>List</Table.Th>
                <Table.Th>Entry</Table.Th>
                <Table.Th ta="right">Steps</Table.Th>
                <Table.Th ta="right">In progress</Table.Th>
                <Table.Th ta="right">Completed</Table.Th>
                <Table.Th ta="right">Exited</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {streams.data.map((s) => (
                <Table.Tr key={s.id} style={{ cursor: 'pointer' }} onClick={() => open(s)}>
                  <Table.Td>
                    <Text component={Link} to={`/messaging/streams/${s.id}`} fw={600} size="sm">
                      {s.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {s.key}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={statusColor[s.status]}>{s.status}</Badge>
                  </Table.Td>
                  <Table.Td>{s.list.name}</Table.Td>
                  <Table.Td>{entryLabel(s)}</Table.Td>
                  <Table.Td ta="right">{s.steps.length}</Table.Td>
                  <Table.Td ta="right">{s.enrolments.active}</Table.Td>
                  <Table.Td ta="right">{s.enrolments.completed}</Table.Td>
                  <Table.Td ta="right">{s.enrolments.exited}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
      {creating && <StreamFormModal stream={null} onClose={() => setCreating(false)} onSaved={open} />}
    </Paper>
  );
}
