import { Alert, Badge, Center, Code, Group, Loader, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconServer } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import type { SystemStatus } from '../../../src/modules/system/system.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { api } from '../api-client.ts';
import { isAdmin, useMe } from '../use-me.ts';

/** A backup older than this many days is called out (docs/operations.md suggests a daily one). */
const BACKUP_DUE_DAYS = 7;
const BACKUP_COMMAND = 'npx momentum backup /backups/momentum-$(date +%F).momentum-backup';

const workerLabel: Record<SystemStatus['worker'], { label: string; color: string }> = {
  running: { label: 'Running in this server', color: 'teal' },
  starting: { label: 'Starting', color: 'yellow' },
  stopped: { label: 'Stopped', color: 'red' },
  elsewhere: { label: 'Separate process', color: 'gray' },
};

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <div style={{ marginTop: 6 }}>{children}</div>
    </Paper>
  );
}

const megabytes = (bytes: number | null) => (bytes === null ? '—' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

function BackupAlert({ status }: { status: SystemStatus }) {
  const days = status.daysSinceBackup;
  if (days !== null && days <= BACKUP_DUE_DAYS) {
    return (
      <Alert
        color="teal"
        variant="light"
        icon={<IconCircleCheck aria-hidden />}
        title={days === 0 ? 'Backed up today' : `Last backup ${days} day${days === 1 ? '' : 's'} ago`}
      >
        Restore one into a scratch data dir now and then: <Code>momentum restore FILE</Code> checks every table.
      </Alert>
    );
  }
  return (
    <Alert
      color="yellow"
      variant="light"
      icon={<IconAlertTriangle aria-hidden />}
      title={days === null ? 'No backup recorded yet' : `Last backup ${days} days ago`}
    >
      <Text size="sm">On the server, while Momentum runs (schedule it daily, e.g. with cron):</Text>
      <Code block mt="xs">
        {BACKUP_COMMAND}
      </Code>
      <Text size="sm" mt="xs">
        Keep the secret (<Code>MOMENTUM_SECRET</Code> or the data dir's <Code>secret</Code> file) apart from the backups: the file does not hold it.
      </Text>
    </Alert>
  );
}

/** Settings > System: what an admin checks before trusting the installation, and whether it is backed up. */
export function SystemPage() {
  const me = useMe();
  const admin = isAdmin(me.data);
  const status = useQuery({ queryKey: ['system'], queryFn: () => api.get<SystemStatus>('/system'), enabled: admin, refetchInterval: 30_000 });
  const data = status.data;

  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Title order={2} size="h3">
          System
        </Title>
        {!admin && (
          <Alert color="gray" variant="light" icon={<IconServer aria-hidden />}>
            Only workspace admins can see the system status.
          </Alert>
        )}
        {admin && status.isPending && (
          <Center py="md">
            <Loader size="sm" aria-label="Loading system status" />
          </Center>
        )}
        {status.isError && <ErrorAlert error={status.error} title="Could not load the system status" />}
        {data && (
          <>
            <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
              <Fact label="Momentum">
                <Text fw={600}>{data.version}</Text>
                <Text size="xs" c="dimmed">
                  up since {formatDateTime(data.startedAt)}
                </Text>
              </Fact>
              <Fact label="Database">
                <Text fw={600}>{data.database === 'embedded' ? 'Embedded (PGlite)' : 'PostgreSQL'}</Text>
                <Text size="xs" c="dimmed">
                  {data.database === 'embedded' ? 'for evaluation and small teams' : 'several server and worker copies possible'}
                </Text>
              </Fact>
              <Fact label="Schema">
                <Text fw={600} style={{ wordBreak: 'break-all' }}>
                  {data.schema.current ?? 'empty'}
                </Text>
                {data.schema.pending.length > 0 ? (
                  <Badge color="red" variant="light">
                    {data.schema.pending.length} pending
                  </Badge>
                ) : (
                  <Text size="xs" c="dimmed">
                    {data.schema.applied} migrations, up to date
                  </Text>
                )}
              </Fact>
              <Fact label="Worker">
                <Badge color={workerLabel[data.worker].color} variant="light">
                  {workerLabel[data.worker].label}
                </Badge>
                <Group gap={6} mt={6}>
                  <Badge color={data.ready ? 'teal' : 'red'} variant="dot">
                    {data.ready ? 'Ready' : 'Not ready'}
                  </Badge>
                </Group>
              </Fact>
            </SimpleGrid>

            <Title order={3} size="h4">
              Backups
            </Title>
            <BackupAlert status={data} />
            {data.backups.length > 0 && (
              <Table.ScrollContainer className="phone-fit" minWidth={640}>
                <Table verticalSpacing="xs" aria-label="Backups">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Taken</Table.Th>
                      <Table.Th>File</Table.Th>
                      <Table.Th visibleFrom="sm" ta="right">
                        Rows
                      </Table.Th>
                      <Table.Th ta="right">Size</Table.Th>
                      <Table.Th visibleFrom="sm">Schema</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.backups.map((b) => (
                      <Table.Tr key={`${b.at}-${b.file}`}>
                        <Table.Td>{formatDateTime(b.at)}</Table.Td>
                        <Table.Td>
                          <Code>{b.file}</Code>
                        </Table.Td>
                        <Table.Td visibleFrom="sm" ta="right">
                          {b.rows.toLocaleString()}
                        </Table.Td>
                        <Table.Td ta="right">{megabytes(b.bytes)}</Table.Td>
                        <Table.Td visibleFrom="sm">{b.schema}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </>
        )}
      </Stack>
    </Paper>
  );
}
