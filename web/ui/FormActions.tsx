import { Button, Group } from '@mantine/core';
import type { ReactNode } from 'react';

/** The end of every dialog form: Cancel, and the submit button that shows the save in progress. */
export function FormActions({ submitLabel, saving, onCancel }: { submitLabel: ReactNode; saving: boolean; onCancel: () => void }) {
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onCancel}>
        Cancel
      </Button>
      <Button type="submit" loading={saving}>
        {submitLabel}
      </Button>
    </Group>
  );
}
