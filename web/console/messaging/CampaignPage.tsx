import { Alert, Anchor, Badge, Button, Center, Grid, Group, Loader, Modal, Paper, Progress, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { AudiencePreview, CampaignDetail } from '../../../src/modules/campaigns/campaigns.schema.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { DefinitionList } from '../../ui/DefinitionList.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { api, errorMessage, fieldErrors } from '../api-client.ts';
import { canWrite, useMe } from '../use-me.ts';
import { audienceLabel } from './CampaignsPage.tsx';
import { AudienceSummary } from './CampaignWizard.tsx';
import { campaignStatusColor, campaignsKey, reasonLabels, useCampaign } from './use-campaigns.ts';

type Action = 'pause' | 'resume' | 'cancel' | 'send';

const confirmations: Record<Action, { title: string; text: string; label: string; color: string }> = {
  send: { title: 'Send this campaign now?', text: 'It starts within a minute, to every consenting contact of its audience.', label: 'Send now', color: 'teal' },
  pause: {
    title: 'Pause this campaign?',
    text: 'No more of its audience is handed to the outbox until you resume it; it then continues where it stopped.',
    label: 'Pause',
    color: 'yellow',
  },
  resume: {
    title: 'Resume this campaign?',
    text: 'It continues with the contacts it has not reached yet; nobody receives it twice.',
    label: 'Resume',
    color: 'teal',
  },
  cancel: {
    title: 'Cancel this campaign?',
    text: 'Contacts it has not reached yet will not receive it. This cannot be undone.',
    label: 'Cancel campaign',
    color: 'red',
  },
};

function StatsCharts({ campaign }: { campaign: CampaignDetail }) {
  const s = campaign.stats;
  const funnel = [
    { step: 'Sent', n: s.sent },
    { step: 'Delivered', n: s.delivered },
    { step: 'Opened', n: s.opened },
    { step: 'Clicked', n: s.clicked },
  ];
  const excluded = Object.entries(s.excluded).map(([reason, n]) => ({ reason: reasonLabels[reason] ?? reason, n: n ?? 0 }));
  const rate = (n: number) => (s.delivered > 0 ? `${Math.round((n / s.delivered) * 1000) / 10}%` : '—');
  return (
    <Grid gap="md">
      <Grid.Col span={{ base: 12, md: 7 }}>
        <Paper withBorder p="lg" h="100%">
          <Title order={3} size="h4" mb="xs">
            Sent → delivered → opened → clicked
          </Title>
          <SimpleGrid cols={{ base: 2, xs: 4 }} mb="sm">
            {[
              ['Sent', s.sent, ''],
              ['Delivered', s.delivered, ''],
              ['Opened', s.opened, rate(s.opened)],
              ['Clicked', s.clicked, rate(s.clicked)],
            ].map(([label, n, pct]) => (
              <div key={label as string}>
                <Text size="xs" c="dimmed">
                  {label}
                </Text>
                <Text fw={700} size="lg" data-testid={`stat-${String(label).toLowerCase()}`}>
                  {n}
                </Text>
                {pct && (
                  <Text size="xs" c="dimmed">
                    {pct} of delivered
                  </Text>
                )}
              </div>
            ))}
          </SimpleGrid>
          <div style={{ width: '100%', height: 220 }}>
            <ResponsiveContainer>
              <BarChart data={funnel} margin={{ left: -20, right: 8 }}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="step" fontSize={12} />
                <YAxis allowDecimals={false} fontSize={12} />
                <Tooltip />
                <Bar isAnimationActive={false} dataKey="n" name="Messages" fill="#1c7ed6" radius={[4, 4, 0, 0]} />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <Text size="xs" c="dimmed" mt="xs">
            {s.machineOpened} more opens came from privacy proxies (such as Apple Mail Privacy Protection) that fetch every image: they are not counted as
            opened. Unsubscribed {s.unsubscribed} · bounced {s.bounced} · complained {s.complained} · waiting in the outbox {s.queued}.
          </Text>
        </Paper>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 5 }}>
        <Paper withBorder p="lg" h="100%">
          <Title order={3} size="h4" mb="xs">
            Excluded, by reason
          </Title>
          {excluded.length === 0 ? (
            <Text size="sm" c="dimmed">
              Nobody was excluded so far.
            </Text>
          ) : (
            <div style={{ width: '100%', height: Math.max(120, excluded.length * 40) }}>
              <ResponsiveContainer>
                <BarChart data={excluded} layout="vertical" margin={{ left: 10, right: 16 }}>
                  <XAxis type="number" allowDecimals={false} fontSize={12} />
                  <YAxis type="category" dataKey="reason" width={130} fontSize={12} />
                  <Tooltip />
                  <Bar isAnimationActive={false} dataKey="n" name="Contacts" fill="#f59f00" radius={[0, 4, 4, 0]} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          )}
        </Paper>
      </Grid.Col>
    </Grid>
  );
}

