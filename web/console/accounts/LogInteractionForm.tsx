import { Autocomplete, Button, Group, Paper, Select, SimpleGrid, Stack, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  type Channel as TimelineChannel,
  type TimelineEntryView as TimelineItem,
  channels as timelineChannels,
} from '../../../src/modules/timeline/timeline.schema.ts';
import { options } from '../../ui/format.ts';
import { api, fieldErrors } from '../api-client.ts';

const suggestedKinds = ['meeting_held', 'call_held', 'email_sent', 'note', 'qbr_held', 'training_delivered', 'case_opened'];

/** Logs an interaction on the account's timeline (POST /api/v1/accounts/:id/timeline). */
export function LogInteractionForm({ accountId }: { accountId: string }) {
  const queryClient = useQueryClient();
  const [kind, setKind] = useState('meeting_held');
  const [channel, setChannel] = useState<TimelineChannel>('meeting');
  const [summary, setSummary] = useState('');
  const [occurredAt, setOccurredAt] = useState('');

  const log = useMutation({
    mutationFn: () =>
      api.post<TimelineItem>(`/accounts/${accountId}/timeline`, {
        kind: kind.trim(),
        channel,
        summary: summary.trim(),
        // The input is local time; the API takes an instant.
        ...(occurredAt && { occurredAt: new Date(occurredAt).toISOString() }),
      }),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: ['timeline', accountId] });
      notifications.show({ color: 'teal', message: 'Interaction logged' });
      setSummary('');
      setOccurredAt('');
    },
  });
  const errors = fieldErrors(log.error);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    log.mutate();
  };

  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="log-interaction-title">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Title order={2} size="h3" id="log-interaction-title">
            Log an interaction
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="md">
            <Autocomplete label="Kind" required data={suggestedKinds} value={kind} onChange={setKind} error={errors.kind} />
            <Select
              label="Channel"
              required
              data={options(timelineChannels)}
              value={channel}
              onChange={(v) => v && setChannel(v as TimelineChannel)}
              allowDeselect={false}
              error={errors.channel}
            />
            <TextInput
              label="When"
              description="Leave empty for now"
              type="datetime-local"
              value={occurredAt}
              onChange={(e) => setOccurredAt(e.currentTarget.value)}
              error={errors.occurredAt}
            />
          </SimpleGrid>
          <Textarea
            label="Summary"
            required
            autosize
            minRows={2}
            maxRows={8}
            value={summary}
            onChange={(e) => setSummary(e.currentTarget.value)}
            error={errors.summary}
          />
          <Group justify="flex-end">
            <Button type="submit" loading={log.isPending}>
              Log interaction
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
