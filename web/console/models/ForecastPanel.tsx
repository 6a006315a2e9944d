import { Anchor, Button, Group, NumberInput, Paper, Progress, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ModelDefinition, Simulation } from '../../../src/modules/models/models.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { humanize } from '../../ui/format.ts';
import { ApiError, api } from '../api-client.ts';
import { useCapacity } from '../settings/use-capacity.ts';

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

const roleColors = ['#1c7ed6', '#0ca678', '#f59f00', '#ae3ec9', '#e8590c', '#15aabf', '#868e96'];

/** Rows of `key` (week or month) with one column per role, in period order. */
function pivot<T extends { role: string }>(rows: T[], key: (r: T) => string, value: (r: T) => number): Record<string, string | number>[] {
  const out = new Map<string, Record<string, string | number>>();
  for (const r of rows) {
    const row = out.get(key(r)) ?? { period: key(r) };
    row[r.role] = Math.round(((Number(row[r.role]) || 0) + value(r)) * 10) / 10;
    out.set(key(r), row);
  }
  return [...out.values()].sort((a, b) => String(a.period).localeCompare(String(b.period)));
}

const number = { ta: 'right' as const, style: { fontVariantNumeric: 'tabular-nums' } };

/** Moments per week (stacked by role) and effort per month by role against each role's capacity (members × hours). */
function ForecastCharts({ simulation, roles }: { simulation: Simulation; roles: string[] }) {
  const team = useCapacity();
  const perWeek = pivot(
    simulation.perWeek,
    (r) => r.week,
    (r) => r.moments,
  );
  const perMonth = pivot(
    simulation.effortPerMonth,
    (r) => r.month,
    (r) => r.hours,
  );
  // Automated moments cost no member time; every other role's capacity is the workspace's setting (members × hours).
  const capacity = (role: string) => (role === 'automated' ? null : (team.data?.roles.find((r) => r.role === role)?.hours ?? 0));
  const chart = (title: string, data: Record<string, string | number>[], unit: string) => (
    <Paper withBorder p="md">
      <Text fw={600} mb="xs">
        {title}
      </Text>
      <div
        style={{ width: '100%', height: 260 }}
        role="img"
        aria-label={`${title}: ${data.map((d) => `${d.period} ${roles.map((r) => `${humanize(r)} ${d[r] ?? 0}`).join(', ')}`).join('; ')}`}
      >
        <ResponsiveContainer>
          <BarChart data={data} margin={{ left: -10, right: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="period" fontSize={12} />
            <YAxis allowDecimals={false} fontSize={12} unit={unit} />
            <Tooltip />
            <Legend formatter={(value) => humanize(String(value))} />
            {roles.map((role, i) => (
              <Bar key={role} isAnimationActive={false} dataKey={role} name={role} stackId="roles" fill={roleColors[i % roleColors.length]} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </Paper>
  );
  return (
    <>
      {chart('Moments per week, by role', perWeek, '')}
      {chart('Effort hours per month, by role', perMonth, ' h')}
      <Paper withBorder>
        <Table.ScrollContainer minWidth={480}>
          <Table verticalSpacing={4} aria-label="Effort hours per month against capacity">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Month</Table.Th>
                {roles.map((role) => (
                  <Table.Th key={role} {...number}>
                    {humanize(role)}
                    {capacity(role) !== null && (
                      <Text span size="xs" c="dimmed" display="block">
                        of {capacity(role)} h
                      </Text>
                    )}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {perMonth.map((row) => (
                <Table.Tr key={String(row.period)}>
                  <Table.Td>{row.period}</Table.Td>
                  {roles.map((role) => {
                    const hours = Number(row[role] ?? 0);
                    const cap = capacity(role);
                    const over = cap !== null && hours > cap;
                    return (
                      <Table.Td key={role} {...number} c={over ? 'red' : undefined} fw={over ? 700 : undefined}>
                        {hours} h{cap ? ` · ${Math.round((hours / cap) * 100)}%` : cap === 0 && hours > 0 ? ' · no member' : ''}
                      </Table.Td>
                    );
                  })}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
    </>
  );
}

/**
 * Runs the model forward over the current accounts, optionally with new synthetic accounts each month (nothing is
 * written): moments per week and effort per month by role.
 */
export function ForecastPanel({ definition }: { definition: ModelDefinition }) {
  const today = new Date();
  const [from, setFrom] = useState(isoDay(today));
  const [to, setTo] = useState(isoDay(new Date(today.getTime() + 90 * 24 * 3600 * 1000)));
  const [perMonth, setPerMonth] = useState<number | ''>('');
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const controller = useRef<AbortController | null>(null);
  // Unmounting (leaving the tab) cancels a forecast still running: the server stops when the connection closes.
  useEffect(() => () => controller.current?.abort(), []);
  const run = useMutation({
    mutationFn: () => {
      controller.current = new AbortController();
      setProgress(null);
      const body = { definition, from, to, ...(perMonth === '' ? {} : { growth: { accountsPerMonth: perMonth } }) };
      return api.postWithProgress<Simulation>('/models/simulate', body, (done, total) => setProgress({ done, total }), controller.current.signal);
    },
    meta: { showsItsErrors: true },
  });
  const roles = [...new Set((run.data?.perWeek ?? []).map((r) => r.role))].sort();
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
        {run.isPending && (
          <Button variant="default" onClick={() => controller.current?.abort()}>
            Cancel
          </Button>
        )}
      </Group>
      {run.isPending && (
        <Stack gap={4}>
          <Progress
            value={progress ? (progress.done / progress.total) * 100 : 0}
            animated
            aria-label="Forecast progress"
            aria-valuetext={progress ? `Day ${progress.done} of ${progress.total}` : 'Starting'}
          />
          <Text size="xs" c="dimmed" aria-live="polite">
            {progress ? `Simulated day ${progress.done} of ${progress.total}` : 'Starting the forecast…'}
          </Text>
        </Stack>
      )}
      <Text size="xs" c="dimmed">
        The engine runs day by day over the current accounts with the clock advanced; nothing is saved or sent. Event-based moments need future events and are
        not forecast. New accounts are synthetic copies of the segment's members (profile and team), engaged from their first phase. Effort is set against the
        team's capacity (
        <Anchor component={Link} to="/settings/capacity">
          Settings › Capacity
        </Anchor>
        ).
      </Text>
      {run.isError &&
        (run.error instanceof ApiError && run.error.code === 'aborted' ? (
          <Text size="sm" c="dimmed">
            The forecast was cancelled.
          </Text>
        ) : (
          <ErrorAlert error={run.error} title="The forecast failed" />
        ))}
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
          <ForecastCharts simulation={run.data} roles={roles} />
        </>
      )}
    </Stack>
  );
}
