import { Anchor, Badge, Button, Center, Group, Loader, Paper, Popover, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import type { ListedEvent } from '../../../src/modules/events/events.stored.schema.ts';
import { type MetricValue, previewWindows } from '../../../src/modules/metrics/metrics.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime, humanize } from '../../ui/format.ts';
import { usePhone } from '../../ui/use-phone.ts';
import { api } from '../api-client.ts';
import { MetricChart } from '../metrics/MetricChart.tsx';
import { numberFormat, readableEventName, unitOf } from '../metrics/metric-words.ts';
import { isAdmin, useMe } from '../use-me.ts';

// The account's activity (recent events) and derived data (metrics with sparklines): two of the three data classes
// of the account page, the third being the profile.

type ActivityEvent = ListedEvent;
type Days = (typeof previewWindows)[number];

const number = numberFormat;

/** The event's name in words ('meeting_held' -> 'Meeting held'); identify and group calls say what they did. */
function eventLabel(event: ActivityEvent): string {
  if (event.name) return readableEventName(event.name);
  return event.type === 'identify' ? 'Identified' : event.type === 'group' ? 'Joined the account' : humanize(event.type);
}

function Change({ value }: { value: number | null }) {
  if (value === null)
    return (
      <Badge variant="light" color="gray">
        new
      </Badge>
    );
  const pct = Math.round(value * 100);
  const color = pct > 0 ? 'teal' : pct < 0 ? 'red' : 'gray';
  return (
    <Badge variant="light" color={color} title="Last 7 days against the 7 days before">
      {pct > 0 ? '+' : ''}
      {pct}% wow
    </Badge>
  );
}

function MetricCard({ metric, days }: { metric: MetricValue; days: Days }) {
  const window = `${days}d` as const;
  const history = metric.history.slice(-days);
  const headline = metric.kind === 'last_seen' ? (metric.lastSeenAt ? formatDateTime(metric.lastSeenAt) : 'Never') : number.format(metric.windows[window]);
  return (
    <Paper withBorder p="md" style={{ minWidth: 0 }} data-testid={`metric-${metric.key}`}>
      <Stack gap={4}>
        <Group justify="space-between" wrap="nowrap">
          <Text size="sm" fw={600} truncate>
            {metric.label}
          </Text>
          {metric.kind !== 'last_seen' && <Change value={metric.weekOverWeek} />}
        </Group>
        <Text size="xl" fw={700} data-testid="metric-value">
          {headline}
        </Text>
        <Text size="xs" c="dimmed">
          {metric.kind === 'last_seen'
            ? `last ${readableEventName(metric.eventName)}`
            : `last ${days} days · ${(['7d', '28d', '90d'] as const)
                .filter((w) => w !== window)
                .map((w) => `${w} ${number.format(metric.windows[w])}`)
                .join(' · ')}`}
        </Text>
        <MetricChart history={history} label={metric.label} unit={unitOf(metric.kind, metric.property)} height={120} />
      </Stack>
    </Paper>
  );
}

/** Derived data: every workspace metric for this account, charted day by day over 7, 28 or 90 days. */
function AccountMetrics({ accountId }: { accountId: string }) {
  const me = useMe();
  const [days, setDays] = useState<Days>(28);
  const metrics = useQuery({
    queryKey: ['account-metrics', accountId],
    queryFn: () => api.get<{ metrics: MetricValue[] }>(`/accounts/${accountId}/metrics`),
  });
  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between" gap="xs">
          <Title order={2} size="h3">
            Derived data
          </Title>
          {metrics.data && metrics.data.metrics.length > 0 && (
            <SegmentedControl
              size="xs"
              aria-label="Metric period"
              value={String(days)}
              onChange={(v) => setDays(Number(v) as Days)}
              data={previewWindows.map((n) => ({ value: String(n), label: `${n} days` }))}
            />
          )}
        </Group>
        {metrics.isPending && (
          <Center py="md">
            <Loader size="sm" aria-label="Loading metrics" />
          </Center>
        )}
        {metrics.isError && <ErrorAlert error={metrics.error} title="Could not load metrics" />}
        {metrics.data && metrics.data.metrics.length === 0 && (
          <Text size="sm" c="dimmed">
            No metrics are defined yet: {isAdmin(me.data) ? 'define them' : 'an admin defines them'} (how often an event happens, how many people do it, a
            total, when it last happened) on the{' '}
            <Anchor component={Link} to="/settings/metrics" size="sm">
              Metrics page
            </Anchor>
            .
          </Text>
        )}
        {metrics.data && metrics.data.metrics.length > 0 && (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {metrics.data.metrics.map((m) => (
              <MetricCard key={m.id} metric={m} days={days} />
            ))}
          </SimpleGrid>
        )}
      </Stack>
    </Paper>
  );
}

