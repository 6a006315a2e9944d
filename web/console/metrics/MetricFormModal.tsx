import {
  Alert,
  Anchor,
  Autocomplete,
  Button,
  Center,
  Group,
  Loader,
  Modal,
  Paper,
  Radio,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { momentumEvents } from '../../../src/modules/events/events.catalog.ts';
import {
  type Metric,
  type MetricKind,
  type MetricPreview,
  type MetricPreviewInput,
  type MetricSaved,
  type MetricWarning,
  metricKinds,
  previewWindows,
} from '../../../src/modules/metrics/metrics.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { FormActions } from '../../ui/FormActions.tsx';
import { formatDateTime, keyFrom } from '../../ui/format.ts';
import { usePhone } from '../../ui/use-phone.ts';
import { ApiError, api, fieldErrors } from '../api-client.ts';
import { MetricChart } from './MetricChart.tsx';
import { kindWords, numberFormat, unitOf } from './metric-words.ts';
import { metricsKey, useSeenEvents } from './use-metrics.ts';

type Days = (typeof previewWindows)[number];

const keyOf = (label: string) => keyFrom(label, 60);

/** The preview's headline in words: what the metric adds up to over the window, workspace-wide. */
function headline(preview: MetricPreview, kind: MetricKind, unit: string): string {
  const n = numberFormat.format(preview.total);
  const days = `in the last ${preview.days} days`;
  if (kind === 'last_seen') return `Seen on ${n} account${preview.total === 1 ? '' : 's'} ${days}`;
  if (kind === 'distinct_users') return `${n} different ${preview.total === 1 ? 'person' : 'people'} ${days}`;
  if (kind === 'sum') return `${n} ${unit} in total ${days}`;
  return `${n} event${preview.total === 1 ? '' : 's'} ${days}`;
}

/** A warning under its field: worth knowing, never a refusal. */
function FieldWarnings({ warnings, id }: { warnings: MetricWarning[]; id: string }) {
  if (warnings.length === 0) return null;
  return (
    <Stack gap={2} id={id} role="status" data-testid={id}>
      {warnings.map((w) => (
        <Group key={w.message} gap={4} wrap="nowrap" align="flex-start">
          <IconAlertTriangle size={14} color="var(--mantine-color-yellow-8)" aria-hidden style={{ flexShrink: 0, marginTop: 2 }} />
          <Text size="xs" c="yellow.9">
            {w.message}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

/** What the definition would show on the workspace's data, asked again a moment after each change. */
function usePreview(draft: MetricPreviewInput | null) {
  const [debounced] = useDebouncedValue(draft, 400);
  return useQuery({
    queryKey: [...metricsKey, 'preview', debounced],
    queryFn: () => api.post<MetricPreview>('/metrics/preview', debounced),
    enabled: debounced !== null,
    placeholderData: keepPreviousData,
    retry: false,
  });
}

function PreviewPanel({
  draft,
  kind,
  property,
  days,
  onDays,
  preview,
}: {
  draft: MetricPreviewInput | null;
  kind: MetricKind;
  property: string;
  days: Days;
  onDays: (days: Days) => void;
  preview: ReturnType<typeof usePreview>;
}) {
  const unit = unitOf(kind, property);
  const general = preview.data?.warnings.filter((w) => w.path === null) ?? [];
  return (
    <Paper withBorder p="md" bg="gray.0" data-testid="metric-preview" aria-busy={preview.isFetching}>
      <Stack gap="sm">
        <Group justify="space-between" gap="xs">
          <Title order={3} size="h5">
            Preview on your data
          </Title>
          <SegmentedControl
            size="xs"
            aria-label="Preview period"
            value={String(days)}
            onChange={(v) => onDays(Number(v) as Days)}
            data={previewWindows.map((n) => ({ value: String(n), label: `${n} days` }))}
          />
        </Group>
        {!draft && (
          <Text size="sm" c="dimmed">
            Choose an event{kind === 'sum' ? ' and the property to add up' : ''} to see what this metric would show across your accounts.
          </Text>
        )}
        {draft && preview.isPending && (
          <Center py="md">
            <Loader size="sm" aria-label="Loading the preview" />
          </Center>
        )}
        {draft && preview.isError && !(preview.error instanceof ApiError && preview.error.details.length > 0) && (
          <ErrorAlert error={preview.error} title="Could not preview the metric" />
        )}
        {draft && preview.data && (
          <>
            <Text fw={700} size="lg" aria-live="polite" data-testid="preview-headline">
              {headline(preview.data, kind, unit)}
            </Text>
            <Text size="sm" c="dimmed">
              {numberFormat.format(preview.data.accounts)} account{preview.data.accounts === 1 ? '' : 's'} with a value ·{' '}
              {preview.data.lastSeenAt ? `last on an account ${formatDateTime(preview.data.lastSeenAt)}` : 'never seen on an account'}
            </Text>
            <MetricChart history={preview.data.history} label="Preview of all accounts" unit={unit} height={150} />
            {general.map((w) => (
              <Alert key={w.message} color="yellow" variant="light" p="xs" icon={<IconAlertTriangle size={16} aria-hidden />}>
                <Text size="xs">{w.message}</Text>
              </Alert>
            ))}
            {preview.data.topAccounts.length > 0 && (
              <Table verticalSpacing={4} fz="sm" aria-label="Top accounts">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Top accounts</Table.Th>
                    <Table.Th ta="right">{kind === 'last_seen' ? 'Last seen' : 'Value'}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {preview.data.topAccounts.map((a) => (
                    <Table.Tr key={a.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/accounts/${a.id}?tab=activity`} size="sm">
                          {a.name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td ta="right">{kind === 'last_seen' ? formatDateTime(a.lastSeenAt) : numberFormat.format(a.value)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </>
        )}
      </Stack>
    </Paper>
  );
}

/**
 * Defines or edits a metric (admins), or shows one with its preview (everyone else): key, label, what it measures,
 * the event and, for a sum, the property; the preview runs on the workspace's real data as the definition changes.
 */
export function MetricFormModal({ metric, readOnly = false, onClose }: { metric?: Metric; readOnly?: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const phone = usePhone();
  const seen = useSeenEvents();
  const [label, setLabel] = useState(metric?.label ?? '');
  const [key, setKey] = useState(metric?.key ?? '');
  const [keyEdited, setKeyEdited] = useState(metric !== undefined);
  const [kind, setKind] = useState<MetricKind>(metric?.kind ?? 'count');
  const [eventName, setEventName] = useState(metric?.eventName ?? '');
  const [property, setProperty] = useState(metric?.property ?? '');
  const [days, setDays] = useState<Days>(28);

  const ready = eventName.trim() !== '' && (kind !== 'sum' || property.trim() !== '');
  const draft: MetricPreviewInput | null = ready ? { kind, eventName: eventName.trim(), ...(kind === 'sum' && { property: property.trim() }), days } : null;
  const preview = usePreview(draft);
  const warnings = preview.data?.warnings ?? [];

  const save = useMutation({
    mutationFn: () => {
      const body = { key: key.trim(), label: label.trim(), kind, eventName: eventName.trim(), property: kind === 'sum' ? property.trim() || null : null };
      return metric ? api.patch<MetricSaved>(`/metrics/${metric.id}`, body) : api.post<MetricSaved>('/metrics', body);
    },
    // The form shows every error at its field.
    meta: { showsItsErrors: true },
    onSuccess: (saved) => {
      queryClient.invalidateQueries({ queryKey: metricsKey });
      queryClient.invalidateQueries({ queryKey: ['account-metrics'] });
      notifications.show({ color: 'teal', message: `Saved ${saved.label}` });
      if (saved.warnings.length > 0)
        notifications.show({ color: 'yellow', title: `${saved.label}: worth checking`, message: saved.warnings.map((w) => w.message).join('\n') });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  // Errors of the preview (a field it refuses) show at the field too, until a save has its own.
  const previewErrors = save.error ? {} : fieldErrors(preview.error);
  const errorAt = (field: string) => errors[field] ?? previewErrors[field];
  const unplaced = save.error && Object.keys(errors).length === 0;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!readOnly) save.mutate();
  };

  const seenNames = new Set((seen.data ?? []).map((e) => e.name));
  const suggestions = [
    { group: 'Seen in this workspace', items: [...seenNames] },
    { group: 'Recorded by Momentum', items: momentumEvents.map((e) => e.name).filter((n) => !seenNames.has(n)) },
  ].filter((g) => g.items.length > 0);

  return (
    <Modal
      opened
      onClose={onClose}
      title={readOnly ? (metric?.label ?? 'Metric') : metric ? `Edit ${metric.label}` : 'New metric'}
      size="xl"
      fullScreen={phone}
    >
      <form onSubmit={submit} noValidate>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
          <Stack gap="md">
            <TextInput
              label="Label"
              description="As members see it on the account's Activity tab"
              required
              readOnly={readOnly}
              value={label}
              onChange={(e) => {
                const next = e.currentTarget.value;
                setLabel(next);
                if (!keyEdited) setKey(keyOf(next));
              }}
              error={errors.label}
              data-autofocus
            />
            <TextInput
              label="Key"
              description="lower_snake_case; models and the API name the metric by it"
              required
              readOnly={readOnly}
              value={key}
              onChange={(e) => {
                setKey(e.currentTarget.value);
                setKeyEdited(true);
              }}
              error={errors.key}
            />
            <Radio.Group label="What it measures" required value={kind} onChange={(v) => setKind(v as MetricKind)} error={errorAt('kind')}>
              <Stack gap={6} mt={6}>
                {metricKinds.map((k) => (
                  <Radio key={k} value={k} label={kindWords[k].label} description={kindWords[k].description} disabled={readOnly && k !== kind} />
                ))}
              </Stack>
            </Radio.Group>
            <Stack gap={4}>
              <Autocomplete
                label="Event"
                description="The event's name exactly as your product sends it (case matters)"
                required
                readOnly={readOnly}
                value={eventName}
                onChange={setEventName}
                data={suggestions}
                limit={50}
                maxDropdownHeight={260}
                error={errorAt('eventName')}
                aria-describedby={warnings.some((w) => w.path === 'eventName') ? 'event-warnings' : undefined}
              />
              <FieldWarnings id="event-warnings" warnings={warnings.filter((w) => w.path === 'eventName')} />
            </Stack>
            {kind === 'sum' && (
              <Stack gap={4}>
                <TextInput
                  label="Property to add up"
                  description="A numeric property of the event, e.g. seats or amount (case matters)"
                  required
                  readOnly={readOnly}
                  value={property}
                  onChange={(e) => setProperty(e.currentTarget.value)}
                  error={errorAt('property')}
                  aria-describedby={warnings.some((w) => w.path === 'property') ? 'property-warnings' : undefined}
                />
                <FieldWarnings id="property-warnings" warnings={warnings.filter((w) => w.path === 'property')} />
              </Stack>
            )}
          </Stack>
          <PreviewPanel draft={draft} kind={kind} property={property} days={days} onDays={setDays} preview={preview} />
        </SimpleGrid>
        <Stack gap="md" mt="lg">
          {unplaced && <ErrorAlert error={save.error} title="Could not save the metric" />}
          {readOnly ? (
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Close
              </Button>
            </Group>
          ) : (
            <FormActions submitLabel={metric ? 'Save metric' : 'Create metric'} saving={save.isPending} onCancel={onClose} />
          )}
        </Stack>
      </form>
    </Modal>
  );
}
