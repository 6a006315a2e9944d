import { Alert, Badge, Code, Group, List, Paper, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconCircleX } from '@tabler/icons-react';
import type { ImportReport, ImportWarning, RowError } from '../../../src/modules/imports/imports.schema.ts';

/** Enough rows to fix a file by; a file with thousands of bad rows usually has one mistake repeated. */
const SHOWN = 200;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** Row, column, message: the row as numbered in a spreadsheet (the header is row 1). */
function RowTable({ title, rows, messageLabel }: { title: string; rows: RowError[]; messageLabel: string }) {
  const shown = rows.slice(0, SHOWN);
  return (
    <Stack gap={6}>
      <Title order={3} size="h5">
        {title} ({rows.length.toLocaleString('en-US')})
      </Title>
      <Table.ScrollContainer minWidth={300}>
        <Table striped withTableBorder verticalSpacing={6} aria-label={title} fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={56}>Row</Table.Th>
              <Table.Th w="30%">Column</Table.Th>
              <Table.Th>{messageLabel}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a row can have several errors on one column; the list never reorders
              <Table.Tr key={i}>
                <Table.Td>{e.row}</Table.Td>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>
                  <Code>{e.column}</Code>
                </Table.Td>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>{e.message}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {rows.length > SHOWN && (
        <Text size="sm" c="dimmed">
          … and {plural(rows.length - SHOWN, 'more')}. Fix these and check the file again.
        </Text>
      )}
    </Stack>
  );
}

export function RowErrorTable({ errors }: { errors: RowError[] }) {
  return <RowTable title="Row errors" rows={errors} messageLabel="Problem" />;
}

function Warnings({ warnings }: { warnings: ImportWarning[] }) {
  return (
    <Stack gap={6}>
      <Title order={3} size="h5">
        Warnings ({warnings.length})
      </Title>
      <List size="sm" spacing={4}>
        {warnings.map((w) => (
          <List.Item key={`${w.column}:${w.message}`} style={{ overflowWrap: 'anywhere' }}>
            {w.column !== null && <Code>{w.column}</Code>} {w.message}
          </List.Item>
        ))}
      </List>
    </Stack>
  );
}

/** Created, updated and failed as badges and one bar. */
function Counts({ report }: { report: ImportReport }) {
  const total = report.created + report.updated + report.failed;
  const parts = [
    { key: 'created', label: 'Created', value: report.created, color: 'teal' },
    { key: 'updated', label: 'Updated', value: report.updated, color: 'blue' },
    { key: 'failed', label: 'Failed', value: report.failed, color: 'red' },
  ];
  return (
    <Stack gap="xs">
      <Group gap="xs" data-testid="import-counts">
        {parts.map((p) => (
          <Badge key={p.key} color={p.color} variant={p.value > 0 ? 'filled' : 'light'} size="lg">
            {p.label}: {p.value.toLocaleString('en-US')}
          </Badge>
        ))}
      </Group>
      {total > 0 && (
        <Progress.Root size="lg" aria-hidden>
          {parts.map((p) => p.value > 0 && <Progress.Section key={p.key} value={(p.value / total) * 100} color={p.color} />)}
        </Progress.Root>
      )}
    </Stack>
  );
}

/** What an import did, or (dry run) would do. */
export function ImportReportView({ report }: { report: ImportReport }) {
  const count = (n: number) => plural(n, report.type.slice(0, -1), report.type);
  const written = report.created + report.updated;
  const failed = report.failed > 0 ? `${count(report.failed)} ${report.failed === 1 ? 'has' : 'have'} errors and ` : '';
  const heading = report.dryRun ? 'Checked: nothing was written' : `Imported ${count(written)}`;
  const summary = report.dryRun
    ? `Importing this file would create ${count(report.created)} and update ${report.updated.toLocaleString('en-US')}.${failed ? ` ${failed}would not be written.` : ''}`
    : failed
      ? `${failed}${report.failed === 1 ? 'was' : 'were'} not written: fix the rows below and import the file again.`
      : 'Every row was written.';
  const failedOnly = report.failed > 0 && written === 0;
  return (
    <Paper withBorder p="md" component="section" aria-label="Import report">
      <Stack gap="md">
        <Group gap="xs" wrap="nowrap" align="flex-start">
          {failedOnly ? (
            <IconCircleX color="var(--mantine-color-red-6)" aria-hidden style={{ flex: 'none' }} />
          ) : (
            <IconCircleCheck color="var(--mantine-color-teal-6)" aria-hidden style={{ flex: 'none' }} />
          )}
          <Stack gap={2}>
            <Title order={2} size="h4">
              {heading}
            </Title>
            <Text size="sm" c="dimmed">
              {summary}
            </Text>
          </Stack>
        </Group>
        <Counts report={report} />
        {report.errors.length > 0 && <RowErrorTable errors={report.errors} />}
        {report.skipped.length > 0 && (
          <Stack gap={6}>
            <Alert color="yellow" variant="light" icon={<IconAlertTriangle aria-hidden />} p="xs">
              These contacts were written, but their consent was not recorded: the address withdrew from the list earlier, and an import cannot subscribe it
              again. Only the contact can, from a subscribe page or the preference centre.
            </Alert>
            <RowTable title="Consent not recorded" rows={report.skipped} messageLabel="Why" />
          </Stack>
        )}
        {report.warnings.length > 0 && <Warnings warnings={report.warnings} />}
      </Stack>
    </Paper>
  );
}
