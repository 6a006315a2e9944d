import { Badge, Box, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useId } from 'react';
import type { ModelDefinition } from '../../../src/modules/models/models.schema.ts';
import { startInWords } from '../../../src/modules/models/models.words.ts';
import { humanize } from '../../ui/format.ts';

/**
 * The model as a journey map: its phases as columns, each moment a card with owner, channel and a digital badge.
 * The columns scroll sideways inside the map a phase at a time (scroll snap); on a phone a phase takes the screen.
 */
export function JourneyMap({ definition }: { definition: ModelDefinition }) {
  const id = useId();
  return (
    // Focusable so the keyboard scrolls it too (arrow keys), named for screen readers.
    <Box component="section" className="journey-map" aria-label="Journey map" tabIndex={0} data-testid="journey-map">
      {definition.phases.map((phase) => {
        const moments = definition.moments.filter((m) => m.phase === phase.key);
        const headingId = `${id}-phase-${phase.key}`;
        return (
          <Stack key={phase.key} component="section" gap="sm" className="journey-phase" aria-labelledby={headingId} data-testid="journey-phase">
            <Stack gap={2}>
              <Title order={3} size="h4" id={headingId}>
                {phase.name}
              </Title>
              {phase.description && (
                <Text size="xs" c="dimmed">
                  {phase.description}
                </Text>
              )}
              {phase.exit?.description && (
                <Text size="xs" c="dimmed">
                  Exit: {phase.exit.description}
                </Text>
              )}
            </Stack>
            {moments.length === 0 && (
              <Text size="sm" c="dimmed">
                No moments in this phase
              </Text>
            )}
            {moments.map((m) => (
              <Card key={m.id} withBorder padding="sm" radius="md">
                <Text fw={600} size="sm">
                  {m.name}
                </Text>
                <Group gap={4} mt={4}>
                  <Badge size="xs" variant="light" color={m.owner === 'automated' ? 'grape' : 'blue'}>
                    {humanize(m.owner ?? 'no owner')}
                  </Badge>
                  <Badge size="xs" variant="outline" color="gray">
                    {humanize(m.channel)}
                  </Badge>
                  {m.digital ? (
                    <Badge size="xs" color="teal">
                      Digital
                    </Badge>
                  ) : (
                    <Badge size="xs" color="orange" variant="light">
                      Personal
                    </Badge>
                  )}
                </Group>
                {m.objective && (
                  <Text size="xs" mt={6}>
                    {m.objective}
                  </Text>
                )}
                <Text size="xs" c="dimmed" mt={6}>
                  {startInWords(m.start)}
                  {m.effortMinutes > 0 && ` · ${m.effortMinutes} min`}
                </Text>
              </Card>
            ))}
          </Stack>
        );
      })}
    </Box>
  );
}
