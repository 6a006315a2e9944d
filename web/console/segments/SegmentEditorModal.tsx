import { Alert, Button, Group, List, Modal, Paper, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { AccountFilter, Condition } from '../../../src/modules/accounts/accounts.schema.ts';
import type { SegmentWithCount as Segment, SegmentPreviewResult } from '../../../src/modules/segments/segments.schema.ts';
import { FormActions } from '../../ui/FormActions.tsx';
import { ApiError, api, errorMessage, fieldErrors } from '../api-client.ts';
import { useCustomFields } from '../settings/use-custom-fields.ts';
import { ConditionRow } from './ConditionRow.tsx';
import { conditionFields, defaultValue, type FieldInfo } from './condition-fields.ts';
import { segmentsKey } from './use-segments.ts';

interface SegmentEditorModalProps {
  /** Undefined creates a new segment. */
  segment?: Segment;
  onClose: () => void;
}

/** Where the API names a condition (`filter.anyOf.0.2`) and how the form names it ("Group 1, condition 3"). */
interface ConditionPlace {
  path: string;
  name: (index: number) => string;
}

const mainPlace: ConditionPlace = { path: 'filter.conditions', name: (i) => `Condition ${i + 1}` };
const groupPlace = (g: number): ConditionPlace => ({ path: `filter.anyOf.${g}`, name: (i) => `Group ${g + 1}, condition ${i + 1}` });

/** The API's error paths in the form's own words: `filter.conditions.1.value` → "Condition 2, value". */
export function placeOfError(path: string): string {
  const condition = /^filter\.conditions\.(\d+)(?:\.(\w+))?/.exec(path);
  if (condition) return [mainPlace.name(Number(condition[1])), condition[2]].filter(Boolean).join(', ');
  const grouped = /^filter\.anyOf\.(\d+)\.(\d+)(?:\.(\w+))?/.exec(path);
  if (grouped) return [groupPlace(Number(grouped[1])).name(Number(grouped[2])), grouped[3]].filter(Boolean).join(', ');
  if (/^filter\.anyOf\.(\d+)$/.test(path)) return `Group ${Number(path.split('.')[2]) + 1}`;
  if (path === 'filter.q') return 'Search text';
  return path.replace(/^filter\.?/, '') || 'Filter';
}

/** A new condition: region is the most common one to add; any field can be picked after. */
function newCondition(fields: FieldInfo[]): Condition {
  const region = fields.find((f) => f.field === 'region');
  return { field: 'region', op: 'in', value: defaultValue(region, 'in') };
}

function ConditionList({
  place,
  conditions,
  fields,
  errors,
  onChange,
}: {
  place: ConditionPlace;
  conditions: Condition[];
  fields: FieldInfo[];
  errors: Record<string, string>;
  onChange: (conditions: Condition[]) => void;
}) {
  const errorAt = (prefix: string) => Object.entries(errors).find(([key]) => key === prefix || key.startsWith(`${prefix}.`))?.[1];
  return conditions.map((condition, index) => (
    <ConditionRow
      // Conditions have no identity but their place in the list.
      // biome-ignore lint/suspicious/noArrayIndexKey: the index is the condition's path in the API's errors too
      key={index}
      name={place.name(index)}
      condition={condition}
      fields={fields}
      errors={{
        field: errorAt(`${place.path}.${index}.field`),
        op: errorAt(`${place.path}.${index}.op`),
        value: errorAt(`${place.path}.${index}.value`),
      }}
      onChange={(next) => onChange(conditions.map((c, i) => (i === index ? next : c)))}
      onRemove={() => onChange(conditions.filter((_, i) => i !== index))}
    />
  ));
}

/** The filter as the API takes it: no empty groups, no `anyOf` without groups. */
function filterOf(q: string, conditions: Condition[], groups: Condition[][]): AccountFilter {
  const anyOf = groups.filter((g) => g.length > 0);
  return { ...(q.trim() && { q: q.trim() }), conditions, ...(anyOf.length > 0 && { anyOf }) };
}

/** How many accounts the filter being built matches, asked again a moment after each change. */
function useLiveCount(filter: AccountFilter) {
  const [debounced] = useDebouncedValue(filter, 400);
  return useQuery({
    queryKey: ['segments', 'preview', debounced],
    queryFn: () => api.post<SegmentPreviewResult>('/segments/preview', { filter: debounced }),
    placeholderData: keepPreviousData,
    retry: false,
  });
}

/** Creates or edits a segment: a name and a filter (search text AND every condition AND, if any, one of the groups). */
export function SegmentEditorModal({ segment, onClose }: SegmentEditorModalProps) {
  const queryClient = useQueryClient();
  const customFields = useCustomFields('account');
  const fields = conditionFields(customFields.data ?? []);
  const [name, setName] = useState(segment?.name ?? '');
  const [description, setDescription] = useState(segment?.description ?? '');
  const [q, setQ] = useState(segment?.filter.q ?? '');
  // A new segment starts with no condition: an empty one could only be refused.
  const [conditions, setStoredConditions] = useState<Condition[]>(segment?.filter.conditions ?? []);
  const [groups, setStoredGroups] = useState<Condition[][]>(segment?.filter.anyOf ?? []);
  const filter = filterOf(q, conditions, groups);
  const live = useLiveCount(filter);

  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), description: description.trim(), filter };
      return segment ? api.patch<Segment>(`/segments/${segment.id}`, body) : api.post<Segment>('/segments', body);
    },
    // The form shows every error at its field and lists them in its own words below.
    meta: { showsItsErrors: true },
    onSuccess: (saved) => {
      queryClient.invalidateQueries({ queryKey: segmentsKey });
      queryClient.invalidateQueries({ queryKey: ['accounts', 'list'] });
      notifications.show({ color: 'teal', message: `Saved ${saved.name}: ${saved.count} accounts match` });
      onClose();
    },
  });
  // A refused save's errors are about the filter as it was: the first edit clears them (the live count checks again).
  const edited = () => {
    if (save.error) save.reset();
  };
  const setConditions = (next: Condition[] | ((cs: Condition[]) => Condition[])) => {
    edited();
    setStoredConditions(next);
  };
  const setGroups = (next: Condition[][] | ((gs: Condition[][]) => Condition[][])) => {
    edited();
    setStoredGroups(next);
  };
  const errors = fieldErrors(save.error);
  const problems = save.error instanceof ApiError ? save.error.details.map((d) => `${placeOfError(d.path.replace(/^body\./, ''))}: ${d.message}`) : [];
  const failed = save.error && problems.length === 0 ? errorMessage(save.error) : undefined;
  const liveProblems = live.error instanceof ApiError ? live.error.details.length : 0;

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
            <Group justify="space-between" align="baseline">
              <Title order={3} size="h5">
                Accounts that match
              </Title>
              <Text size="sm" aria-live="polite" data-testid="live-count" c={liveProblems > 0 ? 'orange' : undefined}>
                {liveProblems > 0
                  ? 'Complete the conditions to see a count'
                  : live.data
                    ? `${live.data.count.toLocaleString()} account${live.data.count === 1 ? '' : 's'} match now`
                    : 'Counting…'}
              </Text>
            </Group>
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
                No conditions yet{groups.length === 0 ? ': every account matches' : ''}.
              </Text>
            )}
            <ConditionList place={mainPlace} conditions={conditions} fields={fields} errors={errors} onChange={setConditions} />
            <Group>
              <Button variant="light" leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setConditions((cs) => [...cs, newCondition(fields)])}>
                Add condition
              </Button>
            </Group>
            {groups.length > 0 && (
              <Text size="sm" c="dimmed">
                …and at least one of these groups (every condition of the group):
              </Text>
            )}
            {groups.map((group, g) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a group's index is its path in the API's errors
              <Paper key={g} withBorder p="sm" data-testid="condition-group">
                <Stack gap="xs">
                  <Group justify="space-between">
                    <Text fw={600} size="sm">
                      {g > 0 ? 'or ' : ''}Group {g + 1}
                    </Text>
                    <Button variant="subtle" color="red" size="xs" onClick={() => setGroups((gs) => gs.filter((_, i) => i !== g))}>
                      Remove group {g + 1}
                    </Button>
                  </Group>
                  <ConditionList
                    place={groupPlace(g)}
                    conditions={group}
                    fields={fields}
                    errors={errors}
                    onChange={(next) => setGroups((gs) => gs.map((x, i) => (i === g ? next : x)))}
                  />
                  {errors[`filter.anyOf.${g}`] && (
                    <Text size="sm" c="red">
                      {errors[`filter.anyOf.${g}`]}
                    </Text>
                  )}
                  <Group>
                    <Button
                      variant="light"
                      size="xs"
                      leftSection={<IconPlus size={14} aria-hidden />}
                      onClick={() => setGroups((gs) => gs.map((x, i) => (i === g ? [...x, newCondition(fields)] : x)))}
                    >
                      Add condition to group {g + 1}
                    </Button>
                  </Group>
                </Stack>
              </Paper>
            ))}
            <Group>
              <Button variant="default" leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setGroups((gs) => [...gs, [newCondition(fields)]])}>
                {groups.length === 0 ? 'Add an OR group' : 'Add another OR group'}
              </Button>
            </Group>
            {(problems.length > 0 || failed) && (
              <Alert color="red" variant="light" role="alert" title="Check the highlighted fields">
                {failed ?? (
                  <List size="sm">
                    {problems.map((p) => (
                      <List.Item key={p}>{p}</List.Item>
                    ))}
                  </List>
                )}
              </Alert>
            )}
          </Stack>
          <FormActions submitLabel={segment ? 'Save segment' : 'Create segment'} saving={save.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}
