import { ActionIcon, Alert, Button, Group, Modal, MultiSelect, Select, Stack, TagsInput, Text, Textarea, TextInput } from '@mantine/core';
import { IconInfoCircle, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { type Persona, personas } from '../../../src/modules/contacts/contacts.schema.ts';
import type { Stream, StreamUpdate } from '../../../src/modules/streams/streams.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { options } from '../../ui/format.ts';
import { api, fieldErrors } from '../api-client.ts';
import { streamsKey, useStreamChoices } from './use-streams.ts';

interface StepRow {
  id?: string;
  template: string;
  delay: string;
}

const ENGINE_ONLY = '__engine';

/** Creates a stream (a draft) or edits one; once started, steps can only be added at the end and delays changed. */
export function StreamFormModal({ stream, onClose, onSaved }: { stream: Stream | null; onClose: () => void; onSaved?: (s: Stream) => void }) {
  const queryClient = useQueryClient();
  const { templates, lists, segments } = useStreamChoices();
  const started = stream !== null && stream.status !== 'draft';
  const startedSteps = new Set(started ? stream.steps.map((s) => s.id) : []);
  const [form, setForm] = useState({
    key: stream?.key ?? '',
    name: stream?.name ?? '',
    description: stream?.description ?? '',
    list: stream?.list.id ?? '',
    segmentId: stream?.entry.segmentId ?? ENGINE_ONLY,
    personas: stream?.entry.personas ?? [],
    exitEvents: stream?.exit.events ?? ['Account Activated'],
    exitPhases: stream?.exit.phases ?? [],
  });
  const [steps, setSteps] = useState<StepRow[]>(stream?.steps ?? [{ template: '', delay: '0d' }]);
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) => setForm((f) => ({ ...f, [key]: value }));
  const save = useMutation({
    mutationFn: () => {
      const body = {
        name: form.name,
        description: form.description,
        list: form.list,
        entry: { segmentId: form.segmentId === ENGINE_ONLY ? null : form.segmentId, personas: form.personas as Persona[] },
        exit: { events: form.exitEvents, phases: form.exitPhases },
        steps: steps.map((s) => ({ ...(s.id ? { id: s.id } : {}), template: s.template, delay: s.delay })),
      };
      return stream ? api.patch<Stream>(`/streams/${stream.id}`, body satisfies StreamUpdate) : api.post<Stream>('/streams', { ...body, key: form.key });
    },
    onSuccess: (saved) => {
      queryClient.invalidateQueries({ queryKey: streamsKey });
      onSaved?.(saved);
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const stepError = (i: number, field?: string) => errors[`steps.${i}${field ? `.${field}` : ''}`];
  const shownErrors = new Set(['key', 'name', 'list', 'entry.segmentId', 'entry.personas', 'exit.events', 'exit.phases']);
  const otherError = save.isError && !Object.keys(errors).some((k) => shownErrors.has(k) || k.startsWith('steps'));
  return (
    <Modal opened onClose={onClose} title={stream ? `Edit ${stream.name}` : 'New nurture stream'} size="lg">
      <Stack gap="sm">
        {!stream && (
          <TextInput
            label="Key"
            description="Model files enrol contacts by it (enrol action)"
            required
            value={form.key}
            onChange={(e) => set('key', e.currentTarget.value)}
            error={errors.key}
          />
        )}
        <TextInput label="Name" required value={form.name} onChange={(e) => set('name', e.currentTarget.value)} error={errors.name} />
        <Textarea label="Description" autosize minRows={1} value={form.description} onChange={(e) => set('description', e.currentTarget.value)} />
        <Select
          label="Mailing list"
          description="Only contacts who confirmed this list receive the stream's emails"
          required
          disabled={started}
          data={(lists.data ?? []).map((l) => ({ value: l.id, label: l.name }))}
          value={form.list || null}
          onChange={(v) => set('list', v ?? '')}
          error={errors.list}
        />
        <Select
          label="Entry"
          description="Contacts of accounts in this segment enter (checked every 5 minutes), each once; engine moments can enrol too"
          data={[
            { value: ENGINE_ONLY, label: 'Only engine moments (enrol action)' },
            ...(segments.data ?? []).map((s) => ({ value: s.id, label: `Segment: ${s.name}` })),
          ]}
          value={form.segmentId}
          onChange={(v) => set('segmentId', v ?? ENGINE_ONLY)}
          error={errors['entry.segmentId']}
        />
        <MultiSelect
          label="Personas"
          description="Only contacts with these personas; none: every persona"
          data={options(personas)}
          value={form.personas}
          onChange={(v) => set('personas', v)}
          error={errors['entry.personas']}
        />
        <TagsInput
          label="Exit when these events happen on the account"
          description="Type an event name and press Enter (e.g. Account Activated)"
          value={form.exitEvents}
          onChange={(v) => set('exitEvents', v)}
          error={errors['exit.events']}
        />
        <TagsInput
          label="Exit when the account enters these phases"
          description="Phase keys (onboarding, ongoing, renewal …); * for any phase change. An unsubscribe from the list always exits."
          value={form.exitPhases}
          onChange={(v) => set('exitPhases', v)}
          error={errors['exit.phases']}
        />
        <Text fw={600} size="sm" mt="xs">
          Steps
        </Text>
        {started && (
          <Alert color="blue" variant="light" icon={<IconInfoCircle aria-hidden />}>
            This stream has started: you can add steps at the end and change delays. Existing steps cannot be removed, reordered or given another template.
          </Alert>
        )}
        {steps.map((step, i) => (
          <Group key={step.id ?? `new-${i}`} align="flex-start" wrap="nowrap" gap="xs">
            <Select
              style={{ flex: 2 }}
              label={`Step ${i + 1}: template`}
              searchable
              disabled={startedSteps.has(step.id ?? '')}
              data={(templates.data ?? []).map((t) => ({ value: t.key, label: `${t.name} (${t.key})` }))}
              value={step.template || null}
              onChange={(v) => setSteps((all) => all.map((s, j) => (j === i ? { ...s, template: v ?? '' } : s)))}
              error={stepError(i, 'template') ?? stepError(i)}
            />
            <TextInput
              style={{ flex: 1 }}
              label={i === 0 ? 'After entry' : 'After the previous'}
              description="12h, 2d, 1w"
              value={step.delay}
              onChange={(e) => {
                const delay = e.currentTarget.value;
                setSteps((all) => all.map((s, j) => (j === i ? { ...s, delay } : s)));
              }}
              error={stepError(i, 'delay')}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              mt={28}
              aria-label={`Remove step ${i + 1}`}
              disabled={startedSteps.has(step.id ?? '')}
              onClick={() => setSteps((all) => all.filter((_, j) => j !== i))}
            >
              <IconTrash size={16} aria-hidden />
            </ActionIcon>
          </Group>
        ))}
        <Group>
          <Button variant="light" leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setSteps((all) => [...all, { template: '', delay: '2d' }])}>
            Add step
          </Button>
        </Group>
        {otherError && <ErrorAlert error={save.error} title="Could not save the stream" />}
        <Group justify="flex-end" mt="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            {stream ? 'Save' : 'Create draft'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
