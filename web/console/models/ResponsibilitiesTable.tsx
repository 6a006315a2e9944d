import { Anchor, Card, Paper, Stack, Table, Text, Title } from '@mantine/core';
import type { ModelDefinition } from '../../../src/modules/models/models.schema.ts';
import { startInWords } from '../../../src/modules/models/models.words.ts';
import { DefinitionList } from '../../ui/DefinitionList.tsx';
import { humanize } from '../../ui/format.ts';
import { usePhone } from '../../ui/use-phone.ts';

/** Who is responsible, accountable, consulted and informed for each moment; how, with which tools, measured by what. */
export function ResponsibilitiesTable({ definition }: { definition: ModelDefinition }) {
  const list = (roles: string[]) => (roles.length ? roles.map(humanize).join(', ') : '—');
  const phone = usePhone();
  // Nine columns do not fit a phone: one card per moment with the same answers.
  if (phone) {
    return (
      <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Responsibilities">
        {definition.moments.map((m) => {
          const r = m.responsibilities;
          return (
            <Card key={m.id} withBorder padding="md" component="li" data-testid="responsibility-card">
              <Title order={3} size="h5">
                {m.name}
              </Title>
              <Text size="xs" c="dimmed" mb="xs">
                {humanize(m.phase)} · {startInWords(m.start)}
              </Text>
              <DefinitionList
                cols={{ base: 2 }}
                items={[
                  { label: 'Responsible', value: humanize(r.responsible ?? m.owner ?? '—') },
                  { label: 'Accountable', value: r.accountable ? humanize(r.accountable) : null },
                  { label: 'Consulted', value: r.consulted.length ? list(r.consulted) : null },
                  { label: 'Informed', value: r.informed.length ? list(r.informed) : null },
                  {
                    label: 'How',
                    value: r.procedure ? (
                      <Anchor href={r.procedure} target="_blank" rel="noreferrer" size="sm">
                        Procedure
                      </Anchor>
                    ) : null,
                  },
                  { label: 'Tools', value: r.tools.length ? r.tools.join(', ') : null },
                  {
                    label: 'Measure',
                    value: r.measure ?? (
                      <Text c="red" size="sm" component="span">
                        no measure
                      </Text>
                    ),
                  },
                ]}
              />
            </Card>
          );
        })}
      </Stack>
    );
  }
  return (
    <Paper withBorder>
      <Table.ScrollContainer minWidth={1100}>
        <Table verticalSpacing="xs" aria-label="Responsibilities">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Moment</Table.Th>
              <Table.Th>When</Table.Th>
              <Table.Th>Responsible</Table.Th>
              <Table.Th>Accountable</Table.Th>
              <Table.Th>Consulted</Table.Th>
              <Table.Th>Informed</Table.Th>
              <Table.Th>How</Table.Th>
              <Table.Th>Tools</Table.Th>
              <Table.Th>Measure</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {definition.moments.map((m) => {
              const r = m.responsibilities;
              return (
                <Table.Tr key={m.id}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {m.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {humanize(m.phase)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{startInWords(m.start)}</Text>
                  </Table.Td>
                  <Table.Td>{humanize(r.responsible ?? m.owner ?? '—')}</Table.Td>
                  <Table.Td>{r.accountable ? humanize(r.accountable) : '—'}</Table.Td>
                  <Table.Td>{list(r.consulted)}</Table.Td>
                  <Table.Td>{list(r.informed)}</Table.Td>
                  <Table.Td>
                    {r.procedure ? (
                      <Anchor href={r.procedure} target="_blank" rel="noreferrer" size="sm">
                        Procedure
                      </Anchor>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td>{r.tools.length ? r.tools.join(', ') : '—'}</Table.Td>
                  <Table.Td>
                    {r.measure ?? (
                      <Text c="red" size="sm">
                        no measure
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}
