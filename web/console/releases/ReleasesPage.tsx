import { ActionIcon, Anchor, Badge, Button, Center, Group, Loader, Menu, Paper, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDots, IconExternalLink, IconPencil, IconPlus, IconSend, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { PublishResult, Release } from '../../../src/modules/releases/releases.schema.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDate, formatDateTime, humanize } from '../../ui/format.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { usePhone } from '../../ui/use-phone.ts';
import { api, errorMessage } from '../api-client.ts';
import { canWrite, useMe } from '../use-me.ts';
import { ReleaseFormModal } from './ReleaseFormModal.tsx';
import { releasesKey, useReleases } from './use-releases.ts';

type Editing = { release?: Release } | null;
const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** Product releases: record one, then publish it to the accounts owning its offerings (Product Released). */
export function ReleasesPage() {
  const releases = useReleases();
  const me = useMe();
  const writable = canWrite(me.data);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Editing>(null);
  const [publishing, setPublishing] = useState<Release | null>(null);
  const [deleting, setDeleting] = useState<Release | null>(null);
  const phone = usePhone();

  const publish = useMutation({
    mutationFn: (release: Release) => api.post<PublishResult>(`/releases/${release.id}/publish`),
    onSuccess: (result) => {
      queryClient.invalidateQueries({ queryKey: releasesKey });
      queryClient.invalidateQueries({ queryKey: ['timeline'] });
      notifications.show({ color: result.accountsReached > 0 ? 'teal' : 'yellow', message: result.message });
      setPublishing(null);
    },
    onError: (error) => {
      notifications.show({ color: 'red', message: errorMessage(error) });
      setPublishing(null);
    },
  });
  const remove = useMutation({
    mutationFn: (release: Release) => api.delete(`/releases/${release.id}`),
    onSuccess: (_, release) => {
      queryClient.invalidateQueries({ queryKey: releasesKey });
      notifications.show({ color: 'teal', message: `Deleted ${release.name}` });
      setDeleting(null);
    },
  });

  return (
    <Stack gap={0}>
      <PageHeader
        title="Releases"
        description="What your company ships. Publishing a release records Product Released on every account that owns an affected offering, so engagement models can open their new-release moments."
        actions={
          writable && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing({})}>
              New release
            </Button>
          )
        }
      />
      {releases.isPending && (
        <Center py="xl">
          <Loader aria-label="Loading releases" />
        </Center>
      )}
      {releases.isError && <ErrorAlert error={releases.error} title="Could not load releases" />}
      {releases.data && releases.data.length === 0 && (
        <EmptyState title="No releases yet" action={writable && <Button onClick={() => setEditing({})}>Record the first release</Button>}>
          Record a product release with the offerings it affects, then publish it: the accounts that own them get a Product Released event.
        </EmptyState>
      )}
      {releases.data && releases.data.length > 0 && phone && (
        <Stack gap="sm">
          {releases.data.map((release) => (
            <Paper key={release.id} withBorder p="md" data-testid="release-card">
              <Stack gap={6}>
                <Group justify="space-between" wrap="nowrap" align="flex-start">
                  <Text fw={600}>{release.name}</Text>
                  <ReleaseStatus release={release} />
                </Group>
                <Text size="sm" c="dimmed">
                  {formatDate(release.releasedOn)} · {plural(release.status === 'published' ? (release.accountsReached ?? 0) : release.audience, 'account')}
                </Text>
                <Offerings release={release} />
                {writable && <ReleaseActions release={release} onPublish={setPublishing} onEdit={(r) => setEditing({ release: r })} onDelete={setDeleting} />}
              </Stack>
            </Paper>
          ))}
        </Stack>
      )}
      {releases.data && releases.data.length > 0 && !phone && (
        <Paper withBorder>
          <Table.ScrollContainer minWidth={720}>
            <Table verticalSpacing="sm" highlightOnHover aria-label="Releases">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Release</Table.Th>
                  <Table.Th>Date</Table.Th>
                  <Table.Th>Offerings</Table.Th>
                  <Table.Th ta="right" title="Accounts told when published; before that, accounts owning an affected offering now">
                    Accounts
                  </Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {releases.data.map((release) => (
                  <Table.Tr key={release.id} data-testid="release-row">
                    <Table.Td maw={360}>
                      <Text fw={600} size="sm">
                        {release.name}
                      </Text>
                      {release.description && (
                        <Text size="xs" c="dimmed" lineClamp={2}>
                          {release.description}
                        </Text>
                      )}
                      {release.notesUrl && (
                        <Anchor href={release.notesUrl} target="_blank" rel="noopener noreferrer" size="xs">
                          Release notes <IconExternalLink size={12} aria-hidden />
                        </Anchor>
                      )}
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(release.releasedOn)}</Table.Td>
                    <Table.Td>
                      <Offerings release={release} />
                    </Table.Td>
                    <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                      {release.status === 'published' ? (
                        <Text size="sm" fw={600} title="Accounts that got Product Released">
                          {(release.accountsReached ?? 0).toLocaleString('en-US')}
                        </Text>
                      ) : (
                        <Text size="sm" c="dimmed" title="Accounts owning an affected offering now">
                          {release.audience.toLocaleString('en-US')}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <ReleaseStatus release={release} />
                    </Table.Td>
                    <Table.Td>
                      {writable && (
                        <ReleaseActions release={release} onPublish={setPublishing} onEdit={(r) => setEditing({ release: r })} onDelete={setDeleting} />
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {editing && <ReleaseFormModal release={editing.release} onClose={() => setEditing(null)} />}
      {publishing && (
        <ConfirmModal
          title={`Publish ${publishing.name}?`}
          confirmLabel="Publish"
          color="blue"
          loading={publish.isPending}
          onConfirm={() => publish.mutate(publishing)}
          onClose={() => setPublishing(null)}
        >
          {publishing.audience > 0
            ? `Product Released will be recorded on ${plural(publishing.audience, 'account')} owning ${publishing.offerings.join(', ')}; models with a new-release moment open it for them. A release is published once.`
            : `No account owns ${publishing.offerings.join(', ')} yet: the release will be published without telling any account. A release is published once.`}
        </ConfirmModal>
      )}
      {deleting && (
        <ConfirmModal
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete draft"
          loading={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onClose={() => setDeleting(null)}
        >
          The draft is deleted; no account was told about it.
        </ConfirmModal>
      )}
    </Stack>
  );
}

function ReleaseStatus({ release }: { release: Release }) {
  if (release.status === 'draft') {
    return (
      <Badge color="gray" variant="light" size="sm">
        Draft
      </Badge>
    );
  }
  return (
    <Stack gap={2}>
      <Badge color="teal" variant="light" size="sm">
        Published
      </Badge>
      <Text size="xs" c="dimmed">
        {formatDateTime(release.publishedAt)} by {release.publishedBy}
      </Text>
    </Stack>
  );
}

function Offerings({ release }: { release: Release }) {
  return (
    <Group gap={4}>
      {release.offerings.map((o) => (
        <Badge key={o} variant="light" size="sm" tt="none">
          {o}
        </Badge>
      ))}
      {release.audiencePersona && (
        <Badge variant="outline" color="grape" size="sm" title="Audience persona">
          {humanize(release.audiencePersona)}
        </Badge>
      )}
    </Group>
  );
}

interface ReleaseActionsProps {
  release: Release;
  onPublish: (release: Release) => void;
  onEdit: (release: Release) => void;
  onDelete: (release: Release) => void;
}

function ReleaseActions({ release, onPublish, onEdit, onDelete }: ReleaseActionsProps) {
  return (
    <Group gap={4} justify="flex-end" wrap="nowrap">
      {release.status === 'draft' && (
        <Button size="xs" variant="light" leftSection={<IconSend size={14} aria-hidden />} onClick={() => onPublish(release)}>
          Publish
        </Button>
      )}
      <Menu position="bottom-end">
        <Menu.Target>
          <ActionIcon variant="subtle" color="gray" aria-label={`More actions for ${release.name}`}>
            <IconDots size={18} aria-hidden />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item leftSection={<IconPencil size={14} aria-hidden />} onClick={() => onEdit(release)}>
            {release.status === 'published' ? 'Edit notes' : 'Edit'}
          </Menu.Item>
          {release.status === 'draft' && (
            <Menu.Item color="red" leftSection={<IconTrash size={14} aria-hidden />} onClick={() => onDelete(release)}>
              Delete draft
            </Menu.Item>
          )}
        </Menu.Dropdown>
      </Menu>
    </Group>
  );
}
