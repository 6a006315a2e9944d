import { Anchor, Badge, Grid, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Home } from '../../../src/modules/home/home.schema.ts';
import type { MomentInstanceShape } from '../../../src/modules/moments/moments.schema.ts';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { formatDate, formatMoney, humanize } from '../../ui/format.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { QueryStatus } from '../../ui/QueryStatus.tsx';
import { api } from '../api-client.ts';

export const homeKey = ['home'] as const;

const weekLabel = (i: number) => (i === 0 ? 'This week' : i === 1 ? 'Next week' : `In ${i} weeks`);

/** Why an alert is one: escalated, or opened by what the customer did (event), a metric, or what they failed to do. */
function alertReason(m: MomentInstanceShape): { label: string; color: string } {
  if (m.status === 'escalated') return { label: 'Escalated', color: 'red' };
  if (m.rule === 'metric') return { label: 'Metric changed', color: 'orange' };
  if (m.rule === 'absence') return { label: 'Gone quiet', color: 'orange' };
  return { label: 'Customer event', color: 'blue' };
}

function Stat({ label, value, color, to }: { label: string; value: number; color?: string | undefined; to: string }) {
  return (
    // Named by what it shows ("Overdue: 3"): the colon is for screen readers, the eye reads the label above the number.
    <Paper withBorder p="md" component={Link} to={to} style={{ textDecoration: 'none', color: 'inherit' }}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
        <span className="unseen-punctuation">:</span>
      </Text>
      <Text fz={28} fw={700} c={value > 0 ? color : undefined}>
        {value.toLocaleString('en-US')}
      </Text>
    </Paper>
  );
}

function Section({ title, children, aside }: { title: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <Paper withBorder p="lg" h="100%">
      <Group justify="space-between" align="baseline" mb="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        {aside}
      </Group>
      {children}
    </Paper>
  );
}

function MomentLine({ m, badge }: { m: MomentInstanceShape; badge?: { label: string; color: string } }) {
  return (
    <Group justify="space-between" wrap="nowrap" gap="sm" data-testid="home-moment">
      <Stack gap={0} style={{ minWidth: 0 }}>
        <Text size="sm" fw={600} truncate>
          {m.moment.name}
        </Text>
        <Anchor component={Link} to={`/accounts/${m.account.id}?tab=moments`} size="sm" truncate>
          {m.account.name}
        </Anchor>
      </Stack>
      <Stack gap={2} align="flex-end" style={{ flexShrink: 0 }}>
        {badge ? (
          <Badge color={badge.color} variant="light">
            {badge.label}
          </Badge>
        ) : m.overdue ? (
          <Badge color="red" variant="light">
            Overdue
          </Badge>
        ) : null}
        <Text size="xs" c="dimmed">
          {badge ? `opened ${formatDate(m.openedAt)}` : `due ${formatDate(m.dueAt)}`}
        </Text>
      </Stack>
    </Group>
  );
}

/**
 * The member's landing page: their moments in numbers and by week, what is next, their renewals in the next 90 days,
 * recent alerts on their accounts, and, for leads, the team's load. (Health and retention widgets will join it.)
 */
