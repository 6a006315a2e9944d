import { ActionIcon, Badge, Button, Center, Code, Group, Loader, Paper, Stack, Table, Text, Title, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconChartBar, IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Metric } from '../../../src/modules/metrics/metrics.schema.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { usePhone } from '../../ui/use-phone.ts';
import { api } from '../api-client.ts';
import { isAdmin, useMe } from '../use-me.ts';
import { MetricFormModal } from './MetricFormModal.tsx';
import { kindShort, readableEventName } from './metric-words.ts';
import { metricsKey, useMetrics } from './use-metrics.ts';

/** What a metric measures, in one line: "Sum of seats in Seats Added". */
function measures(metric: Metric): string {
  const event = readableEventName(metric.eventName);
  if (metric.kind === 'sum') return `Sum of ${metric.property ?? '?'} in ${event}`;
  if (metric.kind === 'distinct_users') return `People who did ${event}`;
  if (metric.kind === 'last_seen') return `Last ${event}`;
  return `Times ${event} happened`;
}

/** The workspace's metrics (derived data on every account): admins define, edit and delete them; everyone can look. */
export function MetricsPage() {
  const metrics = useMetrics();
  const me = useMe();
  const admin = isAdmin(me.data);
  const phone = usePhone();
  const queryClient = useQueryClient();
  // undefined: no dialog; null: a new metric.
  const [open, setOpen] = useState<Metric | null | undefined>(undefined);
  const [deleting, setDeleting] = useState<Metric | null>(null);
  const remove = useMutation({
    mutationFn: (metric: Metric) => api.delete(`/metrics/${metric.id}`),
    onSuccess: (_, metric) => {
      queryClient.invalidateQueries({ queryKey: metricsKey });
      queryClient.invalidateQueries({ queryKey: ['account-metrics'] });
      notifications.show({ color: 'teal', message: `Deleted ${metric.label}` });
      setDeleting(null);
    },
  });

  const actions = (metric: Metric) =>
    admin ? (
      <Group gap={4} wrap="nowrap">
        <ActionIcon variant="subtle" onClick={() => setOpen(metric)} aria-label={`Edit ${metric.label}`}>
          <IconPencil size={16} aria-hidden />
        </ActionIcon>
        <ActionIcon variant="subtle" color="red" onClick={() => setDeleting(metric)} aria-label={`Delete ${metric.label}`}>
          <IconTrash size={16} aria-hidden />
        </ActionIcon>
      </Group>
    ) : (
      <ActionIcon variant="subtle" onClick={() => setOpen(metric)} aria-label={`Preview ${metric.label}`}>
        <IconChartBar size={16} aria-hidden />
      </ActionIcon>
    );

  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Metrics
          </Title>
          {admin && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setOpen(null)}>
              New metric
            </Button>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          Numbers computed from the events of each account, every day: how often something happened, by how many people, a total, or when it last happened. They
          show on each account's Activity tab, and models can act on them.
        </Text>
        {metrics.isPending && (
          <Center py="md">
            <Loader size="sm" aria-label="Loading metrics" />
          </Center>
        )}
        {metrics.isError && <ErrorAlert error={metrics.error} title="Could not load metrics" />}
        {metrics.data && metrics.data.length === 0 && (
          <Text size="sm" c="dimmed">
            No metrics yet.{admin ? ' Define the first with New metric: the preview shows what it would count on your data before you save it.' : ''}
          </Text>
        )}
        {metrics.data && metrics.data.length > 0 && phone && (
          <Stack gap="xs" aria-label="Metrics">
            {metrics.data.map((metric) => (
              <Paper key={metric.id} withBorder p="sm">
                <Group justify="space-between" wrap="nowrap" align="flex-start">
                  <UnstyledButton onClick={() => setOpen(metric)} style={{ minWidth: 0 }}>
                    <Text fw={600} truncate>
                      {metric.label}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {measures(metric)}
                    </Text>
                  </UnstyledButton>
                  {actions(metric)}
                </Group>
              </Paper>
            ))}
          </Stack>
        )}
        {metrics.data && metrics.data.length > 0 && !phone && (
          <Table.ScrollContainer minWidth={620}>
            <Table verticalSpacing="sm" aria-label="Metrics">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Label</Table.Th>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>Measures</Table.Th>
                  <Table.Th>Event</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {metrics.data.map((metric) => (
                  <Table.Tr key={metric.id}>
                    <Table.Td fw={500}>{metric.label}</Table.Td>
                    <Table.Td>
                      <Code>{metric.key}</Code>
                    </Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="light">
                        {kindShort[metric.kind]}
                      </Badge>
                      {metric.property && (
                        <Text size="xs" c="dimmed" mt={2}>
                          of {metric.property}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" title={metric.eventName}>
                        {metric.eventName}
                      </Text>
                    </Table.Td>
                    <Table.Td>{actions(metric)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      {open !== undefined && <MetricFormModal metric={open ?? undefined} readOnly={!admin} onClose={() => setOpen(undefined)} />}
      {deleting && (
        <ConfirmModal
          title="Delete metric?"
          confirmLabel="Delete metric"
          loading={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onClose={() => setDeleting(null)}
        >
          Delete <b>{deleting.label}</b> (<Code>{deleting.key}</Code>)? It leaves every account's Activity tab, and models that use it will need editing. The
          events stay.
        </ConfirmModal>
      )}
    </Paper>
  );
}
