import { Checkbox, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ContactView as Contact } from '../../../src/modules/contacts/contacts.schema.ts';
import { personas } from '../../../src/modules/contacts/contacts.schema.ts';
import { FormActions } from '../../ui/FormActions.tsx';
import { options } from '../../ui/format.ts';
import { api, fieldErrors } from '../api-client.ts';
import { timelineKey } from './AccountTimeline.tsx';

const keyPersonas = new Set(['executive_sponsor', 'champion']);

/**
 * Edits a contact's role at the account: persona, title, phone, and whether they left the company. A change of
 * executive sponsor or champion is recorded on the account (Sponsor Changed, Champion Changed) for the engine.
 */
export function ContactEditModal({ contact, accountId, onClose }: { contact?: Contact; accountId: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    name: contact?.name ?? '',
    title: contact?.title ?? '',
    phone: contact?.phone ?? '',
    persona: contact?.persona ?? ('end_user' as Contact['persona']),
  });
  const [email, setEmail] = useState('');
  const [left, setLeft] = useState((contact?.leftAt ?? null) !== null);
  const save = useMutation({
    mutationFn: () => {
      const body = { ...form, title: form.title || null, phone: form.phone || null };
      if (!contact) return api.post<Contact>('/contacts', { ...body, email, accountId });
      return api.patch<Contact>(`/contacts/${contact.id}`, { ...body, leftAt: left ? (contact.leftAt ?? new Date().toISOString()) : null });
    },
    onSuccess: (updated) => {
      queryClient.invalidateQueries({ queryKey: ['contacts'] });
      if (updated.accountId) queryClient.invalidateQueries({ queryKey: timelineKey(updated.accountId) });
      notifications.show({ color: 'teal', message: `${updated.name} saved` });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const touchesKeyRole = keyPersonas.has(contact?.persona ?? '') || keyPersonas.has(form.persona);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={contact ? `Edit ${contact.name}` : 'New contact'}>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput label="Name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={errors.name} />
          {!contact && <TextInput label="Email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={errors.email} />}
          <TextInput label="Title" value={form.title} onChange={(e) => setForm({ ...form, title: e.currentTarget.value })} error={errors.title} />
          <Select
            label="Persona"
            data={options(personas)}
            value={form.persona}
            onChange={(value) => value && setForm({ ...form, persona: value as Contact['persona'] })}
            allowDeselect={false}
            error={errors.persona}
          />
          <TextInput label="Phone" value={form.phone} onChange={(e) => setForm({ ...form, phone: e.currentTarget.value })} error={errors.phone} />
          {contact && (
            <Checkbox
              label="Has left the company"
              description="They stay in the records, but no longer count as the account's sponsor or champion."
              checked={left}
              onChange={(e) => setLeft(e.currentTarget.checked)}
              error={errors.leftAt}
            />
          )}
          {touchesKeyRole && (
            <Text size="xs" c="dimmed">
              Changing who is the executive sponsor or champion is recorded on the account's timeline, and engagement models can open a moment for it.
            </Text>
          )}
          <FormActions submitLabel={contact ? 'Save contact' : 'Add contact'} saving={save.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}
