import { Button, Group, Select, Text } from '@mantine/core';
import { IconChevronLeft, IconChevronRight } from '@tabler/icons-react';

interface CursorPagerProps {
  /** 1-based index of the first row shown (0 when there are none). */
  from: number;
  to: number;
  total: number;
  noun: string;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  pageSize: number;
  pageSizes: readonly string[];
  onPageSize: (size: number) => void;
}

/** Previous/next over a cursor-paged list, with the total and a page-size selector. */
export function CursorPager(props: CursorPagerProps) {
  return (
    <Group justify="space-between" gap="sm" mt="md">
      <Text size="sm" c="dimmed" aria-live="polite" data-testid="list-range">
        {props.total === 0 ? `No ${props.noun}` : `${props.from}–${props.to} of ${props.total.toLocaleString('en-US')} ${props.noun}`}
      </Text>
      <Group gap="sm">
        <Select
          label="Rows per page"
          size="xs"
          data={[...props.pageSizes]}
          value={String(props.pageSize)}
          onChange={(value) => value && props.onPageSize(Number(value))}
          allowDeselect={false}
          styles={{ root: { display: 'flex', alignItems: 'center', gap: 8 }, label: { fontWeight: 400 }, wrapper: { width: 76 } }}
        />
        <Button variant="default" size="xs" leftSection={<IconChevronLeft size={14} aria-hidden />} disabled={!props.hasPrevious} onClick={props.onPrevious}>
          Previous
        </Button>
        <Button variant="default" size="xs" rightSection={<IconChevronRight size={14} aria-hidden />} disabled={!props.hasNext} onClick={props.onNext}>
          Next
        </Button>
      </Group>
    </Group>
  );
}
