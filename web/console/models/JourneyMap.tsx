import { Badge, Card, Group, ScrollArea, Stack, Text, Title } from '@mantine/core';
import type { ModelDefinition } from '../../../src/modules/models/models.schema.ts';
import { startInWords } from '../../../src/modules/models/models.words.ts';
import { humanize } from '../../ui/format.ts';

/** The model as a journey map: its phases as columns, each moment a card with owner, channel and a digital badge. */
export function JourneyMap({ definition }: { definition: ModelDefinition }) {
  return (
    <ScrollArea type="auto" offsetScrollbars>
      <Group align="flex-start" wrap="nowrap" gap="md" aria-label="Journey map">
        {definition.phases.map((phase) => {
          const moments = definition.moments.filter((m) => m.phase === phase.key);
          return (
            <Stack key={phase.key} gap="sm" w={280} style={{ flexShrink: 0 }} aria-label={`Phase ${phase.name}`}>
              <Stack gap={2}>
                <Title order={3} size="h4">
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
      </Group>
    </ScrollArea>
  );
}
