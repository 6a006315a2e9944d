import { Button, Group, NumberInput, Paper, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { Capacity, CapacityUpdate } from '../../../src/modules/capacity/capacity.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { humanize } from '../../ui/format.ts';
import { QueryStatus } from '../../ui/QueryStatus.tsx';
import { api, fieldErrors } from '../api-client.ts';
import { isAdmin, useMe } from '../use-me.ts';
import { capacityKey, useCapacity } from './use-capacity.ts';

const number = { ta: 'right' as const, style: { fontVariantNumeric: 'tabular-nums' } };

function CapacityForm({ capacity, canEdit }: { capacity: Capacity; canEdit: boolean }) {
  const queryClient = useQueryClient();
  const [hours, setHours] = useState<Record<string, number | ''>>(Object.fromEntries(capacity.roles.map((r) => [r.role, r.hoursPerMember])));
  const save = useMutation({
    mutationFn: () => {
      const body: CapacityUpdate = {
        roles: capacity.roles.map((r) => ({ role: r.role, hoursPerMember: hours[r.role] === '' ? Number.NaN : Number(hours[r.role]) })),
      };
      return api.put<Capacity>('/capacity', body);
    },
    meta: { showsItsErrors: true },
    onSuccess: (saved) => {
      queryClient.setQueryData(capacityKey, saved);
      notifications.show({ color: 'teal', message: 'Team capacity saved: the forecast sets effort against it' });
    },
  });
  const errors = fieldErrors(save.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={submit}>
      <Stack gap="sm">
        <Paper withBorder>
          <Table verticalSpacing="xs" aria-label="Team capacity per role">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Role</Table.Th>
                <Table.Th {...number} visibleFrom="sm">
                  Members
                </Table.Th>
                <Table.Th {...number}>Hours per member per month</Table.Th>
                <Table.Th {...number}>Capacity</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {capacity.roles.map((r, i) => {
                const value = hours[r.role] ?? '';
                return (
                  <Table.Tr key={r.role}>
                    <Table.Td>{humanize(r.role)}</Table.Td>
                    <Table.Td {...number} visibleFrom="sm">
                      {r.members}
                    </Table.Td>
                    <Table.Td {...number}>
                      {canEdit ? (
                        <NumberInput
                          aria-label={`Hours per ${humanize(r.role)} member per month`}
                          min={0}
                          max={744}
                          allowDecimal={false}
                          value={value}
                          onChange={(v) => setHours((h) => ({ ...h, [r.role]: typeof v === 'number' ? v : '' }))}
                          error={errors[`roles.${i}.hoursPerMember`]}
                          w={120}
                          ml="auto"
                        />
                      ) : (
                        `${r.hoursPerMember} h`
                      )}
                    </Table.Td>
                    <Table.Td {...number}>{value === '' ? '—' : `${r.members * value} h`}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Paper>
        {save.isError && Object.keys(errors).length === 0 && <ErrorAlert error={save.error} title="Could not save the capacity" />}
        {canEdit && (
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>
              Save capacity
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}

/** Settings > Capacity: the hours each member of a team role gives to customer moments in a month. */
export function CapacityPage() {
  const me = useMe();
  const capacity = useCapacity();
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        How many hours a month each member of a role gives to customer moments. A role's capacity is its active members × these hours; a model's forecast shows
        each month's effort against it, over capacity in red.
      </Text>
      <QueryStatus query={capacity} errorTitle="Could not load the capacity" />
      {capacity.data && <CapacityForm capacity={capacity.data} canEdit={isAdmin(me.data)} />}
    </Stack>
  );
}
