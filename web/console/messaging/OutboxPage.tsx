import { Alert, Anchor, Badge, Button, Center, Code, Group, Loader, Modal, SegmentedControl, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconPlayerPause } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Message, MessageDetail, OutboxSummary } from '../../../src/modules/messaging/messaging.schema.ts';
import { DefinitionList } from '../../ui/DefinitionList.tsx';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime, humanize } from '../../ui/format.ts';
import { api, errorMessage } from '../api-client.ts';
import { isAdmin, useMe } from '../use-me.ts';

const statusColor: Record<Message['status'], string> = { queued: 'yellow', sent: 'teal', failed: 'red', excluded: 'gray' };
const statuses = ['all', 'queued', 'sent', 'failed', 'excluded'] as const;

/** Why a message did not go, in words. */
function why(m: Message): string {
  if (m.status === 'excluded') return `${humanize(m.reason ?? 'excluded')}${m.detail ? `: ${m.detail}` : ''}`;
  if (m.status === 'failed') return m.lastError ?? humanize(m.reason ?? 'failed');
  if (m.status === 'queued' && m.lastError) return `Retrying after: ${m.lastError}`;
  const seen = [m.openedAt && (m.machineOpen ? 'opened (machine)' : 'opened'), m.clickedAt && 'clicked', m.unsubscribedAt && 'unsubscribed'];
  const bad = [m.bouncedAt && `bounced (${m.bounceKind})`, m.complainedAt && 'complained'];
  return [...seen, ...bad].filter(Boolean).join(', ');
}