/** One campaign: what, to whom, its progress and stats, and pause / resume / cancel. */
export function CampaignPage() {
  const { id = '' } = useParams();
  const campaign = useCampaign(id);
  const me = useMe();
  const queryClient = useQueryClient();
  const [confirm, setConfirm] = useState<Action | null>(null);
  const [scheduling, setScheduling] = useState(false);
  const [at, setAt] = useState('');
  const schedule = useMutation({
    mutationFn: () => api.post<CampaignDetail>(`/campaigns/${id}/schedule`, { at: at ? new Date(at).toISOString() : null }),
    onSuccess: (updated) => {
      queryClient.setQueryData([...campaignsKey, id], updated);
      queryClient.invalidateQueries({ queryKey: campaignsKey });
      notifications.show({ color: 'teal', message: `"${updated.name}" is scheduled for ${formatDateTime(updated.scheduledAt)}` });
      setScheduling(false);
    },
  });
  const c = campaign.data;
  const editable = c?.status === 'draft' || c?.status === 'scheduled';
  const audience = useQuery({
    queryKey: [...campaignsKey, id, 'audience'],
    queryFn: () => api.get<AudiencePreview>(`/campaigns/${id}/audience`),
    enabled: editable,
    retry: false,
  });
  const act = useMutation({
    mutationFn: (action: Action) =>
      action === 'send' ? api.post<CampaignDetail>(`/campaigns/${id}/schedule`, { at: null }) : api.post<CampaignDetail>(`/campaigns/${id}/${action}`),
    onSuccess: (updated) => {
      queryClient.setQueryData([...campaignsKey, id], updated);
      queryClient.invalidateQueries({ queryKey: campaignsKey });
      notifications.show({ color: 'teal', message: `"${updated.name}" is ${updated.status}` });
      setConfirm(null);
    },
    onError: (error) => {
      notifications.show({ color: 'red', message: errorMessage(error) });
      setConfirm(null);
    },
  });

  if (campaign.isPending)
    return (
      <Center p="lg">
        <Loader />
      </Center>
    );
  if (campaign.isError || !c) return <ErrorAlert error={campaign.error} title="Could not load the campaign" />;
  const writable = canWrite(me.data);
  const actions: Action[] = [];
  if (c.status === 'draft' || c.status === 'scheduled') actions.push('send');
  if (c.status === 'sending' || c.status === 'scheduled') actions.push('pause');
  if (c.status === 'paused') actions.push('resume');
  if (c.status !== 'sent' && c.status !== 'cancelled') actions.push('cancel');
  const total = c.progress.processed + (audience.data?.total ?? 0);
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/messaging/campaigns" size="sm">
        ← Campaigns
      </Anchor>
      <Paper withBorder p="lg">
        <Stack gap="sm">
          <Group justify="space-between" align="flex-start">
            <div>
              <Group gap="xs">
                <Title order={2} size="h3">
                  {c.name}
                </Title>
                <Badge color={campaignStatusColor[c.status]} data-testid="campaign-status">
                  {c.status}
                </Badge>
              </Group>
              <Text size="sm" c="dimmed">
                {audienceLabel(c)} · list {c.list.name}
              </Text>
            </div>
            {writable && (
              <Group gap="xs">
                {(c.status === 'draft' || c.status === 'scheduled') && (
                  <Button variant="light" onClick={() => setScheduling(true)}>
                    {c.status === 'draft' ? 'Schedule' : 'Reschedule'}
                  </Button>
                )}
                {actions.map((a) => (
                  <Button key={a} variant={a === 'cancel' ? 'default' : 'filled'} color={confirmations[a].color} onClick={() => setConfirm(a)}>
                    {confirmations[a].label}
                  </Button>
                ))}
              </Group>
            )}
          </Group>
          {c.pauseReason && c.status === 'paused' && <Alert color="yellow">{c.pauseReason}</Alert>}
          {c.heldBy && (
            <Alert color="red" title="Delivery holds all marketing sends">
              {c.heldBy}. Nothing more of this campaign is sent until an admin resumes marketing in{' '}
              <Anchor component={Link} to="/settings/sender">
                Settings → Sender
              </Anchor>
              .
            </Alert>
          )}
          <DefinitionList
            items={[
              {
                label: 'Template',
                value: (
                  <Anchor component={Link} to={`/messaging/templates/${c.template.key}`}>
                    {c.template.name}
                  </Anchor>
                ),
              },
              { label: 'Scheduled', value: c.scheduledAt ? formatDateTime(c.scheduledAt) : '—' },
              { label: 'Started', value: c.startedAt ? formatDateTime(c.startedAt) : '—' },
              { label: 'Finished', value: c.finishedAt ? formatDateTime(c.finishedAt) : '—' },
              { label: 'Created by', value: `${c.createdBy}, ${formatDateTime(c.createdAt)}` },
            ]}
          />
          {(c.status === 'sending' || c.status === 'paused') && (
            <Stack gap={4}>
              <Text size="sm">
                {c.progress.processed} contacts handed to the outbox ({c.progress.queued} queued, {c.progress.excluded} excluded)
              </Text>
              <Progress value={total > 0 ? (c.progress.processed / total) * 100 : 0} animated={c.status === 'sending'} />
            </Stack>
          )}
        </Stack>
      </Paper>
      {editable && (
        <Paper withBorder p="lg">
          <Title order={3} size="h4" mb="xs">
            Audience, if sent now
          </Title>
          {audience.isPending && <Loader size="sm" />}
          {audience.isError && <ErrorAlert error={audience.error} title="Cannot preview the audience" />}
          {audience.data && <AudienceSummary preview={audience.data} />}
        </Paper>
      )}
      {!editable && <StatsCharts campaign={c} />}
      {scheduling && (
        <Modal opened onClose={() => setScheduling(false)} title="Schedule the campaign" size="sm">
          <Stack gap="md">
            <TextInput
              type="datetime-local"
              label="Send at (your time)"
              required
              value={at}
              onChange={(e) => setAt(e.currentTarget.value)}
              error={fieldErrors(schedule.error).at}
              data-autofocus
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setScheduling(false)}>
                Cancel
              </Button>
              <Button onClick={() => schedule.mutate()} loading={schedule.isPending} disabled={at === ''}>
                Schedule
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
      {confirm && (
        <ConfirmModal
          title={confirmations[confirm].title}
          confirmLabel={confirmations[confirm].label}
          color={confirmations[confirm].color}
          loading={act.isPending}
          onConfirm={() => act.mutate(confirm)}
          onClose={() => setConfirm(null)}
        >
          {confirmations[confirm].text}
        </ConfirmModal>
      )}
    </Stack>
  );
}
