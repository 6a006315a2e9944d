import { Alert, Anchor, Badge, Button, Center, Group, List, Loader, Paper, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import type { ModelIssue, ModelVersion } from '../../../src/modules/models/models.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { api } from '../api-client.ts';
import { canWrite, useMe } from '../use-me.ts';
import { modelsKey, useModel, useModelVersion } from './use-models.ts';
import { type EditorCheck, YamlModelEditor } from './YamlModelEditor.tsx';

/** What a new model starts from: the smallest valid model, to change. */
const STARTER = `key: my-model
name: My model
description: What this model is for and who it engages.
segment:
  conditions:
    - { field: tags, op: has, value: my-model }
phases:
  - key: onboarding
    name: Onboarding
moments:
  - id: kickoff
    name: Kickoff call
    phase: onboarding
    owner: csm
    channel: meeting
    digital: false
    objective: Agree goals and a first value date with the customer.
    start: { type: scheduled, rrule: FREQ=DAILY;COUNT=1, anchor: phase_start }
    responsibilities: { accountable: account_manager, measure: days to kickoff }
`;

const where = (issue: ModelIssue) => (issue.line ? `Line ${issue.line}` : 'Model');

/**
 * Writes a model in YAML: a new model (/models/new), a draft's edit (/models/:id/edit?version=N), or a new draft
 * starting from any version (/models/:id/edit?from=N). Checked as you type; "Save draft" stores it (the server checks again).
 */
export function ModelEditorPage() {
  const { id } = useParams();
  const [search] = useSearchParams();
  const editing = search.get('version') ? Number(search.get('version')) : undefined;
  const model = useModel(id);
  // Without a version to edit, a new draft starts from the one named, or the latest.
  const from = editing ? undefined : search.get('from') ? Number(search.get('from')) : model.data?.versions[0]?.version;
  const base = useModelVersion(id, editing ?? from);
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [source, setSource] = useState<string | undefined>(id ? undefined : STARTER);
  const [check, setCheck] = useState<EditorCheck>({ state: 'checking' });
  const onCheck = useCallback((c: EditorCheck) => setCheck(c), []);

  useEffect(() => {
    if (source === undefined && base.data) setSource(base.data.source);
  }, [base.data, source]);

  const save = useMutation({
    mutationFn: (text: string) =>
      editing
        ? api.put<ModelVersion>(`/models/${id}/versions/${editing}`, { source: text, format: 'yaml', file: 'model.yaml' })
        : api.post<ModelVersion>('/models', { source: text, format: 'yaml', file: 'model.yaml' }),
    onSuccess: (v) => {
      queryClient.invalidateQueries({ queryKey: modelsKey });
      notifications.show({ color: 'teal', message: `Draft v${v.version} of ${v.key} saved` });
      navigate(`/models/${v.modelId}?version=${v.version}&tab=journey`);
    },
    // The alert above the editor says why, and the check lists every issue at its line.
    meta: { showsItsErrors: true },
  });

  if (id && (model.isPending || base.isPending)) {
    return (
      <Center py="xl">
        <Loader aria-label="Loading the model" />
      </Center>
    );
  }
  if (model.isError) return <ErrorAlert error={model.error} title="Could not load the model" />;
  if (base.isError) return <ErrorAlert error={base.error} title="Could not load this version" />;
  if (editing && base.data && base.data.status !== 'draft') {
    return (
      <ErrorAlert
        error={new Error(`Version ${editing} is ${base.data.status}: only a draft can be edited. Start a new draft from it instead.`)}
        title="Not a draft"
      />
    );
  }
  const title = !id ? 'New model' : editing ? `Edit draft v${editing} of ${model.data?.name}` : `New draft of ${model.data?.name} from v${from}`;
  const issues = check.state === 'checked' && check.source === source ? check.result.issues : [];
  const errors = issues.filter((i) => i.severity === 'error').length;
  const writer = canWrite(me.data);
  return (
    <Stack gap="md">
      <PageHeader
        title={title}
        description={
          <Anchor component={Link} to={id ? `/models/${id}` : '/models'} size="sm">
            {id ? `Back to ${model.data?.name}` : 'All models'}
          </Anchor>
        }
        actions={
          <Button onClick={() => source !== undefined && save.mutate(source)} loading={save.isPending} disabled={!writer || source === undefined}>
            Save draft
          </Button>
        }
      />
      {!writer && <Alert color="yellow">Executives read models; a writer or an admin saves drafts.</Alert>}
      {save.isError && <ErrorAlert error={save.error} title="The draft was not saved" />}
      <Paper withBorder>{source !== undefined && <YamlModelEditor value={source} onChange={setSource} onCheck={onCheck} />}</Paper>
      <Stack gap={4} aria-live="polite">
        <Group gap="xs">
          <Text fw={600} size="sm">
            Check
          </Text>
          {check.state === 'checking' || (check.state === 'checked' && check.source !== source) ? (
            <Text size="sm" c="dimmed">
              checking…
            </Text>
          ) : check.state === 'failed' ? (
            <Text size="sm" c="red">
              Could not check: {check.message}
            </Text>
          ) : errors > 0 ? (
            <Text size="sm" c="red">
              {errors} error{errors === 1 ? '' : 's'}: fix {errors === 1 ? 'it' : 'them'} to save
            </Text>
          ) : (
            <Text size="sm" c="teal">
              Valid{issues.length ? `, with ${issues.length} warning${issues.length === 1 ? '' : 's'}` : ''}
            </Text>
          )}
        </Group>
        {issues.length > 0 && (
          <List spacing={4} size="sm" aria-label="Issues" listStyleType="none">
            {issues.map((issue) => (
              <List.Item key={`${issue.severity}-${issue.line}-${issue.column}-${issue.path}-${issue.message}`}>
                <Group gap="xs" wrap="nowrap" align="flex-start">
                  <Badge size="sm" color={issue.severity === 'error' ? 'red' : 'yellow'} variant="light">
                    {issue.severity}
                  </Badge>
                  <Text size="sm">
                    <b>{where(issue)}</b>
                    {issue.path ? ` · ${issue.path}` : ''}: {issue.message}
                  </Text>
                </Group>
              </List.Item>
            ))}
          </List>
        )}
      </Stack>
    </Stack>
  );
}
