import { SimpleGrid, Text } from '@mantine/core';
import type { ReactNode } from 'react';

export interface Definition {
  label: string;
  value: ReactNode;
}

/** Label/value pairs as a semantic <dl>, in a grid that narrows to one column on phones. */
export function DefinitionList({ items, cols = { base: 1, xs: 2, md: 3 } }: { items: Definition[]; cols?: Record<string, number> }) {
  return (
    <SimpleGrid component="dl" cols={cols} spacing="lg" verticalSpacing="md" m={0}>
      {items.map((item) => (
        <div key={item.label}>
          <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase" style={{ letterSpacing: 0.3 }}>
            {item.label}
          </Text>
          <Text component="dd" m={0} size="sm" style={{ overflowWrap: 'anywhere' }}>
            {item.value === null || item.value === undefined || item.value === '' ? '—' : item.value}
          </Text>
        </div>
      ))}
    </SimpleGrid>
  );
}
