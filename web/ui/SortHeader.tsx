import { Group, Table, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowsSort, IconArrowUp } from '@tabler/icons-react';

interface SortHeaderProps {
  label: string;
  /** The sort key of this column ("arr"); the current sort is "arr" or "-arr" when it is active. */
  field: string;
  sort: string;
  /** The direction of the first click: money and recency read best largest/newest first. */
  firstDescending?: boolean;
  align?: 'left' | 'right';
  onSort: (sort: string) => void;
}

/** A column header that sorts the list (server-side); announces its state with aria-sort. */
export function SortHeader({ label, field, sort, firstDescending = false, align = 'left', onSort }: SortHeaderProps) {
  const active = sort === field || sort === `-${field}`;
  const descending = sort === `-${field}`;
  const next = active ? (descending ? field : `-${field}`) : firstDescending ? `-${field}` : field;
  const Icon = !active ? IconArrowsSort : descending ? IconArrowDown : IconArrowUp;
  return (
    <Table.Th aria-sort={active ? (descending ? 'descending' : 'ascending') : 'none'} style={{ textAlign: align, whiteSpace: 'nowrap' }}>
      <UnstyledButton onClick={() => onSort(next)} fw={700} fz="sm" style={{ borderRadius: 4 }}>
        <Group gap={4} wrap="nowrap" justify={align === 'right' ? 'flex-end' : 'flex-start'}>
          {label}
          <Icon size={14} aria-hidden style={{ opacity: active ? 1 : 0.45 }} />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}