function MessageDetailModal({ id, onClose }: { id: string; onClose: () => void }) {
  const detail = useQuery({ queryKey: ['message', id], queryFn: () => api.get<MessageDetail>(`/messaging/messages/${id}`) });
  const m = detail.data;
  return (
    <Modal opened onClose={onClose} title={m?.subject ?? 'Message'} size="xl">
      {detail.isPending && <Loader size="sm" aria-label="Loading the message" />}
      {detail.isError && <ErrorAlert error={detail.error} title="Could not load the message" />}
      {m && (
        <Stack gap="md">
          <DefinitionList
            items={[
              { label: 'Status', value: <Badge color={statusColor[m.status]}>{m.status}</Badge> },
              { label: 'To', value: `${m.recipientName ?? (m.recipientKind === 'member' ? 'Member' : 'Contact')}${m.toAddress ? ` <${m.toAddress}>` : ''}` },
              { label: 'Purpose', value: m.purpose },
              { label: 'Allowed by', value: m.basis ?? '—' },
              { label: 'Source', value: `${humanize(m.sourceType)}${m.sourceLabel ? `: ${m.sourceLabel}` : ''}` },
              { label: 'Queued', value: formatDateTime(m.createdAt) },
              { label: 'Sent', value: formatDateTime(m.sentAt) },
              { label: 'Outcome', value: why(m) || '—' },
              { label: m.emlFile ? 'File' : 'SMTP answer', value: m.emlFile ? `outbox/${m.emlFile}` : (m.smtpResponse ?? '—') },
            ]}
          />
          <Text size="sm" fw={500}>
            Events
          </Text>
          {m.events.length === 0 ? (
            <Text size="sm" c="dimmed">
              None recorded{m.accountId ? '' : ' (messages to members, or to contacts without an account, have no timeline)'}.
            </Text>
          ) : (
            <Table>
              <Table.Tbody>
                {m.events.map((e) => (
                  <Table.Tr key={`${e.name}-${e.at}`}>
                    <Table.Td>{e.name}</Table.Td>
                    <Table.Td>{formatDateTime(e.at)}</Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed">
                        {['url', 'machine', 'kind', 'method']
                          .filter((k) => e.properties[k] !== undefined)
                          .map((k) => `${k}: ${String(e.properties[k])}`)
                          .join(', ')}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <Text size="sm" fw={500}>
            {m.emlFile ? 'The .eml file' : 'Message source'}
          </Text>
          {m.source ? (
            <Code block style={{ maxHeight: 360, overflow: 'auto', whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid="message-source">
              {m.source}
            </Code>
          ) : (
            <Text size="sm" c="dimmed">
              No content: {m.status === 'excluded' ? 'it was excluded before sending' : 'removed by an erasure'}.
            </Text>
          )}
        </Stack>
      )}
    </Modal>
  );
}

function Banners({ summary }: { summary: OutboxSummary }) {
  const admin = isAdmin(useMe().data);
  const queryClient = useQueryClient();
  const resume = useMutation({
    mutationFn: (p: { sourceType: string; sourceId: string }) =>
      api.post(`/messaging/sources/${encodeURIComponent(p.sourceType)}/${encodeURIComponent(p.sourceId)}/resume`),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: ['outbox'] });
      notifications.show({ color: 'teal', message: 'Resumed: its queued messages go out again' });
    },
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(error) }),
  });
  const c = summary.complaints;
  return (
    <Stack gap="sm">
      {summary.delivery === 'files' && (
        <Alert color="blue" title="Messages are written as files, not sent">
          SMTP_URL is not set: each message is written as an .eml file in the data dir’s outbox folder. Open one below to see what would have gone out.
        </Alert>
      )}
      {summary.marketingPausedAt && (
        <Alert color="red" icon={<IconPlayerPause size={18} />} title="Marketing sends are paused">
          {summary.marketingPausedReason} Transactional mail still goes.{' '}
          {admin && (
            <Anchor component={Link} to="/settings/sender">
              Resume in Settings › Sender
            </Anchor>
          )}
        </Alert>
      )}
      {!summary.marketingPausedAt && c.level !== 'ok' && (
        <Alert color="orange" icon={<IconAlertTriangle size={18} />} title="Complaint rate above 0.1%">
          {c.complaints} complaint{c.complaints === 1 ? '' : 's'} for {c.sent} marketing messages in the last {c.windowDays} days ({(c.rate * 100).toFixed(2)}
          %). Mailbox providers start filtering at 0.3%; marketing pauses at 0.25%. Send only to engaged, confirmed contacts.
        </Alert>
      )}
      {summary.pausedSources.map((p) => (
        <Alert key={`${p.sourceType}:${p.sourceId}`} color="red" title={`${humanize(p.sourceType)} paused after ${p.failures} SMTP errors in a row`}>
          <Group justify="space-between" gap="sm">
            <Text size="sm">
              {p.sourceId}: {p.lastError}. Its queued messages wait; nothing is lost.
            </Text>
            {admin && (
              <Button size="xs" variant="light" loading={resume.isPending} onClick={() => resume.mutate(p)}>
                Resume
              </Button>
            )}
          </Group>
        </Alert>
      ))}
    </Stack>
  );
}

/** Every message Momentum queued, sent, failed or excluded (and why), with its source and what happened to it. */
export function OutboxPage() {
  const [status, setStatus] = useState<(typeof statuses)[number]>('all');
  const [q, setQ] = useState('');
  const [search] = useDebouncedValue(q, 300);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [open, setOpen] = useState<string | null>(null);
  const cursor = cursors[cursors.length - 1] ?? null;
  const summary = useQuery({ queryKey: ['outbox', 'summary'], queryFn: () => api.get<OutboxSummary>('/messaging/summary'), refetchInterval: 15_000 });
  const messages = useQuery({
    queryKey: ['outbox', 'messages', status, search, cursor],
    queryFn: () =>
      api.get<{ items: Message[]; nextCursor: string | null }>('/messaging/messages', {
        status: status === 'all' ? undefined : status,
        q: search,
        cursor,
        limit: 50,
      }),
    refetchInterval: 10_000,
  });
  const counts = summary.data?.counts ?? {};
  return (
    <Stack gap="md">
      {summary.data && <Banners summary={summary.data} />}
      <Group justify="space-between" gap="sm" align="flex-end">
        <SegmentedControl
          value={status}
          onChange={(v) => {
            setStatus(v as (typeof statuses)[number]);
            setCursors([null]);
          }}
          data={statuses.map((s) => ({
            value: s,
            label: s === 'all' ? 'All' : `${humanize(s)} ${counts[s] ?? 0}`,
          }))}
          aria-label="Status"
        />
        <TextInput
          label="Search"
          placeholder="Address or subject"
          value={q}
          onChange={(e) => {
            setQ(e.currentTarget.value);
            setCursors([null]);
          }}
          w={260}
        />
      </Group>
      {messages.isPending && (
        <Center py="md">
          <Loader size="sm" aria-label="Loading messages" />
        </Center>
      )}
      {messages.isError && <ErrorAlert error={messages.error} title="Could not load the outbox" />}
      {messages.data && messages.data.items.length === 0 && (
        <EmptyState title="No messages">
          Campaigns, nurture streams, automated moments and confirmations put their messages here: queued, sent, or excluded with the reason.
        </EmptyState>
      )}
      {messages.data && messages.data.items.length > 0 && (
        <Table.ScrollContainer minWidth={800}>
          <Table highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Status</Table.Th>
                <Table.Th>Recipient</Table.Th>
                <Table.Th>Subject</Table.Th>
                <Table.Th>Source</Table.Th>
                <Table.Th>When</Table.Th>
                <Table.Th>Reason or outcome</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {messages.data.items.map((m) => (
                <Table.Tr key={m.id} style={{ cursor: 'pointer' }} onClick={() => setOpen(m.id)}>
                  <Table.Td>
                    <Badge color={statusColor[m.status]} variant="light">
                      {m.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {m.accountId ? (
                      <Anchor component={Link} to={`/accounts/${m.accountId}`} onClick={(e) => e.stopPropagation()} size="sm">
                        {m.recipientName ?? 'Erased contact'}
                      </Anchor>
                    ) : (
                      <Text size="sm">{m.recipientName ?? (m.recipientKind === 'member' ? 'Member' : 'Contact')}</Text>
                    )}
                    <Text size="xs" c="dimmed">
                      {m.toAddress ?? (m.recipientKind === 'member' ? 'member' : 'no address used')}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Anchor component="button" size="sm" onClick={() => setOpen(m.id)}>
                      {m.subject ?? '(no content)'}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{m.sourceLabel ?? humanize(m.sourceType)}</Text>
                    <Text size="xs" c="dimmed">
                      {humanize(m.sourceType)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(m.sentAt ?? m.createdAt)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c={m.status === 'failed' ? 'red' : undefined} lineClamp={2}>
                      {why(m) || '—'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group justify="flex-end" gap="sm">
        <Button variant="default" size="xs" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Newer
        </Button>
        <Button
          variant="default"
          size="xs"
          disabled={!messages.data?.nextCursor}
          onClick={() => messages.data?.nextCursor && setCursors((c) => [...c, messages.data.nextCursor])}
        >
          Older
        </Button>
      </Group>
      {open && <MessageDetailModal id={open} onClose={() => setOpen(null)} />}
    </Stack>
  );
}
