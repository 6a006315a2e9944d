import { Anchor, Card, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { AccountListItem } from '../../../src/modules/accounts/accounts.schema.ts';
import { formatDate, formatMoney, humanize } from '../../ui/format.ts';
import { PhaseBadge } from '../../ui/PhaseBadge.tsx';
import { TagList } from './AccountsTable.tsx';

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </Stack>
  );
}

/** The accounts list on phones: one card per account. */
export function AccountCards({ items }: { items: AccountListItem[] }) {
  return (
    <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Accounts">
      {items.map((account) => (
        <Card key={account.id} withBorder padding="md" component="li" data-testid="account-card">
          <Group justify="space-between" align="flex-start" wrap="nowrap" mb="xs">
            <Stack gap={0} style={{ minWidth: 0 }}>
              <Anchor component={Link} to={`/accounts/${account.id}`} fw={700}>
                {account.name}
              </Anchor>
              {account.domain && (
                <Text size="xs" c="dimmed" truncate>
                  {account.domain}
                </Text>
              )}
            </Stack>
            <PhaseBadge phase={account.phase} />
          </Group>
          <SimpleGrid cols={2} spacing="xs" verticalSpacing="xs">
            <Field label="ARR">{formatMoney(account.arr)}</Field>
            <Field label="Next renewal">{formatDate(account.nextRenewalDate)}</Field>
            <Field label="Touch model">{humanize(account.touchModel)}</Field>
            <Field label="Buying culture">{humanize(account.buyingCulture)}</Field>
            <Field label="CSM">{account.csm?.name ?? '—'}</Field>
          </SimpleGrid>
          {account.tags.length > 0 && (
            <Group mt="xs">
              <TagList tags={account.tags} max={5} />
            </Group>
          )}
        </Card>
      ))}
    </Stack>
  );
}
