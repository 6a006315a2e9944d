import { Badge, Button, Center, Group, Loader, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { IconPencil, IconUserPlus } from '@tabler/icons-react';
import { useState } from 'react';
import type { MemberView as Member } from '../../../src/modules/members/members.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDate, humanize } from '../../ui/format.ts';
import { isAdmin, useMe } from '../use-me.ts';
import { MemberFormModal } from './MemberFormModal.tsx';
import { useMembers } from './use-members.ts';

export function MembersPage() {
  const members = useMembers();
  const me = useMe();
  const admin = isAdmin(me.data);
  const [editing, setEditing] = useState<{ member?: Member } | null>(null);

  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Members
          </Title>
          {admin && (
            <Button leftSection={<IconUserPlus size={16} aria-hidden />} onClick={() => setEditing({})}>
              Add member
            </Button>
          )}
        </Group>
        {!admin && (
          <Text size="sm" c="dimmed">
            Only workspace admins can add members or change their roles.
          </Text>
        )}
        {members.isPending && (
          <Center py="md">
            <Loader size="sm" aria-label="Loading members" />
          </Center>
        )}
        {members.isError && <ErrorAlert error={members.error} title="Could not load members" />}
        {members.data && (
          <Table.ScrollContainer className="phone-fit" minWidth={620}>
            <Table verticalSpacing="sm" aria-label="Members">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th visibleFrom="sm">Email</Table.Th>
                  <Table.Th>Roles</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th visibleFrom="sm">Added</Table.Th>
                  {admin && <Table.Th>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {members.data.map((member) => (
                  <Table.Tr key={member.id} data-testid="member-row">
                    <Table.Td fw={500}>{member.name}</Table.Td>
                    <Table.Td visibleFrom="sm">{member.email}</Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {member.roles.map((role) => (
                          <Badge key={role} size="sm" variant="light" color={role === 'admin' ? 'red' : 'indigo'}>
                            {humanize(role)}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="dot" color={member.disabled ? 'gray' : 'teal'}>
                        {member.disabled ? 'Disabled' : 'Active'}
                      </Badge>
                    </Table.Td>
                    <Table.Td visibleFrom="sm">{formatDate(member.createdAt)}</Table.Td>
                    {admin && (
                      <Table.Td>
                        <Button
                          size="xs"
                          variant="subtle"
                          leftSection={<IconPencil size={14} aria-hidden />}
                          onClick={() => setEditing({ member })}
                          aria-label={`Edit ${member.name}`}
                        >
                          Edit
                        </Button>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      {editing && <MemberFormModal member={editing.member} self={me.data?.actor.id ?? null} onClose={() => setEditing(null)} />}
    </Paper>
  );
}
