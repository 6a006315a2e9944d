import { Checkbox, Group, Modal, PasswordInput, Stack, Switch, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type MemberRole, memberRoles } from '../../../src/lib/actor.ts';
import type { MemberView as Member } from '../../../src/modules/members/members.schema.ts';
import { FormActions } from '../../ui/FormActions.tsx';
import { humanize } from '../../ui/format.ts';
import { api, fieldErrors } from '../api-client.ts';
import { membersKey } from './use-members.ts';

interface MemberFormModalProps {
  /** Undefined adds a member. */
  member?: Member | undefined;
  /** The signed-in member's id: nobody disables themselves by accident. */
  self: string | null;
  onClose: () => void;
}

/** Adds a member (email, name, roles, initial password) or changes one's name, roles and status. */
export function MemberFormModal({ member, self, onClose }: MemberFormModalProps) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState(member?.email ?? '');
  const [name, setName] = useState(member?.name ?? '');
  const [roles, setRoles] = useState<MemberRole[]>(member?.roles ?? ['csm']);
  const [password, setPassword] = useState('');
  const [disabled, setDisabled] = useState(member?.disabled ?? false);

  const save = useMutation({
    mutationFn: () =>
      member
        ? api.patch<Member>(`/members/${member.id}`, { name: name.trim(), roles, disabled, ...(password && { password }) })
        : api.post<Member>('/members', { email: email.trim(), name: name.trim(), roles, ...(password && { password }) }),
    onSuccess: (saved) => {
      queryClient.invalidateQueries({ queryKey: membersKey });
      notifications.show({ color: 'teal', message: member ? `Saved ${saved.name}` : `Added ${saved.name}` });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <Modal opened onClose={onClose} title={member ? `Edit ${member.name}` : 'Add member'} size="md">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            label="Email"
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={errors.email}
            disabled={Boolean(member)}
            description={member ? 'A member keeps their email address' : undefined}
          />
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} />
          <Checkbox.Group label="Roles" required value={roles} onChange={(v) => setRoles(v as MemberRole[])} error={errors.roles}>
            <Group gap="md" mt="xs">
              {memberRoles.map((role) => (
                <Checkbox key={role} value={role} label={humanize(role)} />
              ))}
            </Group>
          </Checkbox.Group>
          <PasswordInput
            label={member ? 'New password' : 'Initial password'}
            description={member ? 'Leave empty to keep the current password' : 'At least 10 characters; share it with the member safely'}
            autoComplete="new-password"
            required={!member}
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={errors.password}
          />
          {member && (
            <Switch
              label="Disabled (cannot sign in)"
              checked={disabled}
              onChange={(e) => setDisabled(e.currentTarget.checked)}
              disabled={member.id === self}
              description={member.id === self ? 'You cannot disable yourself' : undefined}
              error={errors.disabled}
            />
          )}
          <FormActions submitLabel={member ? 'Save member' : 'Add member'} saving={save.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}
