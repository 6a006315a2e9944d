import { Badge, Button, Card, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Campaign } from '../../../src/modules/campaigns/campaigns.schema.ts';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { formatDateTime, humanize } from '../../ui/format.ts';
import { QueryStatus } from '../../ui/QueryStatus.tsx';
import { usePhone } from '../../ui/use-phone.ts';
import { canWrite, useMe } from '../use-me.ts';
import { CampaignWizard } from './CampaignWizard.tsx';
import { campaignStatusColor, useCampaigns } from './use-campaigns.ts';

export function audienceLabel(c: Pick<Campaign, 'personas' | 'segment'>): string {
  const who = c.personas.length > 0 ? c.personas.map(humanize).join(', ') : 'All contacts';
  return `${who} of ${c.segment ? c.segment.name : 'every account'}`;
}

export function whenLabel(c: Campaign): string {
  if (c.status === 'scheduled') return `Scheduled ${formatDateTime(c.scheduledAt)}`;
  if (c.finishedAt) return `${c.status === 'cancelled' ? 'Cancelled' : 'Sent'} ${formatDateTime(c.finishedAt)}`;
  if (c.startedAt) return `Started ${formatDateTime(c.startedAt)}`;
  return `Created ${formatDateTime(c.createdAt)}`;
}

/** One-off campaigns: a template to a list's consenting contacts of a segment and personas. */
export function CampaignsPage() {
  const me = useMe();
  const campaigns = useCampaigns();
  const phone = usePhone();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const add = canWrite(me.data) && (
    <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
      New campaign
    </Button>
  );
  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Campaigns
          </Title>
          {add}
        </Group>
        <Text size="sm" c="dimmed">
          A one-off email to contacts of a segment with chosen personas (for example the admins of accounts in onboarding), sent now or at a set time, only to
          those who consented to the list.
        </Text>
        <QueryStatus query={campaigns} errorTitle="Could not load campaigns" />
        {campaigns.data?.length === 0 && (
          <EmptyState title="No campaigns yet" action={add}>
            Pick a template, a list and an audience; the preview says who will receive it and who is excluded and why.
          </EmptyState>
        )}
        {campaigns.data && campaigns.data.length > 0 && phone && (
          <Stack gap="sm">
            {campaigns.data.map((c) => (
              <Card key={c.id} withBorder component={Link} to={`/messaging/campaigns/${c.id}`}>
                <Group justify="space-between" wrap="nowrap">
                  <Text fw={600}>{c.name}</Text>
                  <Badge color={campaignStatusColor[c.status]}>{c.status}</Badge>
                </Group>
                <Text size="sm" c="dimmed">
                  {audienceLabel(c)} · {c.list.name}
                </Text>
                <Text size="sm">{whenLabel(c)}</Text>
              </Card>
            ))}
          </Stack>
        )}
        {campaigns.data && campaigns.data.length > 0 && !phone && (
          <Table highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Campaign</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Audience</Table.Th>
                <Table.Th>List</Table.Th>
                <Table.Th ta="right">Queued</Table.Th>
                <Table.Th>When</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {campaigns.data.map((c) => (
                <Table.Tr key={c.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/messaging/campaigns/${c.id}`)}>
                  <Table.Td>
                    <Text component={Link} to={`/messaging/campaigns/${c.id}`} fw={600} size="sm">
                      {c.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {c.template.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={campaignStatusColor[c.status]}>{c.status}</Badge>
                  </Table.Td>
                  <Table.Td>{audienceLabel(c)}</Table.Td>
                  <Table.Td>{c.list.name}</Table.Td>
                  <Table.Td ta="right">{c.progress.queued}</Table.Td>
                  <Table.Td>{whenLabel(c)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
      {creating && <CampaignWizard onClose={() => setCreating(false)} />}
    </Paper>
  );
}
