import { Badge } from '@mantine/core';
import { humanize } from './format.ts';

const colors: Record<string, string> = { onboarding: 'blue', ongoing: 'teal', renewal: 'orange' };

export function PhaseBadge({ phase, size = 'sm' }: { phase: string; size?: 'xs' | 'sm' | 'md' | 'lg' }) {
  return (
    <Badge color={colors[phase] ?? 'gray'} variant="light" size={size} style={{ flexShrink: 0 }}>
      {humanize(phase)}
    </Badge>
  );
}
