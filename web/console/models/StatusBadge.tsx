import { Badge } from '@mantine/core';
import type { VersionStatus } from '../../../src/modules/models/models.schema.ts';

const colors: Record<VersionStatus, string> = { draft: 'gray', approved: 'blue', active: 'teal', retired: 'dark' };

export function StatusBadge({ status }: { status: VersionStatus }) {
  return (
    <Badge color={colors[status]} variant="light" size="sm">
      {status}
    </Badge>
  );
}
