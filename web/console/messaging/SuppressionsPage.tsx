import { Badge, Button, Card, Group, Modal, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlus, IconSearch } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Suppression } from '../../../src/modules/consent/consent.schema.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime, humanize } from '../../ui/format.ts';
import { QueryStatus } from '../../ui/QueryStatus.tsx';
import { usePhone } from '../../ui/use-phone.ts';
import { api, errorMessage, fieldErrors } from '../api-client.ts';
import { isAdmin, useMe } from '../use-me.ts';
import { suppressionsKey, useSuppressions } from './use-lists.ts';

const reasonColor: Record<Suppression['reason'], string> = { hard_bounce: 'orange', complaint: 'red', erasure: 'dark', manual: 'blue' };

function AddModal({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [address, setAddress] = useState('');
  const [detail, setDetail] = useState('');
  const add = useMutation({
    mutationFn: () => api.post<Suppression>('/suppressions', { address, detail }),
    onSuccess: (s) => {
      void queryClient.invalidateQueries({ queryKey: suppressionsKey });
      notifications.show({ color: 'teal', message: `${s.address} will never be mailed` });
      onClose();
    },
  });
  const errors = fieldErrors(add.error);
  return (
    <Modal opened onClose={onClose} title="Suppress an address">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate();
        }}
      >
        <Stack gap="sm">
          <TextInput label="Email address" value={address} onChange={(e) => setAddress(e.currentTarget.value)} error={errors.address} required data-autofocus />
          <TextInput
            label="Why"
            placeholder="e.g. shared inbox, asked never to be mailed"
            value={detail}
            onChange={(e) => setDetail(e.currentTarget.value)}
            error={errors.detail}
          />
          {add.isError && Object.keys(errors).length === 0 && (
            <Text c="red" size="sm">
              {errorMessage(add.error)}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={add.isPending}>
              Suppress
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Addresses never mailed, whatever their consent: hard bounces, complaints, erasures and manual entries. */
export function SuppressionsPage() {
  const me = useMe();
  const phone = usePhone();
  const queryClient = useQueryClient();
  const [q, setQ] = useState('');
  const suppressions = useSuppressions(q.trim());
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Suppression | undefined>();
  const remove = useMutation({
    mutationFn: (s: Suppression) => api.delete(`/suppressions/${s.addressHash}`),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: suppressionsKey });
      notifications.show({ color: 'teal', message: 'Suppression removed' });
      setRemoving(undefined);
    },
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(error) }),
  });
  if (!isAdmin(me.data) && me.data) return <ErrorAlert error={new Error('Only workspace admins see suppressions')} title="Admins only" />;
  const label = (s: Suppression) => s.address ?? `erased address (${s.addressHash.slice(0, 12)}…)`;
  const removeButton = (s: Suppression) =>
    s.reason !== 'erasure' && (
      <Button size="xs" variant="subtle" color="red" onClick={() => setRemoving(s)}>
        Remove
      </Button>
    );
  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Suppressions
          </Title>
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setAdding(true)}>
            Suppress an address
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          Nothing is ever sent to these addresses, whatever their consent. Bounces and complaints are added as they arrive; an erased contact stays here as a
          hash only and cannot be removed.
        </Text>
        <TextInput
          leftSection={<IconSearch size={16} aria-hidden />}
          placeholder="Search addresses"
          aria-label="Search addresses"
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          maw={360}
        />
        <QueryStatus query={suppressions} errorTitle="Could not load suppressions" />
        {suppressions.data?.length === 0 && (
          <EmptyState title={q ? 'No address matches' : 'No suppressed addresses'}>Bounces, complaints and erasures appear here.</EmptyState>
        )}
        {suppressions.data && suppressions.data.length > 0 && phone && (
          <Stack gap="sm">
            {suppressions.data.map((s) => (
              <Card key={s.addressHash} withBorder>
                <Group justify="space-between" wrap="nowrap">
                  <Text fw={600} style={{ wordBreak: 'break-all' }}>
                    {label(s)}
                  </Text>
                  <Badge color={reasonColor[s.reason]}>{humanize(s.reason)}</Badge>
                </Group>
                <Text size="sm" c="dimmed">
                  {s.detail || '—'} · {formatDateTime(s.createdAt)} · {s.createdBy}
                </Text>
                {removeButton(s)}
              </Card>
            ))}
          </Stack>
        )}
        {suppressions.data && suppressions.data.length > 0 && !phone && (
          <Table highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Address</Table.Th>
                <Table.Th>Reason</Table.Th>
                <Table.Th>Detail</Table.Th>
                <Table.Th>Since</Table.Th>
                <Table.Th>By</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {suppressions.data.map((s) => (
                <Table.Tr key={s.addressHash}>
                  <Table.Td>{label(s)}</Table.Td>
                  <Table.Td>
                    <Badge color={reasonColor[s.reason]}>{humanize(s.reason)}</Badge>
                  </Table.Td>
                  <Table.Td>{s.detail}</Table.Td>
                  <Table.Td>{formatDateTime(s.createdAt)}</Table.Td>
                  <Table.Td>{s.createdBy}</Table.Td>
                  <Table.Td>{removeButton(s)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
      {adding && <AddModal onClose={() => setAdding(false)} />}
      {removing && (
        <ConfirmModal
          title="Remove this suppression?"
          confirmLabel="Remove"
          loading={remove.isPending}
          onConfirm={() => remove.mutate(removing)}
          onClose={() => setRemoving(undefined)}
        >
          {label(removing)} may be mailed again, to the lists it has consent for. Remove it only when you know the {humanize(removing.reason).toLowerCase()} no
          longer applies.
        </ConfirmModal>
      )}
    </Paper>
  );
}
