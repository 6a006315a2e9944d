import { Alert } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';

/** A failed load, shown where the data would have been. */
export function ErrorAlert({ error, title = 'Could not load' }: { error: unknown; title?: string }) {
  return (
    <Alert color="red" variant="light" title={title} icon={<IconAlertCircle aria-hidden />} role="alert">
      {error instanceof Error ? error.message : 'Something went wrong'}
    </Alert>
  );
}
