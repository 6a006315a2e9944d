import { Anchor, Button, Center, Group, Loader, Select, Stack, Tabs, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { ModelVersion } from '../../../src/modules/models/models.schema.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { api, errorMessage } from '../api-client.ts';
import { canWrite, isAdmin, useMe } from '../use-me.ts';
import { ForecastPanel } from './ForecastPanel.tsx';
import { JourneyMap } from './JourneyMap.tsx';
import { ModelDiff } from './ModelDiff.tsx';
import { ResponsibilitiesTable } from './ResponsibilitiesTable.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { modelsKey, useModel, useModelVersion, useRetireImpact } from './use-models.ts';

const tabs = ['journey', 'responsibilities', 'forecast', 'source', 'compare'] as const;
type Tab = (typeof tabs)[number];

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One model: a version's journey map and responsibilities, a comparison of two versions, and its governance actions. The tab and version are in the URL. */
export function ModelPage() {
  const { id } = useParams();
  const [search, setSearch] = useSearchParams();
  const model = useModel(id);
  const picked = search.get('version') ? Number(search.get('version')) : undefined;
  const versionNumber = picked ?? model.data?.activeVersion ?? model.data?.versions[0]?.version;
  const tab: Tab = tabs.find((t) => t === search.get('tab')) ?? 'journey';
  const version = useModelVersion(id, versionNumber);
  const me = useMe();
  const queryClient = useQueryClient();
  const [confirmRetire, setConfirmRetire] = useState(false);
  const impact = useRetireImpact(id, versionNumber, confirmRetire);

  const setParams = (changes: Record<string, string | undefined>) =>
    setSearch(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [k, v] of Object.entries(changes)) {
          if (v === undefined) next.delete(k);
          else next.set(k, v);
        }
        return next;
      },
      { replace: true },
    );

  const transition = useMutation({
    mutationFn: (verb: 'approve' | 'activate' | 'retire') => api.post<ModelVersion>(`/models/${id}/versions/${versionNumber}/${verb}`),
    onSuccess: (v) => {
      setConfirmRetire(false);
      queryClient.invalidateQueries({ queryKey: modelsKey });
      notifications.show({ color: 'teal', message: `Version ${v.version} is ${v.status}` });
    },
    onError: (error, verb) => {
      setConfirmRetire(false);
      // Another tab or admin may have changed it meanwhile: show the version as it is now.
      queryClient.invalidateQueries({ queryKey: modelsKey });
      notifications.show({ color: 'red', title: `Could not ${verb}`, message: errorMessage(error), autoClose: 10_000 });
    },
    meta: { showsItsErrors: true },
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
  const writer = canWrite(me.data);
  const versions = model.data.versions;
  // Compare the chosen version with the one before it, unless the URL names both.
  const diffTo = search.get('to') ? Number(search.get('to')) : versionNumber;
  const diffFrom = search.get('from')
    ? Number(search.get('from'))
    : (versions.find((x) => diffTo !== undefined && x.version < diffTo)?.version ?? versions.at(-1)?.version);
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
              onChange={(value) => setParams({ version: value ?? undefined })}
              data={versions.map((x) => ({ value: String(x.version), label: `v${x.version} · ${x.status}` }))}
            />
            {writer && v?.status === 'draft' && (
              <Button component={Link} to={`/models/${id}/edit?version=${v.version}`} variant="default">
                Edit draft
              </Button>
            )}
            {writer && v && v.status !== 'draft' && (
              <Button component={Link} to={`/models/${id}/edit?from=${v.version}`} variant="default">
                New draft from this version
              </Button>
            )}
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
              <Button variant="default" color="red" onClick={() => setConfirmRetire(true)}>
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
              {v.retiredAt && `, retired ${formatDateTime(v.retiredAt)}`}
            </Text>
          </Group>
          {admin && v.status === 'draft' && v.author.id === me.data?.actor.id && (
            <Text size="sm" c="dimmed">
              You wrote this draft: another admin approves it.
            </Text>
          )}
          {v.definition.description && <Text size="sm">{v.definition.description}</Text>}
          <Tabs value={tab} onChange={(value) => setParams({ tab: value ?? undefined })}>
            <Tabs.List>
              <Tabs.Tab value="journey">Journey map</Tabs.Tab>
              <Tabs.Tab value="responsibilities">Responsibilities</Tabs.Tab>
              <Tabs.Tab value="forecast">Forecast</Tabs.Tab>
              <Tabs.Tab value="source">Source</Tabs.Tab>
              <Tabs.Tab value="compare">Compare versions</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="journey" pt="md">
              <JourneyMap definition={v.definition} />
            </Tabs.Panel>
            <Tabs.Panel value="responsibilities" pt="md">
              <ResponsibilitiesTable definition={v.definition} />
            </Tabs.Panel>
            <Tabs.Panel value="forecast" pt="md">
              {tab === 'forecast' && <ForecastPanel definition={v.definition} />}
            </Tabs.Panel>
            <Tabs.Panel value="source" pt="md">
              <pre style={{ whiteSpace: 'pre-wrap', fontSize: 12 }}>{v.source}</pre>
            </Tabs.Panel>
            <Tabs.Panel value="compare" pt="md">
              {tab === 'compare' && (
                <ModelDiff
                  model={model.data}
                  from={diffFrom}
                  to={diffTo}
                  onPick={(from, to) => setParams({ from: from ? String(from) : undefined, to: to ? String(to) : undefined })}
                />
              )}
            </Tabs.Panel>
          </Tabs>
        </>
      )}
      {confirmRetire && v && (
        <ConfirmModal
          title={`Retire v${v.version} of ${model.data.name}?`}
          confirmLabel="Retire"
          loading={transition.isPending || impact.isPending}
          onConfirm={() => transition.mutate('retire')}
          onClose={() => setConfirmRetire(false)}
        >
          {impact.isPending && 'Counting the accounts it runs…'}
          {impact.isError && `Could not count what it affects (${errorMessage(impact.error)}). Retiring still stops it.`}
          {impact.data &&
            `It runs ${plural(impact.data.accounts, 'account', 'accounts')} and has ${plural(impact.data.openInstances, 'open moment', 'open moments')}. Once retired it engages no new accounts and no longer runs these accounts; its open moments are not closed and stay with their assignees.`}
        </ConfirmModal>
      )}
    </Stack>
  );
}
