import { Badge, Button, Card, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { AccountEngagement as Engagement, MomentInstanceShape as MomentInstance } from '../../../src/modules/moments/moments.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDate, humanize } from '../../ui/format.ts';
import { api } from '../api-client.ts';
import { NewTaskModal } from './NewTaskModal.tsx';

const statusColors: Record<MomentInstance['status'], string> = { open: 'blue', escalated: 'red', done: 'teal', skipped: 'gray', missed: 'orange' };

/** An account's engagement: its model and phase, a journey strip of the phases it went through, and its open and past moments. */
export function AccountMomentsCard({ accountId }: { accountId: string }) {
  const [adding, setAdding] = useState(false);
  const engagement = useQuery({ queryKey: ['accounts', accountId, 'engagement'], queryFn: () => api.get<Engagement>(`/accounts/${accountId}/engagement`) });
  const moments = useQuery({
    queryKey: ['accounts', accountId, 'moments'],
    queryFn: () => api.get<{ items: MomentInstance[] }>(`/accounts/${accountId}/moments`).then((r) => r.items),
  });
  if (engagement.isPending || moments.isPending) return <Loader size="sm" aria-label="Loading moments" />;
  if (engagement.isError) return <ErrorAlert error={engagement.error} title="Could not load the engagement" />;
  if (moments.isError) return <ErrorAlert error={moments.error} title="Could not load the moments" />;
  const open = moments.data.filter((m) => m.status === 'open' || m.status === 'escalated');
  const past = moments.data.filter((m) => m.status !== 'open' && m.status !== 'escalated');
  return (
    <Card withBorder padding="md">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            Engagement
          </Title>
          <Group gap="xs">
            {engagement.data.model && (
              <Text size="xs" c="dimmed">
                {engagement.data.model.key} v{engagement.data.model.version}
              </Text>
            )}
            <Button size="xs" variant="light" onClick={() => setAdding(true)}>
              New task
            </Button>
          </Group>
        </Group>
        {adding && <NewTaskModal accountId={accountId} onClose={() => setAdding(false)} />}
        {!engagement.data.model && (
          <Text size="sm" c="dimmed">
            No active engagement model applies to this account yet.
          </Text>
        )}
        {engagement.data.phases.length > 0 && (
          <Group gap={4} aria-label="Journey">
            {engagement.data.phases.map((p, i) => (
              <Group key={`${p.phase}-${p.enteredAt}`} gap={4}>
                {i > 0 && <Text c="dimmed">→</Text>}
                <Badge variant={p.exitedAt ? 'outline' : 'filled'} title={`${formatDate(p.enteredAt)}${p.exitedAt ? ` – ${formatDate(p.exitedAt)}` : ''}`}>
                  {humanize(p.phase)}
                </Badge>
              </Group>
            ))}
          </Group>
        )}
        {[
          ['Open moments', open],
          ['Past moments', past],
        ].map(([label, items]) => (
          <Stack key={label as string} gap={4}>
            <Text fw={600} size="sm">
              {label as string}
            </Text>
            {(items as MomentInstance[]).length === 0 ? (
              <Text size="sm" c="dimmed">
                None
              </Text>
            ) : (
              <Table verticalSpacing={4} aria-label={label as string}>
                <Table.Tbody>
                  {(items as MomentInstance[]).map((m) => (
                    <Table.Tr key={m.id}>
                      <Table.Td>
                        {m.moment.name}
                        {m.rule === 'task' && (
                          <Badge size="xs" variant="outline" ml={6}>
                            task
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td visibleFrom="sm">{humanize(m.assignee.name ?? m.assignee.role)}</Table.Td>
                      <Table.Td>{formatDate(m.completedAt ?? m.dueAt)}</Table.Td>
                      <Table.Td>
                        <Badge size="xs" color={statusColors[m.status]} variant="light">
                          {m.overdue ? 'overdue' : m.status}
                        </Badge>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Stack>
        ))}
      </Stack>
    </Card>
  );
}
