import { Anchor, Badge, Checkbox, Group, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { AccountListItem } from '../../../src/modules/accounts/accounts.schema.ts';
import { formatDate, formatMoney, humanize } from '../../ui/format.ts';
import { PhaseBadge } from '../../ui/PhaseBadge.tsx';
import { SortHeader } from '../../ui/SortHeader.tsx';

export function TagList({ tags, max = 3 }: { tags: string[]; max?: number }) {
  if (tags.length === 0)
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  return (
    <Group gap={4}>
      {tags.slice(0, max).map((tag) => (
        <Badge key={tag} variant="outline" color="gray" size="sm" tt="none">
          {tag}
        </Badge>
      ))}
      {tags.length > max && (
        <Text size="xs" c="dimmed">
          +{tags.length - max}
        </Text>
      )}
    </Group>
  );
}

interface AccountsTableProps {
  items: AccountListItem[];
  sort: string;
  onSort: (sort: string) => void;
  /** With a selection, rows get checkboxes (members who can write select accounts for a bulk action). */
  selection?: { selected: Set<string>; onChange: (ids: string[], on: boolean) => void } | undefined;
}

/** The accounts list on tablets and desktops: one row per account, sortable headers. */
export function AccountsTable({ items, sort, onSort, selection }: AccountsTableProps) {
  const all = items.length > 0 && items.every((a) => selection?.selected.has(a.id));
  const some = items.some((a) => selection?.selected.has(a.id));
  return (
    <Table.ScrollContainer minWidth={960}>
      <Table highlightOnHover verticalSpacing="sm" striped={false} aria-label="Accounts">
        <Table.Thead>
          <Table.Tr>
            {selection && (
              <Table.Th w={40}>
                <Checkbox
                  aria-label="Select every account on this page"
                  checked={all}
                  indeterminate={some && !all}
                  onChange={() =>
                    selection.onChange(
                      items.map((a) => a.id),
                      !all,
                    )
                  }
                />
              </Table.Th>
            )}
            <SortHeader label="Name" field="name" sort={sort} onSort={onSort} />
            <Table.Th>Tags</Table.Th>
            <Table.Th>Touch model</Table.Th>
            <Table.Th>Buying culture</Table.Th>
            <Table.Th>Phase</Table.Th>
            <SortHeader label="ARR" field="arr" sort={sort} onSort={onSort} firstDescending align="right" />
            <SortHeader label="Next renewal" field="next_renewal_date" sort={sort} onSort={onSort} />
            <Table.Th>CSM</Table.Th>
            <SortHeader label="Updated" field="updated_at" sort={sort} onSort={onSort} firstDescending />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((account) => (
            <Table.Tr key={account.id} data-testid="account-row" bg={selection?.selected.has(account.id) ? 'var(--mantine-color-blue-light)' : undefined}>
              {selection && (
                <Table.Td>
                  <Checkbox
                    aria-label={`Select ${account.name}`}
                    checked={selection.selected.has(account.id)}
                    onChange={(e) => selection.onChange([account.id], e.currentTarget.checked)}
                  />
                </Table.Td>
              )}
              <Table.Td>
                <Stack gap={0}>
                  <Anchor component={Link} to={`/accounts/${account.id}`} fw={600} size="sm">
                    {account.name}
                  </Anchor>
                  {account.domain && (
                    <Text size="xs" c="dimmed">
                      {account.domain}
                    </Text>
                  )}
                </Stack>
              </Table.Td>
              <Table.Td miw={130}>
                <TagList tags={account.tags} />
              </Table.Td>
              <Table.Td>{humanize(account.touchModel)}</Table.Td>
              <Table.Td>{humanize(account.buyingCulture)}</Table.Td>
              <Table.Td miw={120}>
                <PhaseBadge phase={account.phase} />
              </Table.Td>
              <Table.Td ta="right" data-testid="account-arr" style={{ fontVariantNumeric: 'tabular-nums' }}>
                {formatMoney(account.arr)}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(account.nextRenewalDate)}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{account.csm?.name ?? <Text c="dimmed">—</Text>}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(account.updatedAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
