import { Alert, Anchor, Badge, Button, Center, Group, Loader, Modal, NumberInput, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlus, IconWebhook } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { WebhookEndpoint, WebhookSecretResult, WebhookTestResult } from '../../../src/modules/webhooks/webhooks.schema.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { api, errorMessage, fieldErrors } from '../api-client.ts';
import { isAdmin, useMe } from '../use-me.ts';
import { WebhookDeliveries } from './WebhookDeliveries.tsx';
import { SecretModal, WebhookFormModal, webhooksKey } from './WebhookFormModal.tsx';

const eventsLabel = (e: WebhookEndpoint) => (e.events === null ? 'All events' : e.events.length === 0 ? 'No events (actions only)' : e.events.join(', '));

function RotateModal({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [graceHours, setGraceHours] = useState<number | string>(24);
  const rotate = useMutation({
    mutationFn: () => api.post<WebhookSecretResult>(`/webhooks/${endpoint.id}/rotate-secret`, { graceHours: Number(graceHours) }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: webhooksKey }),
  });
  if (rotate.data) {
    const until = rotate.data.endpoint.previousSecretExpiresAt;
    return (
      <SecretModal
        title="New signing secret"
        secret={rotate.data.secret}
        note={until ? `Until ${formatDateTime(until)} requests carry signatures from both the old and the new secret.` : 'The old secret no longer signs.'}
        onClose={onClose}
      />
    );
  }
  return (
    <Modal opened onClose={onClose} title="Rotate the signing secret?" size="md">
      <Stack gap="md">
        <Text size="sm">
          A new secret signs requests to {endpoint.url}. During the grace period the old one signs them too, so your receiver can switch without missing a
          request.
        </Text>
        <NumberInput label="Grace period (hours)" min={0} max={72} value={graceHours} onChange={setGraceHours} error={fieldErrors(rotate.error).graceHours} />
        {rotate.isError && !fieldErrors(rotate.error).graceHours && <ErrorAlert error={rotate.error} title="Could not rotate the secret" />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-autofocus>
            Cancel
          </Button>
          <Button onClick={() => rotate.mutate()} loading={rotate.isPending}>
            Rotate secret
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function WebhooksPage() {
  const me = useMe();
  const admin = isAdmin(me.data);
  const queryClient = useQueryClient();
  const endpoints = useQuery({
    queryKey: webhooksKey,
    queryFn: () => api.get<{ items: WebhookEndpoint[] }>('/webhooks').then((r) => r.items),
    enabled: admin,
    refetchInterval: 15_000,
  });
  const [editing, setEditing] = useState<WebhookEndpoint | 'new' | null>(null);
  const [rotating, setRotating] = useState<WebhookEndpoint | null>(null);
  const [deleting, setDeleting] = useState<WebhookEndpoint | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const toggle = useMutation({
    mutationFn: (e: WebhookEndpoint) => api.patch<WebhookEndpoint>(`/webhooks/${e.id}`, { enabled: !e.enabled }),
    onSuccess: (e) => {
      queryClient.invalidateQueries({ queryKey: webhooksKey });
      notifications.show({ color: 'teal', message: `${e.url} ${e.enabled ? 'enabled' : 'disabled'}` });
    },
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(error) }),
  });
  const test = useMutation({
    mutationFn: (e: WebhookEndpoint) => api.post<WebhookTestResult>(`/webhooks/${e.id}/test`),
    onSuccess: (r) =>
      notifications.show({
        color: r.ok ? 'teal' : 'red',
        title: r.ok ? 'Test message accepted' : 'Test message not accepted',
        message: r.ok ? `Answered ${r.responseStatus} in ${r.responseMs} ms` : `${r.error} (${r.responseMs} ms)`,
      }),
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(error) }),
  });
  const remove = useMutation({
    mutationFn: (e: WebhookEndpoint) => api.delete(`/webhooks/${e.id}`),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: webhooksKey });
      setDeleting(null);
      setSelected(null);
    },
  });
  const shown = endpoints.data?.find((e) => e.id === selected);

  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Webhooks
          </Title>
          {admin && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing('new')}>
              New endpoint
            </Button>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          Momentum posts its events (accounts created and updated, sponsor changes, renewals, phase changes, moments opened and completed …) to these URLs,
          signed per Standard Webhooks, in order per account, retrying for about 3 days. See <Anchor href="/docs">the API reference</Anchor> for each event's
          payload.
        </Text>
        {!admin && (
          <Alert color="gray" variant="light" icon={<IconWebhook aria-hidden />}>
            Only workspace admins can see and manage webhooks.
          </Alert>
        )}
        {admin && endpoints.isPending && (
          <Center py="md">
            <Loader size="sm" aria-label="Loading webhook endpoints" />
          </Center>
        )}
        {endpoints.isError && <ErrorAlert error={endpoints.error} title="Could not load webhook endpoints" />}
        {endpoints.data?.length === 0 && <Text size="sm">No endpoints yet. Add one to send Momentum's events to your CRM, data warehouse or chat.</Text>}
        {endpoints.data && endpoints.data.length > 0 && (
          <Table.ScrollContainer className="phone-fit" minWidth={820}>
            <Table verticalSpacing="sm" aria-label="Webhook endpoints">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>URL</Table.Th>
                  <Table.Th visibleFrom="sm">Events</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th visibleFrom="sm">Waiting</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {endpoints.data.map((e) => (
                  <Table.Tr key={e.id} bg={e.id === selected ? 'var(--mantine-color-blue-light)' : undefined}>
                    <Table.Td maw={320}>
                      <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
                        {e.url}
                      </Text>
                      {e.description && (
                        <Text size="xs" c="dimmed">
                          {e.description}
                        </Text>
                      )}
                      <Text size="xs" c="dimmed">
                        Secret {e.secretHint}
                        {e.previousSecretExpiresAt ? ` · previous secret signs until ${formatDateTime(e.previousSecretExpiresAt)}` : ''}
                      </Text>
                    </Table.Td>
                    <Table.Td visibleFrom="sm" maw={240}>
                      <Text size="sm">{eventsLabel(e)}</Text>
                    </Table.Td>
                    <Table.Td maw={260} miw={96}>
                      <Badge color={e.enabled ? (e.failingSince ? 'yellow' : 'teal') : 'gray'} variant="light" size="sm" style={{ overflow: 'visible' }}>
                        {e.enabled ? (e.failingSince ? 'Failing' : 'Enabled') : 'Disabled'}
                      </Badge>
                      {!e.enabled && e.disabledReason && (
                        <Text size="xs" c="dimmed">
                          {e.disabledReason}
                        </Text>
                      )}
                      {e.enabled && e.failingSince && (
                        <Text size="xs" c="dimmed">
                          Failing since {formatDateTime(e.failingSince)}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td visibleFrom="sm">{e.pending}</Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button size="xs" variant="light" onClick={() => setSelected(e.id === selected ? null : e.id)} aria-label={`Deliveries to ${e.url}`}>
                          Deliveries
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          loading={test.isPending && test.variables?.id === e.id}
                          onClick={() => test.mutate(e)}
                          aria-label={`Send a test message to ${e.url}`}
                        >
                          Send test
                        </Button>
                        <Button size="xs" variant="subtle" onClick={() => setEditing(e)} aria-label={`Edit ${e.url}`}>
                          Edit
                        </Button>
                        <Button size="xs" variant="subtle" onClick={() => setRotating(e)} aria-label={`Rotate the secret of ${e.url}`}>
                          Rotate secret
                        </Button>
                        <Button size="xs" variant="subtle" onClick={() => toggle.mutate(e)} aria-label={`${e.enabled ? 'Disable' : 'Enable'} ${e.url}`}>
                          {e.enabled ? 'Disable' : 'Enable'}
                        </Button>
                        <Button size="xs" variant="subtle" color="red" onClick={() => setDeleting(e)} aria-label={`Delete ${e.url}`}>
                          Delete
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {shown && <WebhookDeliveries endpoint={shown} />}
      </Stack>
      {editing && <WebhookFormModal endpoint={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />}
      {rotating && <RotateModal endpoint={rotating} onClose={() => setRotating(null)} />}
      {deleting && (
        <ConfirmModal
          title="Delete webhook endpoint?"
          confirmLabel="Delete endpoint"
          loading={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onClose={() => setDeleting(null)}
        >
          Nothing more is sent to <b>{deleting.url}</b>, and {deleting.pending} waiting deliveries are given up. Its deliveries can no longer be replayed.
        </ConfirmModal>
      )}
    </Paper>
  );
}
