import { Anchor, Button, Center, Group, Loader, Select, Stack, Tabs, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { api, errorMessage } from '../api-client.ts';
import { isAdmin, useMe } from '../use-me.ts';
import { ForecastPanel } from './ForecastPanel.tsx';
import { JourneyMap } from './JourneyMap.tsx';
import type { ModelVersion } from './model-types.ts';
import { ResponsibilitiesTable } from './ResponsibilitiesTable.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { modelsKey, useModel, useModelVersion } from './use-models.ts';

/** One model: a version's journey map and responsibilities, and its governance actions. */
export function ModelPage() {
  const { id } = useParams();
  const model = useModel(id);
  const [picked, setPicked] = useState<number | undefined>();
  const versionNumber = picked ?? model.data?.activeVersion ?? model.data?.versions[0]?.version;
  const version = useModelVersion(id, versionNumber);
  const me = useMe();
  const queryClient = useQueryClient();

  const transition = useMutation({
    mutationFn: (verb: 'approve' | 'activate' | 'retire') => api.post<ModelVersion>(`/models/${id}/versions/${versionNumber}/${verb}`),
    onSuccess: (v) => {
      queryClient.invalidateQueries({ queryKey: modelsKey });
      notifications.show({ color: 'teal', message: `Version ${v.version} is ${v.status}` });
    },
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(error) }),
  });

  if (model.isPending) {
    return (
      <Center py="xl">
        <Loader aria-label="Loading the model" />
      </Center>
    );
  }
  if (model.isError) return <ErrorAlert error={model.error} title="Could not load the model" />;
  const v = version.data;
  const admin = isAdmin(me.data);
  return (
    <Stack gap="md">
      <PageHeader
        title={model.data.name}
        description={
          <Anchor component={Link} to="/models" size="sm">
            All models
          </Anchor>
        }
        actions={
          <Group gap="sm">
            <Select
              aria-label="Version"
              w={200}
              value={versionNumber ? String(versionNumber) : null}
              onChange={(value) => setPicked(value ? Number(value) : undefined)}
              data={model.data.versions.map((x) => ({ value: String(x.version), label: `v${x.version} · ${x.status}` }))}
            />
            {admin && v?.status === 'draft' && (
              <Button loading={transition.isPending} onClick={() => transition.mutate('approve')}>
                Approve
              </Button>
            )}
            {admin && v?.status === 'approved' && (
              <Button loading={transition.isPending} onClick={() => transition.mutate('activate')}>
                Activate
              </Button>
            )}
            {admin && (v?.status === 'active' || v?.status === 'approved') && (
              <Button variant="default" color="red" loading={transition.isPending} onClick={() => transition.mutate('retire')}>
                Retire
              </Button>
            )}
          </Group>
        }
      />
      {version.isError && <ErrorAlert error={version.error} title="Could not load this version" />}
      {v && (
        <>
          <Group gap="sm">
            <StatusBadge status={v.status} />
            <Text size="sm" c="dimmed">
              v{v.version} by {v.author.name}
              {v.approver && `, approved by ${v.approver.name} ${formatDateTime(v.approvedAt)}`}
              {v.activatedAt && `, active since ${formatDateTime(v.activatedAt)}`}
            </Text>
          </Group>
          {v.definition.description && <Text size="sm">{v.definition.description}</Text>}
          <Tabs defaultValue="journey">
            <Tabs.List>
              <Tabs.Tab value="journey">Journey map</Tabs.Tab>
              <Tabs.Tab value="responsibilities">Responsibilities</Tabs.Tab>
              <Tabs.Tab value="forecast">Forecast</Tabs.Tab>
              <Tabs.Tab value="source">Source</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="journey" pt="md">
              <JourneyMap definition={v.definition} />
            </Tabs.Panel>
            <Tabs.Panel value="responsibilities" pt="md">
              <ResponsibilitiesTable definition={v.definition} />
            </Tabs.Panel>
            <Tabs.Panel value="forecast" pt="md">
              <ForecastPanel definition={v.definition} />
            </Tabs.Panel>
            <Tabs.Panel value="source" pt="md">
              <pre style={{ whiteSpace: 'pre-wrap', fontSize: 12 }}>{v.source}</pre>
            </Tabs.Panel>
          </Tabs>
        </>
      )}
    </Stack>
  );
}
