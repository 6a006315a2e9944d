import { Badge, Button, Center, Group, Loader, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Line, LineChart, ResponsiveContainer, Tooltip } from 'recharts';
import type { StoredEvent } from '../../../src/modules/events/events.stored.schema.ts';
import type { MetricValue } from '../../../src/modules/metrics/metrics.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDate, formatDateTime, humanize } from '../../ui/format.ts';
import { api } from '../api-client.ts';

// The account's activity (recent events) and derived data (metrics with sparklines): two of the three data classes
// of the account page, the third being the profile.

type ActivityEvent = StoredEvent;

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

function eventLabel(event: ActivityEvent): string {
  if (event.name) return event.name;
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

function Sparkline({ history, label }: { history: MetricValue['history']; label: string }) {
  return (
    <div style={{ width: '100%', height: 48 }} role="img" aria-label={`${label}: daily values over the last ${history.length} days`}>
      <ResponsiveContainer>
        <LineChart data={history} margin={{ top: 4, right: 2, bottom: 4, left: 2 }}>
          <Tooltip formatter={(v) => number.format(Number(v))} labelFormatter={(_label, payload) => formatDate(payload?.[0]?.payload?.day)} />
          <Line type="monotone" dataKey="value" stroke="var(--mantine-color-blue-6)" strokeWidth={1.5} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

function MetricCard({ metric }: { metric: MetricValue }) {
  const headline = metric.kind === 'last_seen' ? (metric.lastSeenAt ? formatDateTime(metric.lastSeenAt) : 'Never') : number.format(metric.windows['28d']);
  return (
    <Paper withBorder p="md">
      <Stack gap={4}>
        <Group justify="space-between" wrap="nowrap">
          <Text size="sm" fw={600} truncate>
            {metric.label}
          </Text>
          {metric.kind !== 'last_seen' && <Change value={metric.weekOverWeek} />}
        </Group>
        <Text size="xl" fw={700}>
          {headline}
        </Text>
        <Text size="xs" c="dimmed">
          {metric.kind === 'last_seen'
            ? `last ${metric.eventName}`
            : `28 days · 7d ${number.format(metric.windows['7d'])} · 90d ${number.format(metric.windows['90d'])}`}
        </Text>
        <Sparkline history={metric.history} label={metric.label} />
      </Stack>
    </Paper>
  );
}

/** Derived data: every workspace metric for this account. */
function AccountMetrics({ accountId }: { accountId: string }) {
  const metrics = useQuery({
    queryKey: ['account-metrics', accountId],
    queryFn: () => api.get<{ metrics: MetricValue[] }>(`/accounts/${accountId}/metrics`),
  });
  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Title order={2} size="h3">
          Derived data
        </Title>
        {metrics.isPending && (
          <Center py="md">
            <Loader size="sm" aria-label="Loading metrics" />
          </Center>
        )}
        {metrics.isError && <ErrorAlert error={metrics.error} title="Could not load metrics" />}
        {metrics.data && metrics.data.metrics.length === 0 && (
          <Text size="sm" c="dimmed">
            No metrics are defined yet. An admin can define them (count of an event, distinct users, sum of a property, last seen) under /api/v1/metrics.
          </Text>
        )}
        {metrics.data && metrics.data.metrics.length > 0 && (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {metrics.data.metrics.map((m) => (
              <MetricCard key={m.id} metric={m} />
            ))}
          </SimpleGrid>
        )}
      </Stack>
    </Paper>
  );
}

/** Activity: the account's most recent events, newest first. */
function RecentEvents({ accountId }: { accountId: string }) {
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
        {items.length > 0 && (
          <Table.ScrollContainer minWidth={560}>
            <Table striped verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Event</Table.Th>
                  <Table.Th>User</Table.Th>
                  <Table.Th>Channel</Table.Th>
                  <Table.Th>When</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {eventLabel(e)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c={e.userId ? undefined : 'dimmed'}>
                        {e.userId ?? e.anonymousId ?? '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        <Badge size="xs" variant="light">
                          {humanize(e.channel)}
                        </Badge>
                        {!e.digital && (
                          <Badge size="xs" variant="outline" color="gray">
                            Personal
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        <time dateTime={e.timestamp}>{formatDateTime(e.timestamp)}</time>
                        {e.future && (
                          <Badge ml={6} size="xs" color="orange" variant="light" title="Dated more than a day after it was received">
                            future
                          </Badge>
                        )}
                      </Text>
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
