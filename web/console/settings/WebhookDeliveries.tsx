import { Badge, Button, Center, Code, Loader, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { WebhookDelivery, WebhookDeliveryDetail, WebhookEndpoint } from '../../../src/modules/webhooks/webhooks.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { api, errorMessage } from '../api-client.ts';
import { webhooksKey } from './WebhookFormModal.tsx';

const statusColor: Record<WebhookDelivery['status'], string> = { pending: 'yellow', delivered: 'teal', failed: 'red' };

function DeliveryDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const detail = useQuery({ queryKey: ['webhook-delivery', id], queryFn: () => api.get<WebhookDeliveryDetail>(`/webhook-deliveries/${id}`) });
  return (
    <Modal opened onClose={onClose} title={detail.data ? `${detail.data.eventName} (${detail.data.messageId})` : 'Delivery'} size="xl">
      {detail.isPending && <Loader size="sm" aria-label="Loading the delivery" />}
      {detail.isError && <ErrorAlert error={detail.error} title="Could not load the delivery" />}
      {detail.data && (
        <Stack gap="md">
          <Text size="sm" fw={500}>
            Payload
          </Text>
          <Code block style={{ maxHeight: 240, overflow: 'auto' }}>
            {JSON.stringify(detail.data.payload, null, 2)}
          </Code>
          {detail.data.attemptLog.length === 0 && <Text size="sm">Not attempted yet.</Text>}
          {detail.data.attemptLog.map((a) => (
            <Stack key={a.attempt} gap={4}>
              <Text size="sm" fw={500}>
                Attempt {a.attempt}, {formatDateTime(a.at)}: {a.responseStatus ?? 'no answer'} in {a.responseMs} ms{a.error ? ` (${a.error})` : ''}
              </Text>
              <Text size="xs" c="dimmed">
                POST {a.url}
              </Text>
              <Code block>
                {Object.entries(a.requestHeaders)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join('\n')}
              </Code>
              {a.responseBody && <Code block>{a.responseBody}</Code>}
            </Stack>
          ))}
        </Stack>
      )}
    </Modal>
  );
}

/** An endpoint's delivery log: status, attempts, last answer and its timing, next retry; replay of a finished one. */
export function WebhookDeliveries({ endpoint }: { endpoint: WebhookEndpoint }) {
  const queryClient = useQueryClient();
  const key = ['webhook-deliveries', endpoint.id];
  const deliveries = useQuery({
    queryKey: key,
    queryFn: () => api.get<{ items: WebhookDelivery[] }>(`/webhooks/${endpoint.id}/deliveries`, { limit: 100 }).then((r) => r.items),
    refetchInterval: 10_000,
  });
  const [open, setOpen] = useState<string | null>(null);
  const replay = useMutation({
    mutationFn: (d: WebhookDelivery) => api.post<WebhookDelivery>(`/webhook-deliveries/${d.id}/replay`),
    onSuccess: (d) => {
      queryClient.invalidateQueries({ queryKey: key });
      queryClient.invalidateQueries({ queryKey: webhooksKey });
      notifications.show({ color: 'teal', message: `${d.eventName} will be sent again within a minute` });
    },
    onError: (error) => notifications.show({ color: 'red', title: 'Replay refused', message: errorMessage(error) }),
  });

  return (
    <Stack gap="sm">
      <Title order={3} size="h4">
        Deliveries to {endpoint.url}
      </Title>
      {deliveries.isPending && (
        <Center py="md">
          <Loader size="sm" aria-label="Loading deliveries" />
        </Center>
      )}
      {deliveries.isError && <ErrorAlert error={deliveries.error} title="Could not load deliveries" />}
      {deliveries.data?.length === 0 && (
        <Text size="sm" c="dimmed">
          Nothing sent yet. Events are sent within a minute of happening.
        </Text>
      )}
      {deliveries.data && deliveries.data.length > 0 && (
        <Table.ScrollContainer minWidth={820}>
          <Table verticalSpacing="xs" aria-label="Deliveries">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Event</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Answer</Table.Th>
                <Table.Th>Last attempt</Table.Th>
                <Table.Th>Next retry</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {deliveries.data.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>
                    <Button variant="subtle" size="compact-sm" onClick={() => setOpen(d.id)}>
                      {d.eventName}
                    </Button>
                    {d.replayOf && (
                      <Badge size="xs" variant="light" ml={4}>
                        replay
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={statusColor[d.status]} variant="light" size="sm">
                      {d.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{d.attempts}</Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {d.responseStatus ?? '—'}
                      {d.responseMs !== null ? ` · ${d.responseMs} ms` : ''}
                    </Text>
                    {d.error && (
                      <Text size="xs" c="dimmed" maw={320}>
                        {d.error}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{d.lastAttemptAt ? formatDateTime(d.lastAttemptAt) : '—'}</Table.Td>
                  <Table.Td>{d.nextAttemptAt ? formatDateTime(d.nextAttemptAt) : '—'}</Table.Td>
                  <Table.Td>
                    {d.status !== 'pending' && (
                      <Button
                        size="xs"
                        variant="light"
                        loading={replay.isPending && replay.variables?.id === d.id}
                        onClick={() => replay.mutate(d)}
                        aria-label={`Replay ${d.eventName}`}
                      >
                        Replay
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {open && <DeliveryDetail id={open} onClose={() => setOpen(null)} />}
    </Stack>
  );
}