export function HomePage() {
  const home = useQuery({ queryKey: homeKey, queryFn: () => api.get<Home>('/home') });
  if (!home.data) return <QueryStatus query={home} errorTitle="Your home page could not load" />;
  const { member, moments, renewals, alerts, team } = home.data;
  const weeks = moments.weeks.map((n, i) => ({ week: weekLabel(i), n }));
  const renewalMonths = [
    ...renewals.items.reduce((m, r) => m.set(r.nextRenewalDate.slice(0, 7), (m.get(r.nextRenewalDate.slice(0, 7)) ?? 0) + r.arr), new Map<string, number>()),
  ].map(([month, arr]) => ({
    month: new Date(`${month}-01T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' }),
    arr,
  }));
  const teamBars = (team ?? []).map((t) => ({ name: t.name, 'On time': t.open - t.overdue, Overdue: t.overdue }));

  return (
    <Stack gap="lg">
      <PageHeader title="Home" description={`${member.name}: what is yours to do, your renewals and what happened on your accounts.`} />
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md">
        <Stat label="Overdue" value={moments.counts.overdue} color="red" to="/moments?view=overdue" />
        <Stat label="Due this week" value={moments.counts.dueThisWeek} color="blue" to="/moments?view=due" />
        <Stat label="Escalated" value={moments.counts.escalated} color="orange" to="/moments?view=escalated" />
        <Stat label="Open in all" value={moments.counts.open} to="/moments" />
      </SimpleGrid>

      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Section title="My moments by week">
            {weeks.every((w) => w.n === 0) ? (
              <EmptyState title="Nothing falls due in the next 8 weeks">Moments the models open for you show here by the week they fall due.</EmptyState>
            ) : (
              <div
                style={{ width: '100%', height: 220 }}
                role="img"
                aria-label={`My open moments falling due: ${weeks.map((w) => `${w.week} ${w.n}`).join(', ')}`}
              >
                <ResponsiveContainer>
                  <BarChart data={weeks} margin={{ left: -20, right: 8 }}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="week" fontSize={12} interval={0} angle={-20} textAnchor="end" height={50} />
                    <YAxis allowDecimals={false} fontSize={12} />
                    <Tooltip />
                    <Bar isAnimationActive={false} dataKey="n" name="Moments due" fill="#1c7ed6" radius={[4, 4, 0, 0]} />
                  </BarChart>
                </ResponsiveContainer>
              </div>
            )}
            {moments.counts.overdue > 0 && (
              <Text size="sm" c="red">
                Plus {moments.counts.overdue} overdue.
              </Text>
            )}
          </Section>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Section
            title="Next up"
            aside={
              <Anchor component={Link} to="/moments" size="sm">
                All my moments
              </Anchor>
            }
          >
            {moments.next.length === 0 ? (
              <EmptyState title="Nothing open">No moment is assigned to you right now.</EmptyState>
            ) : (
              <Stack gap="sm">
                {moments.next.map((m) => (
                  <MomentLine key={m.id} m={m} />
                ))}
              </Stack>
            )}
          </Section>
        </Grid.Col>

        <Grid.Col span={{ base: 12, md: 7 }}>
          <Section
            title={`Renewals in the next ${renewals.withinDays} days`}
            aside={
              <Text size="sm" fw={600} data-testid="renewals-total">
                {renewals.count} · {formatMoney(renewals.arr)} ARR
              </Text>
            }
          >
            {renewals.items.length === 0 ? (
              <EmptyState title="No renewals coming up">None of your accounts renews in the next {renewals.withinDays} days.</EmptyState>
            ) : (
              <Stack gap="md">
                <div
                  style={{ width: '100%', height: 160 }}
                  role="img"
                  aria-label={`ARR renewing by month: ${renewalMonths.map((m) => `${m.month} ${formatMoney(m.arr)}`).join(', ')}`}
                >
                  <ResponsiveContainer>
                    <BarChart data={renewalMonths} margin={{ left: 10, right: 8 }}>
                      <CartesianGrid strokeDasharray="3 3" vertical={false} />
                      <XAxis dataKey="month" fontSize={12} />
                      <YAxis fontSize={12} tickFormatter={(v: number) => formatMoney(v)} width={70} />
                      <Tooltip formatter={(v) => formatMoney(Number(v))} />
                      <Bar isAnimationActive={false} dataKey="arr" name="ARR renewing" fill="#0ca678" radius={[4, 4, 0, 0]} />
                    </BarChart>
                  </ResponsiveContainer>
                </div>
                <Table aria-label="My renewals" verticalSpacing="xs">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Account</Table.Th>
                      <Table.Th>Renews</Table.Th>
                      <Table.Th ta="right">ARR</Table.Th>
                      <Table.Th visibleFrom="sm">Phase</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {renewals.items.slice(0, 10).map((r) => (
                      <Table.Tr key={r.id}>
                        <Table.Td>
                          <Anchor component={Link} to={`/accounts/${r.id}`} size="sm">
                            {r.name}
                          </Anchor>
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(r.nextRenewalDate)}</Table.Td>
                        <Table.Td ta="right" style={{ fontVariantNumeric: 'tabular-nums' }}>
                          {formatMoney(r.arr)}
                        </Table.Td>
                        <Table.Td visibleFrom="sm">{humanize(r.phase)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                {renewals.count > 10 && (
                  <Anchor component={Link} to="/accounts?team=me&sort=next_renewal_date" size="sm">
                    All {renewals.count} renewals
                  </Anchor>
                )}
              </Stack>
            )}
          </Section>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Section title="Alerts, last 14 days">
            {alerts.length === 0 ? (
              <EmptyState title="No alerts">No escalation, and nothing your customers did or stopped doing opened a moment.</EmptyState>
            ) : (
              <Stack gap="sm">
                {alerts.map((m) => (
                  <MomentLine key={m.id} m={m} badge={alertReason(m)} />
                ))}
              </Stack>
            )}
          </Section>
        </Grid.Col>

        {team && (
          <Grid.Col span={12}>
            <Section title="The team's open moments">
              {teamBars.length === 0 ? (
                <EmptyState title="Nothing open">No member has an open moment.</EmptyState>
              ) : (
                <div
                  style={{ width: '100%', height: Math.max(180, teamBars.length * 36 + 60) }}
                  role="img"
                  aria-label={`Open moments per member: ${(team ?? []).map((t) => `${t.name} ${t.open} open, ${t.overdue} overdue`).join('; ')}`}
                >
                  <ResponsiveContainer>
                    <BarChart data={teamBars} layout="vertical" margin={{ left: 20, right: 16 }}>
                      <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                      <XAxis type="number" allowDecimals={false} fontSize={12} />
                      <YAxis type="category" dataKey="name" fontSize={12} width={120} />
                      <Tooltip />
                      <Legend />
                      <Bar isAnimationActive={false} dataKey="On time" stackId="a" fill="#1c7ed6" />
                      <Bar isAnimationActive={false} dataKey="Overdue" stackId="a" fill="#fa5252" />
                    </BarChart>
                  </ResponsiveContainer>
                </div>
              )}
            </Section>
          </Grid.Col>
        )}
      </Grid>
    </Stack>
  );
}
