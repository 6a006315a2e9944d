import { Alert, Button, Group, Modal, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { Condition } from '../../../src/modules/accounts/accounts.schema.ts';
import { FormActions } from '../../ui/FormActions.tsx';
import { api, fieldErrors } from '../api-client.ts';
import type { Segment } from '../api-types.ts';
import { useCustomFields } from '../settings/use-custom-fields.ts';
import { ConditionRow } from './ConditionRow.tsx';
import { conditionFields, defaultValue } from './condition-fields.ts';
import { segmentsKey } from './use-segments.ts';

interface SegmentEditorModalProps {
  /** Undefined creates a new segment. */
  segment?: Segment;
  onClose: () => void;
}

/** Creates or edits a segment: a name and a filter (search text AND every condition). */
export function SegmentEditorModal({ segment, onClose }: SegmentEditorModalProps) {
  const queryClient = useQueryClient();
  const customFields = useCustomFields('account');
  const fields = conditionFields(customFields.data ?? []);
  const [name, setName] = useState(segment?.name ?? '');
  const [description, setDescription] = useState(segment?.description ?? '');
  const [q, setQ] = useState(segment?.filter.q ?? '');
  const [conditions, setConditions] = useState<Condition[]>(segment?.filter.conditions ?? [{ field: 'touch_model', op: 'in', value: [] }]);

  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), description: description.trim(), filter: { ...(q.trim() && { q: q.trim() }), conditions } };
      return segment ? api.patch<Segment>(`/segments/${segment.id}`, body) : api.post<Segment>('/segments', body);
    },
    onSuccess: (saved) => {
      queryClient.invalidateQueries({ queryKey: segmentsKey });
      queryClient.invalidateQueries({ queryKey: ['accounts', 'list'] });
      notifications.show({ color: 'teal', message: `Saved ${saved.name}: ${saved.count} accounts match` });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const errorAt = (prefix: string) => Object.entries(errors).find(([key]) => key === prefix || key.startsWith(`${prefix}.`))?.[1];
  const listError = errors['filter.conditions'] ?? errors.filter;

  const addCondition = () => {
    // Region is the most common second condition; any field can be picked after.
    const region = fields.find((f) => f.field === 'region');
    setConditions((cs) => [...cs, { field: 'region', op: 'in', value: defaultValue(region, 'in') }]);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <Modal opened onClose={onClose} title={segment ? `Edit ${segment.name}` : 'New segment'} size="xl" fullScreen={window.innerWidth < 576}>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} data-autofocus />
          <Textarea
            label="Description"
            autosize
            minRows={1}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={errors.description}
          />
          <Stack gap="xs">
            <Title order={3} size="h5">
              Accounts that match
            </Title>
            <TextInput
              label="Search text"
              description="Optional: name or domain contains this text"
              value={q}
              onChange={(e) => setQ(e.currentTarget.value)}
              error={errors['filter.q']}
            />
            <Text size="sm" c="dimmed">
              …and every one of these conditions:
            </Text>
            {conditions.length === 0 && (
              <Text size="sm" c="dimmed" fs="italic">
                No conditions: every account matches.
              </Text>
            )}
            {conditions.map((condition, index) => (
              <ConditionRow
                // Conditions have no identity but their place in the list.
                // biome-ignore lint/suspicious/noArrayIndexKey: the index is the condition's path in the API's errors too
                key={index}
                index={index}
                condition={condition}
                fields={fields}
                errors={{
                  field: errorAt(`filter.conditions.${index}.field`),
                  op: errorAt(`filter.conditions.${index}.op`),
                  value: errorAt(`filter.conditions.${index}.value`),
                }}
                onChange={(next) => setConditions((cs) => cs.map((c, i) => (i === index ? next : c)))}
                onRemove={() => setConditions((cs) => cs.filter((_, i) => i !== index))}
              />
            ))}
            {listError && (
              <Alert color="red" variant="light" role="alert">
                {listError}
              </Alert>
            )}
            <Group>
              <Button variant="light" leftSection={<IconPlus size={16} aria-hidden />} onClick={addCondition}>
                Add condition
              </Button>
            </Group>
          </Stack>
          <FormActions submitLabel={segment ? 'Save segment' : 'Create segment'} saving={save.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}
