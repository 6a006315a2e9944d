import { Button, Group, Modal, SegmentedControl, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { MailingList } from '../../../src/modules/consent/consent.schema.ts';
import { api, errorMessage, fieldErrors } from '../api-client.ts';
import { listsKey } from './use-lists.ts';

/** Creates a list, or changes one (its key stays: model files and forms use it). */
export function ListFormModal({ list, onClose }: { list?: MailingList; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [key, setKey] = useState(list?.key ?? '');
  const [name, setName] = useState(list?.name ?? '');
  const [description, setDescription] = useState(list?.description ?? '');
  const [optIn, setOptIn] = useState<'single' | 'double'>(list?.optIn ?? 'double');
  const [isPublic, setPublic] = useState(list?.public ?? true);
  const [wording, setWording] = useState(list?.wording ?? '');
  const save = useMutation({
    mutationFn: () => {
      const body = { name, description, optIn, public: isPublic, wording };
      return list ? api.patch<MailingList>(`/lists/${list.id}`, body) : api.post<MailingList>('/lists', { ...body, key });
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: listsKey });
      notifications.show({ color: 'teal', message: `${saved.name} saved` });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const wordingChanged = list !== undefined && wording.trim() !== list.wording;
  return (
    <Modal opened onClose={onClose} title={list ? `Edit ${list.name}` : 'New list'} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack gap="sm">
          {!list && (
            <TextInput
              label="Key"
              description="Used by model files and the form address, e.g. product-news"
              value={key}
              onChange={(e) => setKey(e.currentTarget.value)}
              error={errors.key}
              required
            />
          )}
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} required />
          <Textarea
            label="Description"
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={errors.description}
            autosize
            minRows={2}
          />
          <div>
            <Text size="sm" fw={500} mb={4}>
              Opt-in
            </Text>
            <SegmentedControl
              value={optIn}
              onChange={(v) => setOptIn(v as 'single' | 'double')}
              data={[
                { value: 'double', label: 'Double (confirm by email)' },
                { value: 'single', label: 'Single' },
              ]}
            />
            <Text size="xs" c="dimmed" mt={4}>
              {optIn === 'double'
                ? 'A subscription counts only once the contact confirms from the email we send.'
                : 'A subscription counts as soon as the form is sent.'}
            </Text>
          </div>
          <Textarea
            label="Wording"
            description="What a contact is shown when subscribing; the ledger keeps which version each contact saw"
            value={wording}
            onChange={(e) => setWording(e.currentTarget.value)}
            error={errors.wording}
            autosize
            minRows={2}
            required
          />
          {wordingChanged && (
            <Text size="xs" c="orange">
              Saving makes this wording version {(list?.wordingVersion ?? 0) + 1}. Update forms embedded in other sites.
            </Text>
          )}
          <Switch label="Offered on the subscribe page and in the preference centre" checked={isPublic} onChange={(e) => setPublic(e.currentTarget.checked)} />
          {save.isError && Object.keys(errors).length === 0 && (
            <Text c="red" size="sm">
              {errorMessage(save.error)}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {list ? 'Save' : 'Create list'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
