import { Avatar, Button, Group, Modal, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPencil } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type TeamRole, teamRoles } from '../../../src/lib/actor.ts';
import type { AccountView as Account } from '../../../src/modules/accounts/accounts.schema.ts';
import { FormActions } from '../../ui/FormActions.tsx';
import { humanize } from '../../ui/format.ts';
import { api, fieldErrors } from '../api-client.ts';
import { useMembers } from '../settings/use-members.ts';
import { canWrite, useMe } from '../use-me.ts';
import { accountKey } from './use-account.ts';

function TeamEditModal({ account, onClose }: { account: Account; onClose: () => void }) {
  const queryClient = useQueryClient();
  const members = useMembers();
  const [team, setTeam] = useState<Record<TeamRole, string | null>>(
    () => Object.fromEntries(teamRoles.map((role) => [role, account.team.find((t) => t.role === role)?.memberId ?? null])) as Record<TeamRole, string | null>,
  );
  const save = useMutation({
    mutationFn: () => api.patch<Account>(`/accounts/${account.id}`, { team }),
    onSuccess: (updated) => {
      queryClient.setQueryData(accountKey(account.id), updated);
      queryClient.invalidateQueries({ queryKey: ['accounts', 'list'] });
      notifications.show({ color: 'teal', message: 'Team saved' });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  // Disabled members keep their current seat but cannot be picked for a new one.
  const choices = (role: TeamRole) =>
    (members.data ?? []).filter((m) => !m.disabled || m.id === team[role]).map((m) => ({ value: m.id, label: m.disabled ? `${m.name} (disabled)` : m.name }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <Modal opened onClose={onClose} title={`Team of ${account.name}`} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {teamRoles.map((role) => (
            <Select
              key={role}
              label={humanize(role)}
              placeholder="Nobody"
              data={choices(role)}
              value={team[role]}
              onChange={(value) => setTeam((t) => ({ ...t, [role]: value }))}
              searchable
              clearable
              error={errors[`team.${role}`]}
              disabled={members.isPending}
            />
          ))}
          <FormActions submitLabel="Save team" saving={save.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}

/** Who looks after the account: one member per team role. */
export function AccountTeam({ account }: { account: Account }) {
  const [editing, { open, close }] = useDisclosure(false);
  const me = useMe();
  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Team
          </Title>
          {canWrite(me.data) && (
            <Button variant="light" leftSection={<IconPencil size={16} aria-hidden />} onClick={open}>
              Edit team
            </Button>
          )}
        </Group>
        <Table verticalSpacing="sm" aria-label="Account team">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Role</Table.Th>
              <Table.Th>Member</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {teamRoles.map((role) => {
              const seat = account.team.find((t) => t.role === role);
              return (
                <Table.Tr key={role} data-testid={`team-${role}`}>
                  <Table.Td fw={500}>{humanize(role)}</Table.Td>
                  <Table.Td>
                    {seat ? (
                      <Group gap="xs" wrap="nowrap">
                        <Avatar size="sm" name={seat.name} color="initials" />
                        <Text size="sm">{seat.name}</Text>
                      </Group>
                    ) : (
                      <Text size="sm" c="dimmed">
                        Nobody assigned
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Stack>
      {editing && <TeamEditModal account={account} onClose={close} />}
    </Paper>
  );
}
