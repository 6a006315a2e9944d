import { Anchor, Badge, Button, Card, Code, CopyButton, Group, Loader, Modal, Paper, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { IconCopy, IconExternalLink, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import type { MailingList } from '../../../src/modules/consent/consent.schema.ts';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { QueryStatus } from '../../ui/QueryStatus.tsx';
import { usePhone } from '../../ui/use-phone.ts';
import { canWrite, useMe } from '../use-me.ts';
import { ListFormModal } from './ListFormModal.tsx';
import { useListForm, useLists } from './use-lists.ts';

function Counts({ list }: { list: MailingList }) {
  return (
    <Group gap={6} wrap="wrap">
      <Badge color="teal" variant="light">
        {list.counts.confirmed} confirmed
      </Badge>
      <Badge color="yellow" variant="light">
        {list.counts.unconfirmed} unconfirmed
      </Badge>
      <Badge color="gray" variant="light">
        {list.counts.unsubscribed} unsubscribed
      </Badge>
    </Group>
  );
}

/** The hosted page's address and the HTML form to paste into another site, each with a copy button. */
function FormModal({ list, onClose }: { list: MailingList; onClose: () => void }) {
  const form = useListForm(list.id);
  return (
    <Modal opened onClose={onClose} title={`Subscribe form: ${list.name}`} size="xl">
      {form.isPending && <Loader />}
      {form.isError && <ErrorAlert error={form.error} title="Could not load the form" />}
      {form.data && !form.data.hostedUrl && <Text>This list is not offered publicly (or is archived): it has no subscribe page.</Text>}
      {form.data?.hostedUrl && (
        <Stack gap="md">
          <div>
            <Text fw={600} size="sm">
              Hosted page
            </Text>
            <Group gap="xs" wrap="wrap">
              <Anchor href={form.data.hostedUrl} target="_blank" rel="noreferrer" style={{ wordBreak: 'break-all' }} size="sm">
                {form.data.hostedUrl} <IconExternalLink size={14} aria-hidden />
              </Anchor>
              <CopyButton value={form.data.hostedUrl}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="light" leftSection={<IconCopy size={14} aria-hidden />} onClick={copy}>
                    {copied ? 'Copied' : 'Copy link'}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </div>
          <div>
            <Group justify="space-between">
              <Text fw={600} size="sm">
                Embeddable form
              </Text>
              <CopyButton value={form.data.snippet ?? ''}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="light" leftSection={<IconCopy size={14} aria-hidden />} onClick={copy}>
                    {copied ? 'Copied' : 'Copy HTML'}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <Text size="xs" c="dimmed" mb={4}>
              Paste it into any page of your site. It posts to the hosted page, which records the consent and, for double opt-in, sends the confirmation email.
              The hidden field catches robots; keep it.
            </Text>
            <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
              {form.data.snippet}
            </Code>
          </div>
        </Stack>
      )}
    </Modal>
  );
}

/** Mailing lists: opt-in type, wording and consent counts, with their subscribe forms. */
export function ListsPage() {
  const me = useMe();
  const phone = usePhone();
  const [archived, setArchived] = useState(false);
  const lists = useLists(archived);
  const [editing, setEditing] = useState<MailingList | 'new' | undefined>();
  const [formOf, setFormOf] = useState<MailingList | undefined>();
  const writer = canWrite(me.data);
  const actions = (l: MailingList) => (
    <Group gap="xs" wrap="nowrap">
      <Button size="xs" variant="light" onClick={() => setFormOf(l)}>
        Form
      </Button>
      {writer && (
        <Button size="xs" variant="default" onClick={() => setEditing(l)}>
          Edit
        </Button>
      )}
    </Group>
  );
  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Lists
          </Title>
          {writer && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing('new')}>
              New list
            </Button>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          Marketing email goes only to contacts whose latest consent for the list is a confirmed grant. Counts come from the consent ledger: each contact’s
          latest record per list.
        </Text>
        <Switch label="Show archived lists" checked={archived} onChange={(e) => setArchived(e.currentTarget.checked)} />
        <QueryStatus query={lists} errorTitle="Could not load lists" />
        {lists.data?.length === 0 && (
          <EmptyState title="No lists yet" action={writer && <Button onClick={() => setEditing('new')}>Create the first list</Button>}>
            A newsletter, onboarding tips, webinar invitations: each list has its own wording and opt-in type.
          </EmptyState>
        )}
        {lists.data && lists.data.length > 0 && phone && (
          <Stack gap="sm">
            {lists.data.map((l) => (
              <Card key={l.id} withBorder>
                <Group justify="space-between" wrap="nowrap">
                  <Text fw={600}>{l.name}</Text>
                  <Badge variant="outline">{l.optIn === 'double' ? 'double opt-in' : 'single opt-in'}</Badge>
                </Group>
                <Text size="sm" c="dimmed" mb="xs">
                  {l.key}
                  {l.archivedAt ? ' · archived' : ''}
                  {l.public ? '' : ' · not public'}
                </Text>
                <Counts list={l} />
                <Group mt="sm">{actions(l)}</Group>
              </Card>
            ))}
          </Stack>
        )}
        {lists.data && lists.data.length > 0 && !phone && (
          <Table highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>List</Table.Th>
                <Table.Th>Opt-in</Table.Th>
                <Table.Th>Consent</Table.Th>
                <Table.Th>Wording</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {lists.data.map((l) => (
                <Table.Tr key={l.id}>
                  <Table.Td>
                    <Text fw={600}>{l.name}</Text>
                    <Text size="xs" c="dimmed">
                      {l.key}
                      {l.archivedAt ? ' · archived' : ''}
                      {l.public ? '' : ' · not public'}
                    </Text>
                  </Table.Td>
                  <Table.Td>{l.optIn === 'double' ? 'Double' : 'Single'}</Table.Td>
                  <Table.Td>
                    <Counts list={l} />
                  </Table.Td>
                  <Table.Td maw={320}>
                    <Text size="sm" lineClamp={2}>
                      {l.wording}
                    </Text>
                    <Text size="xs" c="dimmed">
                      version {l.wordingVersion}
                    </Text>
                  </Table.Td>
                  <Table.Td>{actions(l)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
      {editing && <ListFormModal list={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)} />}
      {formOf && <FormModal list={formOf} onClose={() => setFormOf(undefined)} />}
    </Paper>
  );
}
