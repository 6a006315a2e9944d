import { Badge, Button, Card, Group, Paper, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { QueryStatus } from '../../ui/QueryStatus.tsx';
import { usePhone } from '../../ui/use-phone.ts';
import { canWrite, useMe } from '../use-me.ts';
import { useTemplates } from './use-campaigns.ts';

/** Email templates: Liquid personalisation in a responsive layout, previewed as a contact. */
export function TemplatesPage() {
  const me = useMe();
  const [archived, setArchived] = useState(false);
  const templates = useTemplates(archived);
  const phone = usePhone();
  const navigate = useNavigate();
  const add = canWrite(me.data) && (
    <Button leftSection={<IconPlus size={16} aria-hidden />} component={Link} to="/messaging/templates/new">
      New template
    </Button>
  );
  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Templates
          </Title>
          {add}
        </Group>
        <Text size="sm" c="dimmed">
          The content of campaigns, streams and automated moments. Personalise with Liquid ({'{{ contact.first_name }}'}, {'{{ account.name }}'},{' '}
          {'{{ team.csm.name }}'}); a contact lacking data a template needs is excluded rather than sent a broken email.
        </Text>
        <Switch label="Show archived" checked={archived} onChange={(e) => setArchived(e.currentTarget.checked)} />
        <QueryStatus query={templates} errorTitle="Could not load templates" />
        {templates.data?.length === 0 && (
          <EmptyState title="No templates yet" action={add}>
            A welcome email, activation tips, a renewal reminder: write it once, preview it as any contact.
          </EmptyState>
        )}
        {templates.data && templates.data.length > 0 && phone && (
          <Stack gap="sm">
            {templates.data.map((t) => (
              <Card key={t.id} withBorder component={Link} to={`/messaging/templates/${t.key}`}>
                <Group justify="space-between" wrap="nowrap">
                  <Text fw={600}>{t.name}</Text>
                  <Badge color={t.kind === 'marketing' ? 'grape' : 'blue'}>{t.kind}</Badge>
                </Group>
                <Text size="sm" c="dimmed" lineClamp={1}>
                  {t.subject}
                </Text>
              </Card>
            ))}
          </Stack>
        )}
        {templates.data && templates.data.length > 0 && !phone && (
          <Table highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Template</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Subject</Table.Th>
                <Table.Th>Updated</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {templates.data.map((t) => (
                <Table.Tr key={t.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/messaging/templates/${t.key}`)}>
                  <Table.Td>
                    <Text component={Link} to={`/messaging/templates/${t.key}`} fw={600} size="sm">
                      {t.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {t.key}
                      {t.archived ? ' · archived' : ''}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={t.kind === 'marketing' ? 'grape' : 'blue'}>{t.kind}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" lineClamp={1}>
                      {t.subject}
                    </Text>
                  </Table.Td>
                  <Table.Td>{formatDateTime(t.updatedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Paper>
  );
}
