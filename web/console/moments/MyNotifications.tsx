import { Button, Group, Modal, Stack, Switch, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCalendarPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { NotificationSettings } from '../../../src/modules/notifications/notifications.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { SecretValue } from '../../ui/SecretValue.tsx';
import { api, errorMessage } from '../api-client.ts';

type Settings = NotificationSettings;

const settingsKey = ['me', 'notifications'] as const;

/** The secret calendar address: created (shown once), replaced, or revoked. */
function CalendarModal({ settings, onClose }: { settings: Settings; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [url, setUrl] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => api.post<{ url: string }>('/me/calendar-feed'),
    onSuccess: (r) => {
      setUrl(r.url);
      queryClient.invalidateQueries({ queryKey: settingsKey });
    },
  });
  const revoke = useMutation({
    mutationFn: () => api.delete('/me/calendar-feed'),
    onSuccess: () => {
      setUrl(null);
      queryClient.invalidateQueries({ queryKey: settingsKey });
      notifications.show({ color: 'teal', message: 'Calendar address revoked: calendars using it no longer update' });
    },
  });
  return (
    <Modal opened onClose={onClose} title="Subscribe in your calendar" size="lg">
      <Stack gap="md">
        <Text size="sm">
          Your open moments appear on the day they are due in Google Calendar, Outlook or Apple Calendar ("subscribe from URL" / "add calendar from internet").
          The address is a secret: anyone who has it sees your moments. Revoke it if it leaks.
        </Text>
        {url && (
          <Stack gap={4}>
            <Text size="sm" fw={600}>
              Your calendar address (shown this once)
            </Text>
            <SecretValue value={url} testId="calendar-url" />
          </Stack>
        )}
        {!url && settings.calendar.active && (
          <Text size="sm" c="dimmed">
            You created an address on {formatDateTime(settings.calendar.createdAt)}. It is not shown again: get a new one (the old one stops working) or revoke
            it.
          </Text>
        )}
        {(create.isError || revoke.isError) && <ErrorAlert error={create.error ?? revoke.error} title="Could not change the calendar address" />}
        <Group justify="flex-end">
          {(settings.calendar.active || url) && (
            <Button variant="subtle" color="red" onClick={() => revoke.mutate()} loading={revoke.isPending}>
              Revoke
            </Button>
          )}
          <Button onClick={() => create.mutate()} loading={create.isPending}>
            {settings.calendar.active || url ? 'Get a new address' : 'Create my calendar address'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** A member's own notices on My moments: the daily digest email and the calendar feed. */
export function MyNotifications() {
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: settingsKey, queryFn: () => api.get<Settings>('/me/notifications') });
  const [calendar, setCalendar] = useState(false);
  const digest = useMutation({
    mutationFn: (digestEmail: boolean) => api.patch<Settings>('/me/notifications', { digestEmail }),
    onSuccess: (s) => {
      queryClient.setQueryData(settingsKey, s);
      notifications.show({ color: 'teal', message: s.digestEmail ? 'You will get the daily digest' : 'Daily digest turned off' });
    },
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(error) }),
  });
  if (!settings.data) return null;
  return (
    <Group gap="md" mb="md" wrap="wrap">
      <Switch
        label="Daily digest email of my due and overdue moments"
        checked={settings.data.digestEmail}
        disabled={digest.isPending}
        onChange={(e) => digest.mutate(e.currentTarget.checked)}
      />
      <Button variant="light" size="xs" leftSection={<IconCalendarPlus size={16} aria-hidden />} onClick={() => setCalendar(true)}>
        Subscribe in your calendar
      </Button>
      {calendar && <CalendarModal settings={settings.data} onClose={() => setCalendar(false)} />}
    </Group>
  );
}
