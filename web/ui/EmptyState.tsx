import { Paper, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** What a list page shows before it has anything: what would be here, and the way to the first one. */
export function EmptyState({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <Paper withBorder p="xl">
      <Stack align="center" gap="sm">
        <Text fw={600}>{title}</Text>
        <Text size="sm" c="dimmed" ta="center">
          {children}
        </Text>
        {action}
      </Stack>
    </Paper>
  );
}
