import { Alert, Button, Group, Modal, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type TeamRole, teamRoles } from '../../../src/lib/actor.ts';
import type { AccountBulkAction, AccountBulkResult } from '../../../src/modules/accounts/accounts.schema.ts';
import { humanize } from '../../ui/format.ts';
import { ApiError, api, errorMessage, fieldErrors } from '../api-client.ts';
import { useMembers } from '../settings/use-members.ts';

type Action = AccountBulkAction['action'];
const done: Record<Action, string> = { tag: 'Tagged', untag: 'Untagged', assign: 'Assigned' };

/** Tags, untags or assigns a team role on the selected accounts: all of them, or none (the API's rule). */
export function BulkActionModal({ ids, onClose, onDone }: { ids: string[]; onClose: () => void; onDone: () => void }) {
  const queryClient = useQueryClient();
  const members = useMembers();
  const [action, setAction] = useState<Action>('tag');
  const [tag, setTag] = useState('');
  const [role, setRole] = useState<TeamRole>('csm');
  const [memberId, setMemberId] = useState<string | null>(null);
  const apply = useMutation({
    mutationFn: () =>
      api.post<AccountBulkResult>(
        '/accounts/bulk',
        action === 'assign' ? { action, ids, role, memberId: memberId === 'none' ? null : memberId } : { action, ids, tag: tag.trim() },
      ),
    meta: { showsItsErrors: true },
    onSuccess: (result) => {
      queryClient.invalidateQueries({ queryKey: ['accounts'] });
      const unchanged = result.selected - result.changed;
      notifications.show({
        color: 'teal',
        message: `${done[result.action]} ${result.changed} account${result.changed === 1 ? '' : 's'}${unchanged > 0 ? ` (${unchanged} already were)` : ''}`,
      });
      onDone();
    },
  });
  const errors = fieldErrors(apply.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply.mutate();
  };
  const ready = action === 'assign' ? memberId !== null : tag.trim() !== '';
  return (
    <Modal opened onClose={onClose} title={`Change ${ids.length} selected account${ids.length === 1 ? '' : 's'}`}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <SegmentedControl
            value={action}
            onChange={(v) => setAction(v as Action)}
            data={[
              { value: 'tag', label: 'Add a tag' },
              { value: 'untag', label: 'Remove a tag' },
              { value: 'assign', label: 'Assign a role' },
            ]}
          />
          {action === 'assign' ? (
            <>
              <Select
                label="Role"
                data={teamRoles.map((r) => ({ value: r, label: humanize(r) }))}
                value={role}
                onChange={(v) => v && setRole(v as TeamRole)}
                allowDeselect={false}
              />
              <Select
                label="Member"
                placeholder="Choose a member"
                data={[
                  { value: 'none', label: '(nobody: leave the role empty)' },
                  ...(members.data ?? []).filter((m) => !m.disabled).map((m) => ({ value: m.id, label: m.name })),
                ]}
                value={memberId}
                onChange={setMemberId}
                searchable
                error={errors.memberId}
              />
            </>
          ) : (
            <TextInput label="Tag" value={tag} onChange={(e) => setTag(e.currentTarget.value)} error={errors.tag} data-autofocus />
          )}
          <Text size="xs" c="dimmed">
            Every selected account changes, or none does: if one was deleted meanwhile, nothing is changed and you are told.
          </Text>
          {apply.isError && !errors.memberId && !errors.tag && (
            <Alert color="red" variant="light" role="alert" title="Nothing was changed">
              {apply.error instanceof ApiError ? apply.error.message : errorMessage(apply.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={apply.isPending} disabled={!ready}>
              Apply to {ids.length}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
