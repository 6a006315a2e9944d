import { Alert, Badge, Button, Center, Checkbox, Code, Group, Loader, Modal, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconKey, IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type ApiKeyScope, apiKeyScopes } from '../../../src/lib/actor.ts';
import type { ApiKeyView as ApiKey } from '../../../src/modules/apikeys/apikeys.schema.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { FormActions } from '../../ui/FormActions.tsx';
import { formatDateTime, humanize } from '../../ui/format.ts';
import { SecretValue } from '../../ui/SecretValue.tsx';
import { api, fieldErrors } from '../api-client.ts';
import { isAdmin, useMe } from '../use-me.ts';

const apiKeysKey = ['api-keys'] as const;

const scopeHelp: Record<ApiKeyScope, string> = {
  admin: 'Full API access, like an admin member',
  ingest: 'Send events and identify calls only (for SDKs and pipelines)',
};

const DAY_MS = 24 * 60 * 60 * 1000;
const expiryChoices = [
  { value: 'never', label: 'Never' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
  { value: 'date', label: 'On a date…' },
];

/** The expiry to send: null (never), now + N days, or the end of the chosen day in the member's time zone. */
function expiryOf(choice: string, date: string): string | null | undefined {
  if (choice === 'never') return null;
  if (choice === 'date') {
    if (!date) return undefined;
    const start = new Date(`${date}T00:00:00`);
    return Number.isNaN(start.getTime()) ? undefined : new Date(start.getTime() + DAY_MS).toISOString();
  }
  return new Date(Date.now() + Number(choice) * DAY_MS).toISOString();
}

function isExpired(key: ApiKey): boolean {
  return key.expiresAt !== null && new Date(key.expiresAt).getTime() <= Date.now();
}

function CreateKeyModal({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['ingest']);
  const [expiry, setExpiry] = useState('never');
  const [expiryDate, setExpiryDate] = useState('');
  const [dateMissing, setDateMissing] = useState(false);
  const create = useMutation({
    mutationFn: (expiresAt: string | null) => api.post<{ apiKey: ApiKey; secret: string }>('/api-keys', { name: name.trim(), scopes, expiresAt }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiKeysKey }),
  });
  const errors = fieldErrors(create.error);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const expiresAt = expiryOf(expiry, expiryDate);
    setDateMissing(expiresAt === undefined);
    if (expiresAt !== undefined) create.mutate(expiresAt);
  };

  if (create.data) {
    const { apiKey, secret } = create.data;
    return (
      <Modal opened onClose={onClose} title={`API key ${apiKey.name} created`} size="lg" closeOnClickOutside={false}>
        <Stack gap="md">
          <Alert color="yellow" variant="light" title="Copy the secret now">
            This is the only time Momentum shows it. Store it in your secrets manager; if it is lost, revoke the key and create another.
          </Alert>
          <SecretValue value={secret} testId="api-key-secret" />
          <Text size="sm" c="dimmed">
            Send it as <Code>Authorization: Bearer mk_{apiKey.prefix}_…</Code>
          </Text>
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      </Modal>
    );
  }

  return (
    <Modal opened onClose={onClose} title="New API key" size="md">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            label="Name"
            description="Where the key is used, e.g. Segment production"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            data-autofocus
          />
          <Checkbox.Group label="Scopes" required value={scopes} onChange={(v) => setScopes(v as ApiKeyScope[])} error={errors.scopes}>
            <Stack gap="xs" mt="xs">
              {apiKeyScopes.map((scope) => (
                <Checkbox key={scope} value={scope} label={humanize(scope)} description={scopeHelp[scope]} />
              ))}
            </Stack>
          </Checkbox.Group>
          <NativeSelect
            label="Expires"
            description="After this the key is refused; create a new key before then"
            data={expiryChoices}
            value={expiry}
            onChange={(e) => setExpiry(e.currentTarget.value)}
            error={expiry === 'date' ? undefined : errors.expiresAt}
          />
          {expiry === 'date' && (
            <TextInput
              type="date"
              label="Expiry date"
              description="The key works until the end of this day"
              required
              min={new Date(Date.now() + DAY_MS).toISOString().slice(0, 10)}
              value={expiryDate}
              onChange={(e) => setExpiryDate(e.currentTarget.value)}
              error={dateMissing ? 'Pick the day the key stops working' : errors.expiresAt}
            />
          )}
          <FormActions submitLabel="Create key" saving={create.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}

export function ApiKeysPage() {
  const me = useMe();
  const admin = isAdmin(me.data);
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: apiKeysKey, queryFn: () => api.get<{ items: ApiKey[] }>('/api-keys').then((r) => r.items), enabled: admin });
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const revoke = useMutation({
    mutationFn: (key: ApiKey) => api.delete<ApiKey>(`/api-keys/${key.id}`),
    onSuccess: (key) => {
      queryClient.invalidateQueries({ queryKey: apiKeysKey });
      notifications.show({ color: 'teal', message: `Revoked ${key.name}` });
      setRevoking(null);
    },
  });

  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            API keys
          </Title>
          {admin && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
              New API key
            </Button>
          )}
        </Group>
        {!admin && (
          <Alert color="gray" variant="light" icon={<IconKey aria-hidden />}>
            Only workspace admins can see and manage API keys.
          </Alert>
        )}
        {admin && keys.isPending && (
          <Center py="md">
            <Loader size="sm" aria-label="Loading API keys" />
          </Center>
        )}
        {keys.isError && <ErrorAlert error={keys.error} title="Could not load API keys" />}
        {keys.data && keys.data.length === 0 && (
          <Text size="sm" c="dimmed">
            No API keys yet. Create one for the Segment SDKs, the CSV import pipeline or your own scripts.
          </Text>
        )}
        {keys.data && keys.data.length > 0 && (
          <Table.ScrollContainer className="phone-fit" minWidth={820}>
            <Table verticalSpacing="sm" aria-label="API keys">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th visibleFrom="sm">Key</Table.Th>
                  <Table.Th>Scopes</Table.Th>
                  <Table.Th visibleFrom="sm">Created</Table.Th>
                  <Table.Th visibleFrom="sm">Last used</Table.Th>
                  <Table.Th visibleFrom="sm">Expires</Table.Th>
                  <Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {keys.data.map((key) => (
                  <Table.Tr key={key.id}>
                    <Table.Td fw={500}>{key.name}</Table.Td>
                    <Table.Td visibleFrom="sm">
                      <Code>mk_{key.prefix}_…</Code>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {key.scopes.map((scope) => (
                          <Badge key={scope} size="sm" variant="light">
                            {scope}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td visibleFrom="sm">{formatDateTime(key.createdAt)}</Table.Td>
                    <Table.Td visibleFrom="sm">{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : 'Never'}</Table.Td>
                    <Table.Td visibleFrom="sm">{key.expiresAt ? formatDateTime(key.expiresAt) : 'Never'}</Table.Td>
                    <Table.Td>
                      {key.revokedAt ? (
                        <Badge color="gray" variant="dot" size="sm">
                          Revoked {formatDateTime(key.revokedAt)}
                        </Badge>
                      ) : isExpired(key) ? (
                        <Badge color="orange" variant="dot" size="sm">
                          Expired
                        </Badge>
                      ) : (
                        <Button size="xs" variant="subtle" color="red" onClick={() => setRevoking(key)} aria-label={`Revoke ${key.name}`}>
                          Revoke
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      {creating && <CreateKeyModal onClose={() => setCreating(false)} />}
      {revoking && (
        <ConfirmModal
          title="Revoke API key?"
          confirmLabel="Revoke key"
          loading={revoke.isPending}
          onConfirm={() => revoke.mutate(revoking)}
          onClose={() => setRevoking(null)}
        >
          Anything using <b>{revoking.name}</b> (mk_{revoking.prefix}_…) stops working at once. This cannot be undone.
        </ConfirmModal>
      )}
    </Paper>
  );
}
