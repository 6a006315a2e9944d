import { Group, Modal, Select, Stack, TagsInput, Text, Textarea, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { personas } from '../../../src/modules/contacts/contacts.schema.ts';
import type { Release } from '../../../src/modules/releases/releases.schema.ts';
import { FormActions } from '../../ui/FormActions.tsx';
import { options } from '../../ui/format.ts';
import { api, fieldErrors } from '../api-client.ts';
import { releasesKey, useOwnedOfferings } from './use-releases.ts';

interface ReleaseFormModalProps {
  /** Undefined records a new release. */
  release?: Release;
  onClose: () => void;
}

const today = () => new Date().toISOString().slice(0, 10);

/** Records or edits a release; once published only its notes link and description can change. */
export function ReleaseFormModal({ release, onClose }: ReleaseFormModalProps) {
  const queryClient = useQueryClient();
  const offerings = useOwnedOfferings();
  const published = release?.status === 'published';
  const [form, setForm] = useState({
    name: release?.name ?? '',
    releasedOn: release?.releasedOn ?? today(),
    offerings: release?.offerings ?? [],
    notesUrl: release?.notesUrl ?? '',
    audiencePersona: release?.audiencePersona ?? null,
    description: release?.description ?? '',
  });
  const save = useMutation({
    mutationFn: () => {
      const notes = { notesUrl: form.notesUrl.trim() || null, description: form.description.trim() };
      if (published && release) return api.patch<Release>(`/releases/${release.id}`, notes);
      const body = { ...notes, name: form.name.trim(), releasedOn: form.releasedOn, offerings: form.offerings, audiencePersona: form.audiencePersona };
      return release ? api.patch<Release>(`/releases/${release.id}`, body) : api.post<Release>('/releases', body);
    },
    onSuccess: (saved) => {
      queryClient.invalidateQueries({ queryKey: releasesKey });
      notifications.show({ color: 'teal', message: `Saved ${saved.name}` });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const owned = new Map((offerings.data ?? []).map((o) => [o.offering, o.accounts]));
  const suggestions = [...owned.keys()];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={release ? `Edit ${release.name}` : 'New release'} size="lg" fullScreen={window.innerWidth < 576}>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            label="Name"
            placeholder="Analytics Suite 2027.1"
            required
            disabled={published}
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
            error={errors.name}
            data-autofocus
          />
          <TextInput
            type="date"
            label="Release date"
            required
            disabled={published}
            value={form.releasedOn}
            onChange={(e) => setForm({ ...form, releasedOn: e.currentTarget.value })}
            error={errors.releasedOn}
          />
          <TagsInput
            label="Offerings it affects"
            description="Accounts owning any of them (on their profile or in an active contract) are told when you publish."
            placeholder={form.offerings.length === 0 ? 'Pick or type an offering' : undefined}
            required
            disabled={published}
            data={suggestions}
            value={form.offerings}
            onChange={(value) => setForm({ ...form, offerings: value })}
            error={errors.offerings ?? Object.entries(errors).find(([k]) => k.startsWith('offerings.'))?.[1]}
            renderOption={({ option }) => (
              <Group justify="space-between" w="100%" wrap="nowrap">
                <Text size="sm">{option.value}</Text>
                <Text size="xs" c="dimmed">
                  {owned.get(option.value)?.toLocaleString('en-US')} accounts
                </Text>
              </Group>
            )}
          />
          <Select
            label="Audience persona"
            description="Who at the customer it matters to; carried on the event for models and campaigns."
            placeholder="Everyone"
            clearable
            disabled={published}
            data={options(personas)}
            value={form.audiencePersona}
            onChange={(value) => setForm({ ...form, audiencePersona: value as Release['audiencePersona'] })}
            error={errors.audiencePersona}
          />
          <TextInput
            label="Release notes link"
            placeholder="https://"
            value={form.notesUrl}
            onChange={(e) => setForm({ ...form, notesUrl: e.currentTarget.value })}
            error={errors.notesUrl}
          />
          <Textarea
            label="What changes for customers"
            autosize
            minRows={2}
            maxRows={6}
            value={form.description}
            onChange={(e) => setForm({ ...form, description: e.currentTarget.value })}
            error={errors.description}
          />
          <FormActions submitLabel={release ? 'Save release' : 'Save as draft'} saving={save.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}
