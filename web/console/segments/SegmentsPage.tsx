import { ActionIcon, Anchor, Button, Center, Group, Loader, Menu, Paper, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDots, IconEye, IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import type { SegmentWithCount as Segment } from '../../../src/modules/segments/segments.schema.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDate } from '../../ui/format.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { api } from '../api-client.ts';
import { useCustomFields } from '../settings/use-custom-fields.ts';
import { canWrite, useMe } from '../use-me.ts';
import { accountsOf, conditionFields, describeCondition } from './condition-fields.ts';
import { SegmentEditorModal } from './SegmentEditorModal.tsx';
import { segmentsKey, useSegments } from './use-segments.ts';

type Editing = { segment?: Segment } | null;

export function SegmentsPage() {
  const segments = useSegments();
  const customFields = useCustomFields('account');
  const fields = conditionFields(customFields.data ?? []);
  const me = useMe();
  const writable = canWrite(me.data);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<Segment | null>(null);

  const remove = useMutation({
    mutationFn: (segment: Segment) => api.delete(`/segments/${segment.id}`),
    onSuccess: (_, segment) => {
      queryClient.invalidateQueries({ queryKey: segmentsKey });
      notifications.show({ color: 'teal', message: `Deleted ${segment.name}` });
      setDeleting(null);
    },
  });

  const describe = (segment: Segment) =>
    [
      segment.filter.q && `Name or domain contains "${segment.filter.q}"`,
      ...segment.filter.conditions.map((c) => describeCondition(c, fields)),
      segment.filter.anyOf?.length &&
        `one of: ${segment.filter.anyOf.map((group) => `(${group.map((c) => describeCondition(c, fields)).join(' and ')})`).join(' or ')}`,
    ]
      .filter(Boolean)
      .join(' · ') || 'All accounts';

  return (
    <Stack gap={0}>
      <PageHeader
        title="Segments"
        description="Saved filters over account attributes; counts are live."
        actions={
          writable && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing({})}>
              New segment
            </Button>
          )
        }
      />
      {segments.isPending && (
        <Center py="xl">
          <Loader aria-label="Loading segments" />
        </Center>
      )}
      {segments.isError && <ErrorAlert error={segments.error} title="Could not load segments" />}
      {segments.data && segments.data.length === 0 && (
        <EmptyState title="No segments yet" action={writable && <Button onClick={() => setEditing({})}>Create the first segment</Button>}>
          A segment groups accounts by their profile, e.g. every high-touch account in EMEA with more than $100k ARR.
        </EmptyState>
      )}
      {segments.data && segments.data.length > 0 && (
        <Paper withBorder>
          <Table.ScrollContainer className="phone-fit" minWidth={640}>
            <Table verticalSpacing="sm" highlightOnHover aria-label="Segments">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Segment</Table.Th>
                  <Table.Th visibleFrom="sm">Filter</Table.Th>
                  <Table.Th ta="right">Accounts</Table.Th>
                  <Table.Th visibleFrom="sm">Updated</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {segments.data.map((segment) => (
                  <Table.Tr key={segment.id} data-testid="segment-row">
                    <Table.Td>
                      <Text fw={600} size="sm">
                        {segment.name}
                      </Text>
                      {segment.description && (
                        <Text size="xs" c="dimmed" lineClamp={2}>
                          {segment.description}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td visibleFrom="sm" maw={420}>
                      <Text size="xs" c="dimmed" lineClamp={3}>
                        {describe(segment)}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Anchor component={Link} to={accountsOf(segment)} fw={600} size="sm" aria-label={`View the ${segment.count} accounts in ${segment.name}`}>
                        {segment.count.toLocaleString('en-US')}
                      </Anchor>
                    </Table.Td>
                    <Table.Td visibleFrom="sm" style={{ whiteSpace: 'nowrap' }}>
                      {formatDate(segment.updatedAt)}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Button component={Link} to={accountsOf(segment)} variant="subtle" size="xs" leftSection={<IconEye size={14} aria-hidden />}>
                          View accounts
                        </Button>
                        {writable && (
                          <Menu position="bottom-end">
                            <Menu.Target>
                              <ActionIcon variant="subtle" color="gray" aria-label={`More actions for ${segment.name}`}>
                                <IconDots size={18} aria-hidden />
                              </ActionIcon>
                            </Menu.Target>
                            <Menu.Dropdown>
                              <Menu.Item leftSection={<IconPencil size={14} aria-hidden />} onClick={() => setEditing({ segment })}>
                                Edit
                              </Menu.Item>
                              <Menu.Item color="red" leftSection={<IconTrash size={14} aria-hidden />} onClick={() => setDeleting(segment)}>
                                Delete
                              </Menu.Item>
                            </Menu.Dropdown>
                          </Menu>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {editing && <SegmentEditorModal segment={editing.segment} onClose={() => setEditing(null)} />}
      {deleting && (
        <ConfirmModal
          title="Delete segment?"
          confirmLabel="Delete segment"
          loading={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onClose={() => setDeleting(null)}
        >
          Delete <b>{deleting.name}</b>? The accounts stay; only the saved filter goes.
        </ConfirmModal>
      )}
    </Stack>
  );
}
