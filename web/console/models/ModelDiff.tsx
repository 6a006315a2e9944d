import { Badge, Code, Group, List, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { diffLines } from 'diff';
import { compareModels } from '../../../src/modules/models/models.compare.ts';
import type { ModelSummary } from '../../../src/modules/models/models.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { useModelVersion } from './use-models.ts';

const versionOptions = (model: ModelSummary) => model.versions.map((v) => ({ value: String(v.version), label: `v${v.version} · ${v.status}` }));

/** Two versions of a model side by side: what changed (moments added, removed, changed) and the text diff of their sources. */
export function ModelDiff({
  model,
  from,
  to,
  onPick,
}: {
  model: ModelSummary;
  from: number | undefined;
  to: number | undefined;
  onPick: (from: number | undefined, to: number | undefined) => void;
}) {
  const before = useModelVersion(model.id, from);
  const after = useModelVersion(model.id, to);
  const changes = before.data && after.data ? compareModels(before.data.definition, after.data.definition) : undefined;
  const lines = before.data && after.data ? diffLines(before.data.source, after.data.source) : [];
  return (
    <Stack gap="md">
      <Group gap="sm" align="flex-end">
        <Select label="From" w={200} data={versionOptions(model)} value={from ? String(from) : null} onChange={(v) => onPick(v ? Number(v) : undefined, to)} />
        <Select label="To" w={200} data={versionOptions(model)} value={to ? String(to) : null} onChange={(v) => onPick(from, v ? Number(v) : undefined)} />
      </Group>
      {model.versions.length < 2 && <Text c="dimmed">This model has one version: there is nothing to compare yet.</Text>}
      {before.isError && <ErrorAlert error={before.error} title="Could not load the first version" />}
      {after.isError && <ErrorAlert error={after.error} title="Could not load the second version" />}
      {changes && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="xs">
            What changed from v{from} to v{to}
          </Title>
          <List size="sm" spacing={4} aria-label="Changes">
            <List.Item>
              Moments added:{' '}
              {changes.moments.added.length ? (
                changes.moments.added.map((m) => `${m.name} (${m.id})`).join(', ')
              ) : (
                <Text span c="dimmed">
                  none
                </Text>
              )}
            </List.Item>
            <List.Item>
              Moments removed:{' '}
              {changes.moments.removed.length ? (
                changes.moments.removed.map((m) => `${m.name} (${m.id})`).join(', ')
              ) : (
                <Text span c="dimmed">
                  none
                </Text>
              )}
            </List.Item>
            <List.Item>
              Moments changed:{' '}
              {changes.moments.changed.length ? (
                changes.moments.changed.map((m) => `${m.name} (${m.fields.join(', ')})`).join('; ')
              ) : (
                <Text span c="dimmed">
                  none
                </Text>
              )}
            </List.Item>
            {(changes.phases.added.length > 0 || changes.phases.removed.length > 0) && (
              <List.Item>
                Phases {changes.phases.added.length ? `added: ${changes.phases.added.join(', ')}` : ''}
                {changes.phases.added.length && changes.phases.removed.length ? '; ' : ''}
                {changes.phases.removed.length ? `removed: ${changes.phases.removed.join(', ')}` : ''}
              </List.Item>
            )}
            {changes.fields.length > 0 && <List.Item>Model fields changed: {changes.fields.join(', ')}</List.Item>}
          </List>
        </Paper>
      )}
      {changes && (
        <Paper withBorder>
          <Code block aria-label={`Text diff from v${from} to v${to}`} style={{ whiteSpace: 'pre-wrap', fontSize: 12 }}>
            {lines.every((part) => !part.added && !part.removed) && <Badge variant="light">The sources are the same</Badge>}
            {lines.flatMap((part, i) =>
              part.value
                .replace(/\n$/, '')
                .split('\n')
                .map((line, j) => (
                  <div
                    // biome-ignore lint/suspicious/noArrayIndexKey: lines of a diff have no identity but their place
                    key={`${i}-${j}`}
                    data-change={part.added ? 'added' : part.removed ? 'removed' : undefined}
                    style={{
                      background: part.added ? 'var(--mantine-color-teal-light)' : part.removed ? 'var(--mantine-color-red-light)' : undefined,
                    }}
                  >
                    {part.added ? '+ ' : part.removed ? '- ' : '  '}
                    {line}
                  </div>
                )),
            )}
          </Code>
        </Paper>
      )}
    </Stack>
  );
}
