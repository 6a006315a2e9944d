import { ActionIcon, Anchor, Badge, Button, Card, Center, Group, Loader, Paper, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPencil, IconPlus, IconShieldCheck, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ContactView as Contact } from '../../../src/modules/contacts/contacts.schema.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { humanize } from '../../ui/format.ts';
import { usePhone } from '../../ui/use-phone.ts';
import { api } from '../api-client.ts';
import { canWrite, useMe } from '../use-me.ts';
import { timelineKey } from './AccountTimeline.tsx';
import { ContactConsent } from './ContactConsent.tsx';
import { ContactEditModal } from './ContactEditModal.tsx';

/** The people at the account (GET /api/v1/contacts?accountId=). */
export function AccountContacts({ accountId }: { accountId: string }) {
  const me = useMe();
  // undefined: no dialog; null: a new contact.
  const [editing, setEditing] = useState<Contact | null | undefined>(undefined);
  const [deleting, setDeleting] = useState<Contact | null>(null);
  const [consentOf, setConsentOf] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (contact: Contact) => api.delete(`/contacts/${contact.id}`),
    onSuccess: (_, contact) => {
      queryClient.invalidateQueries({ queryKey: ['contacts'] });
      queryClient.invalidateQueries({ queryKey: timelineKey(accountId) });
      notifications.show({ color: 'teal', message: `Deleted ${contact.name}` });
      setDeleting(null);
    },
  });
  const writable = canWrite(me.data);
  const phone = usePhone();
  const contacts = useQuery({
    queryKey: ['contacts', 'account', accountId],
    queryFn: () => api.get<{ items: Contact[]; nextCursor: string | null; total: number }>('/contacts', { accountId, limit: 200 }),
  });
  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Contacts
          </Title>
          {writable && (
            <Button variant="default" size="xs" leftSection={<IconPlus size={14} aria-hidden />} onClick={() => setEditing(null)}>
              Add contact
            </Button>
          )}
        </Group>
        {contacts.isPending && (
          <Center py="md">
            <Loader size="sm" aria-label="Loading contacts" />
          </Center>
        )}
        {contacts.isError && <ErrorAlert error={contacts.error} title="Could not load contacts" />}
        {contacts.data && contacts.data.items.length === 0 && (
          <Text size="sm" c="dimmed">
            No contacts at this account yet.
          </Text>
        )}
        {phone && contacts.data && contacts.data.items.length > 0 && (
          // On a phone the table's five columns become one card per person.
          <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Contacts">
            {contacts.data.items.map((contact) => (
              <Card key={contact.id} withBorder padding="sm" component="li" data-testid="contact-card" c={contact.leftAt ? 'dimmed' : undefined}>
                <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
                  <Stack gap={2} style={{ minWidth: 0 }}>
                    <Group gap={6}>
                      <Text fw={600} size="sm">
                        {contact.name}
                      </Text>
                      <Badge variant="light" color="grape" size="sm">
                        {humanize(contact.persona)}
                      </Badge>
                      {contact.leftAt && (
                        <Badge size="xs" color="gray" variant="outline" title={`Left on ${contact.leftAt.slice(0, 10)}`}>
                          Left
                        </Badge>
                      )}
                    </Group>
                    {contact.title && <Text size="sm">{contact.title}</Text>}
                    <Anchor href={`mailto:${contact.email}`} size="sm" style={{ overflowWrap: 'anywhere' }}>
                      {contact.email}
                    </Anchor>
                    {contact.phone && (
                      <Anchor href={`tel:${contact.phone}`} size="sm">
                        {contact.phone}
                      </Anchor>
                    )}
                  </Stack>
                  <Group gap={2} wrap="nowrap">
                    <ActionIcon variant="subtle" size="lg" aria-label={`Consent of ${contact.name}`} title="Consent" onClick={() => setConsentOf(contact.id)}>
                      <IconShieldCheck size={18} aria-hidden />
                    </ActionIcon>
                    {writable && (
                      <>
                        <ActionIcon variant="subtle" size="lg" aria-label={`Edit ${contact.name}`} onClick={() => setEditing(contact)}>
                          <IconPencil size={18} aria-hidden />
                        </ActionIcon>
                        <ActionIcon variant="subtle" size="lg" color="red" aria-label={`Delete ${contact.name}`} onClick={() => setDeleting(contact)}>
                          <IconTrash size={18} aria-hidden />
                        </ActionIcon>
                      </>
                    )}
                  </Group>
                </Group>
              </Card>
            ))}
          </Stack>
        )}
        {!phone && contacts.data && contacts.data.items.length > 0 && (
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing="sm" aria-label="Contacts">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Title</Table.Th>
                  <Table.Th>Persona</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Phone</Table.Th>
                  {writable && (
                    <Table.Th>
                      <VisuallyHidden>Actions</VisuallyHidden>
                    </Table.Th>
                  )}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {contacts.data.items.map((contact) => (
                  <Table.Tr key={contact.id} c={contact.leftAt ? 'dimmed' : undefined}>
                    <Table.Td fw={500}>
                      <Group gap={6} wrap="nowrap">
                        {contact.name}
                        <ActionIcon
                          variant="subtle"
                          size="sm"
                          aria-label={`Consent of ${contact.name}`}
                          title="Consent"
                          onClick={() => setConsentOf(contact.id)}
                        >
                          <IconShieldCheck size={16} aria-hidden />
                        </ActionIcon>
                        {contact.leftAt && (
                          <Badge size="xs" color="gray" variant="outline" title={`Left on ${contact.leftAt.slice(0, 10)}`}>
                            Left
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>{contact.title ?? '—'}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color="grape" size="sm">
                        {humanize(contact.persona)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Anchor href={`mailto:${contact.email}`} size="sm">
                        {contact.email}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{contact.phone ?? '—'}</Table.Td>
                    {writable && (
                      <Table.Td>
                        <Group gap={4} wrap="nowrap">
                          <ActionIcon variant="subtle" aria-label={`Edit ${contact.name}`} onClick={() => setEditing(contact)}>
                            <IconPencil size={16} aria-hidden />
                          </ActionIcon>
                          <ActionIcon variant="subtle" color="red" aria-label={`Delete ${contact.name}`} onClick={() => setDeleting(contact)}>
                            <IconTrash size={16} aria-hidden />
                          </ActionIcon>
                        </Group>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {contacts.data?.nextCursor && (
          <Text size="xs" c="dimmed">
            Showing the first {contacts.data.items.length} contacts.
          </Text>
        )}
      </Stack>
      {consentOf && <ContactConsent contactId={consentOf} onClose={() => setConsentOf(null)} />}
      {editing !== undefined && <ContactEditModal contact={editing ?? undefined} accountId={accountId} onClose={() => setEditing(undefined)} />}
      {deleting && (
        <ConfirmModal
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete contact"
          loading={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onClose={() => setDeleting(null)}
        >
          {deleting.name} ({deleting.email}) is removed from the account; their past interactions stay on the timeline. To keep them on record, mark them as
          having left the company instead.
        </ConfirmModal>
      )}
    </Paper>
  );
}