/** Who did the event: the contact (opening their details), else the user id, else nobody known. */
function EventPerson({ event, accountId }: { event: ActivityEvent; accountId: string }) {
  if (event.contact) {
    const contact = event.contact;
    return (
      <Popover width={260} position="bottom-start" withArrow shadow="md">
        <Popover.Target>
          <Anchor component="button" type="button" size="sm" fw={500} aria-label={`${contact.name}: contact details`}>
            {contact.name}
          </Anchor>
        </Popover.Target>
        <Popover.Dropdown>
          <Stack gap={4}>
            <Text size="sm" fw={600}>
              {contact.name}
            </Text>
            <Anchor href={`mailto:${contact.email}`} size="sm">
              {contact.email}
            </Anchor>
            {event.userId && (
              <Text size="xs" c="dimmed">
                User id {event.userId}
              </Text>
            )}
            <Anchor component={Link} to={`/accounts/${accountId}?tab=contacts`} size="sm">
              All contacts of the account
            </Anchor>
          </Stack>
        </Popover.Dropdown>
      </Popover>
    );
  }
  if (event.userId) return <Text size="sm">{event.userId}</Text>;
  if (event.anonymousId)
    return (
      <Text size="sm" c="dimmed" title={event.anonymousId}>
        Anonymous visitor
      </Text>
    );
  return (
    <Text size="sm" c="dimmed">
      —
    </Text>
  );
}

function EventBadges({ event }: { event: ActivityEvent }) {
  return (
    <Group gap={4}>
      <Badge size="xs" variant="light">
        {humanize(event.channel)}
      </Badge>
      {!event.digital && (
        <Badge size="xs" variant="outline" color="gray">
          Personal
        </Badge>
      )}
    </Group>
  );
}

function EventWhen({ event }: { event: ActivityEvent }) {
  return (
    <Text size="sm">
      <time dateTime={event.timestamp}>{formatDateTime(event.timestamp)}</time>
      {event.future && (
        <Badge ml={6} size="xs" color="orange" variant="light" title="Dated more than a day after it was received">
          future
        </Badge>
      )}
    </Text>
  );
}

/** Activity: the account's most recent events, newest first. */
function RecentEvents({ accountId }: { accountId: string }) {
  const phone = usePhone();
  const events = useInfiniteQuery({
    queryKey: ['account-events', accountId],
    queryFn: ({ pageParam }) => api.get<{ items: ActivityEvent[]; nextCursor: string | null }>('/events', { accountId, limit: 25, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = events.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Title order={2} size="h3">
          Activity data
        </Title>
        {events.isPending && (
          <Center py="md">
            <Loader size="sm" aria-label="Loading events" />
          </Center>
        )}
        {events.isError && <ErrorAlert error={events.error} title="Could not load events" />}
        {events.data && items.length === 0 && (
          <Text size="sm" c="dimmed">
            No events yet. Point a Segment or RudderStack source at this server (POST /v1/batch with an ingest key) and group users into this account.
          </Text>
        )}
        {items.length > 0 && phone && (
          <Stack gap={0} aria-label="Events">
            {items.map((e) => (
              <Stack key={e.id} gap={2} py="xs" style={{ borderBottom: '1px solid var(--mantine-color-gray-2)' }}>
                <Group justify="space-between" wrap="nowrap" gap="xs">
                  <Text size="sm" fw={500} title={e.name ?? undefined} style={{ minWidth: 0 }} truncate>
                    {eventLabel(e)}
                  </Text>
                  <EventBadges event={e} />
                </Group>
                <Group gap="xs" wrap="wrap">
                  <EventPerson event={e} accountId={accountId} />
                  <EventWhen event={e} />
                </Group>
              </Stack>
            ))}
          </Stack>
        )}
        {items.length > 0 && !phone && (
          <Table.ScrollContainer minWidth={560}>
            <Table striped verticalSpacing="xs" aria-label="Events">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Event</Table.Th>
                  <Table.Th>Contact</Table.Th>
                  <Table.Th>Channel</Table.Th>
                  <Table.Th>When</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>
                      <Text size="sm" fw={500} title={e.name ?? undefined}>
                        {eventLabel(e)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <EventPerson event={e} accountId={accountId} />
                    </Table.Td>
                    <Table.Td>
                      <EventBadges event={e} />
                    </Table.Td>
                    <Table.Td>
                      <EventWhen event={e} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {events.hasNextPage && (
          <Group justify="center">
            <Button variant="default" onClick={() => events.fetchNextPage()} loading={events.isFetchingNextPage}>
              Load more
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

/** The account page's activity and derived-data groups, for a tab next to Profile. */
export function AccountActivity({ accountId }: { accountId: string }) {
  return (
    <Stack gap="md">
      <AccountMetrics accountId={accountId} />
      <RecentEvents accountId={accountId} />
    </Stack>
  );
}
