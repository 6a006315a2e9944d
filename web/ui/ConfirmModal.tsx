import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';

interface ConfirmModalProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  loading?: boolean;
  /** Red by default (destructive); another colour for consequential but not destructive actions. */
  color?: string;
  onConfirm: () => void;
  onClose: () => void;
}

/** "Are you sure?" for destructive or consequential actions; Cancel has the focus first. */
export function ConfirmModal({ title, children, confirmLabel, loading, color = 'red', onConfirm, onClose }: ConfirmModalProps) {
  return (
    <Modal opened onClose={onClose} title={title} size="sm">
      <Stack gap="lg">
        <Text size="sm">{children}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-autofocus>
            Cancel
          </Button>
          <Button color={color} onClick={onConfirm} loading={loading}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
