import { Anchor, Badge, Button, Center, Loader, Paper, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDate } from '../../ui/format.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { canWrite, useMe } from '../use-me.ts';
import { StatusBadge } from './StatusBadge.tsx';
import { useModels } from './use-models.ts';

/** Every engagement model with its versions and which one is active. */
export function ModelsPage() {
  const models = useModels();
  const me = useMe();
  return (
    <Stack gap={0}>
      <PageHeader
        title="Engagement models"
        description="Versioned models: phases, moments, owners and triggers. Write them here in YAML, or apply files with `momentum model apply FILE`."
        actions={
          canWrite(me.data) && (
            <Button component={Link} to="/models/new">
              New model
            </Button>
          )
        }
      />
      {models.isPending && (
        <Center py="xl">
          <Loader aria-label="Loading models" />
        </Center>
      )}
      {models.isError && <ErrorAlert error={models.error} title="Could not load models" />}
      {models.data && models.data.length === 0 && (
        <EmptyState title="No engagement models yet">
          Write one with <b>New model</b>, or start from an example: <code>npx momentum model apply examples/models/customer-success.yaml</code>
        </EmptyState>
      )}
      {models.data && models.data.length > 0 && (
        <Paper withBorder>
          <Table.ScrollContainer minWidth={640} className="phone-fit">
            <Table verticalSpacing="sm" highlightOnHover aria-label="Engagement models">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Model</Table.Th>
                  <Table.Th>Active version</Table.Th>
                  <Table.Th visibleFrom="sm">Latest version</Table.Th>
                  <Table.Th visibleFrom="sm">Updated</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {models.data.map((m) => {
                  const latest = m.versions[0];
                  return (
                    <Table.Tr key={m.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/models/${m.id}`} fw={600}>
                          {m.name}
                        </Anchor>
                        <Text size="xs" c="dimmed">
                          {m.key}
                        </Text>
                      </Table.Td>
                      <Table.Td>{m.activeVersion ? <Badge variant="light">v{m.activeVersion}</Badge> : <Text c="dimmed">none</Text>}</Table.Td>
                      <Table.Td visibleFrom="sm">
                        {latest && (
                          <span>
                            v{latest.version} <StatusBadge status={latest.status} />
                          </span>
                        )}
                      </Table.Td>
                      <Table.Td visibleFrom="sm">{formatDate(m.updatedAt)}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
    </Stack>
  );
}
