import { Badge, Button, Center, Group, Loader, Paper, Stack, Text, Timeline, Title } from '@mantine/core';
import { IconBolt, IconDeviceLaptop, IconUsers } from '@tabler/icons-react';
import { useInfiniteQuery } from '@tanstack/react-query';
import type { TimelineEntryView as TimelineItem } from '../../../src/modules/timeline/timeline.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime, humanize } from '../../ui/format.ts';
import { api } from '../api-client.ts';
import { canWrite, useMe } from '../use-me.ts';
import { LogInteractionForm } from './LogInteractionForm.tsx';

export const timelineKey = (accountId: string) => ['timeline', accountId] as const;

/** Everything that happened with the account, newest first, and a form to log an interaction. */
export function AccountTimeline({ accountId }: { accountId: string }) {
  const me = useMe();
  const timeline = useInfiniteQuery({
    queryKey: timelineKey(accountId),
    queryFn: ({ pageParam }) =>
      api.get<{ items: TimelineItem[]; nextCursor: string | null }>(`/accounts/${accountId}/timeline`, { cursor: pageParam, limit: 25 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = timeline.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Stack gap="md">
      {canWrite(me.data) && <LogInteractionForm accountId={accountId} />}
      <Paper withBorder p="lg">
        <Stack gap="md">
          <Title order={2} size="h3">
            Timeline
          </Title>
          {timeline.isPending && (
            <Center py="md">
              <Loader size="sm" aria-label="Loading the timeline" />
            </Center>
          )}
          {timeline.isError && <ErrorAlert error={timeline.error} title="Could not load the timeline" />}
          {timeline.data && items.length === 0 && (
            <Text size="sm" c="dimmed">
              Nothing has happened with this account yet.
            </Text>
          )}
          {items.length > 0 && (
            <Timeline bulletSize={26} lineWidth={2} active={-1}>
              {items.map((item) => (
                <Timeline.Item
                  key={item.id}
                  bullet={
                    item.source === 'momentum' ? (
                      <IconBolt size={14} aria-hidden />
                    ) : item.digital ? (
                      <IconDeviceLaptop size={14} aria-hidden />
                    ) : (
                      <IconUsers size={14} aria-hidden />
                    )
                  }
                  color={item.source === 'momentum' ? 'orange' : undefined}
                  title={
                    <Group gap="xs">
                      <Text fw={600} size="sm">
                        {item.source === 'momentum' ? item.kind : humanize(item.kind)}
                      </Text>
                      {item.source === 'momentum' ? (
                        <Badge size="xs" variant="light" color="orange" title="A change Momentum recorded by itself">
                          Recorded by Momentum
                        </Badge>
                      ) : (
                        <>
                          <Badge size="xs" variant="light">
                            {humanize(item.channel)}
                          </Badge>
                          <Badge size="xs" variant="outline" color={item.digital ? 'cyan' : 'gray'}>
                            {item.digital ? 'Digital' : 'Personal'}
                          </Badge>
                        </>
                      )}
                    </Group>
                  }
                >
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                    {item.summary}
                  </Text>
                  <Text size="xs" c="dimmed" mt={4}>
                    <time dateTime={item.occurredAt}>{formatDateTime(item.occurredAt)}</time> · {item.actor.name}
                  </Text>
                </Timeline.Item>
              ))}
            </Timeline>
          )}
          {timeline.hasNextPage && (
            <Group justify="center">
              <Button variant="default" onClick={() => timeline.fetchNextPage()} loading={timeline.isFetchingNextPage}>
                Load more
              </Button>
            </Group>
          )}
        </Stack>
      </Paper>
    </Stack>
  );
}
