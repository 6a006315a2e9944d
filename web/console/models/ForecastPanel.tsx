import { Button, Group, NumberInput, Paper, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { ModelDefinition } from '../../../src/modules/models/models.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { humanize } from '../../ui/format.ts';
import { api } from '../api-client.ts';

interface Simulation {
  days: number;
  accounts: number;
  total: number;
  byRule: Record<string, number>;
  perWeek: { week: string; role: string; moments: number }[];
  effortPerMonth: { month: string; role: string; hours: number }[];
  digitalShare: number;
  phaseChanges: number;
  growth: {
    accountsPerMonth: number | null;
    monthlyRate: number | null;
    base: number;
    templates: number;
    added: number;
    perMonth: { month: string; accounts: number }[];
    engaged: number;
    moments: number;
  } | null;
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Runs the model forward over the current accounts, optionally with new synthetic accounts each month (nothing is
 * written): moments per week and effort per month by role.
 */
export function ForecastPanel({ definition }: { definition: ModelDefinition }) {
  const today = new Date();
  const [from, setFrom] = useState(isoDay(today));
  const [to, setTo] = useState(isoDay(new Date(today.getTime() + 90 * 24 * 3600 * 1000)));
  const [perMonth, setPerMonth] = useState<number | ''>('');
  const run = useMutation({
    mutationFn: () =>
      api.post<Simulation>('/models/simulate', { definition, from, to, ...(perMonth === '' ? {} : { growth: { accountsPerMonth: perMonth } }) }),
  });
  const roles = [...new Set((run.data?.perWeek ?? []).map((r) => r.role))].sort();
  const pivot = <T extends { role: string }>(rows: T[], key: (r: T) => string, value: (r: T) => number) => {
    const out = new Map<string, Record<string, number>>();
    for (const r of rows) {
      const row = out.get(key(r)) ?? {};
      row[r.role] = (row[r.role] ?? 0) + value(r);
      out.set(key(r), row);
    }
    return [...out].sort(([a], [b]) => a.localeCompare(b));
  };
  return (
    <Stack gap="md">
      <Group align="flex-end" gap="sm">
        <TextInput type="date" label="From" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput type="date" label="To (at most 92 days)" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <NumberInput
          label="New accounts per month (optional)"
          placeholder="none"
          min={1}
          max={100000}
          allowDecimal={false}
          value={perMonth}
          onChange={(v) => setPerMonth(typeof v === 'number' && v > 0 ? v : '')}
          w={220}
        />
        <Button loading={run.isPending} onClick={() => run.mutate()}>
          Run forecast
        </Button>
      </Group>
      <Text size="xs" c="dimmed">
        The engine runs day by day over the current accounts with the clock advanced; nothing is saved or sent. Event-based moments need future events and are
        not forecast. New accounts are synthetic copies of the segment's members (profile and team), engaged from their first phase.
      </Text>
      {run.isError && <ErrorAlert error={run.error} title="The forecast failed" />}
      {run.data && (
        <>
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            {[
              ['Accounts', run.data.accounts],
              ['Moments', run.data.total],
              ['Digital share', `${Math.round(run.data.digitalShare * 100)}%`],
              ['Phase changes', run.data.phaseChanges],
            ].map(([label, value]) => (
              <Paper key={label as string} withBorder p="sm">
                <Text size="xs" c="dimmed">
                  {label}
                </Text>
                <Text fw={700} size="lg">
                  {value}
                </Text>
              </Paper>
            ))}
          </SimpleGrid>
          {run.data.growth && (
            <Text size="sm">
              Growth: {run.data.growth.added} synthetic account(s) added ({run.data.growth.perMonth.map((m) => `${m.month}: ${m.accounts}`).join(', ')}),
              modelled on {run.data.growth.templates} real account(s); {run.data.growth.engaged} engaged, {run.data.growth.moments} moment(s) for them.
            </Text>
          )}
          {[
            {
              title: 'Moments per week',
              rows: pivot(
                run.data.perWeek,
                (r) => r.week,
                (r) => r.moments,
              ),
            },
            {
              title: 'Effort hours per month',
              rows: pivot(
                run.data.effortPerMonth,
                (r) => r.month,
                (r) => r.hours,
              ),
            },
          ].map(({ title, rows }) => (
            <Paper key={title} withBorder>
              <Table.ScrollContainer minWidth={480}>
                <Table verticalSpacing={4} aria-label={title}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{title}</Table.Th>
                      {roles.map((role) => (
                        <Table.Th key={role}>{humanize(role)}</Table.Th>
                      ))}
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map(([period, byRole]) => (
                      <Table.Tr key={period}>
                        <Table.Td>{period}</Table.Td>
                        {roles.map((role) => (
                          <Table.Td key={role}>{byRole[role] ?? 0}</Table.Td>
                        ))}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Paper>
          ))}
        </>
      )}
    </Stack>
  );
}
