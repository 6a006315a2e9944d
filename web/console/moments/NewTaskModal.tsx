import { Button, Group, Modal, Select, Stack, Textarea, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { AccountList } from '../../../src/modules/accounts/accounts.schema.ts';
import { momentChannels } from '../../../src/modules/models/models.schema.ts';
import type { MomentInstanceShape as MomentInstance, MomentTaskInput } from '../../../src/modules/moments/moments.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { humanize } from '../../ui/format.ts';
import { api, fieldErrors } from '../api-client.ts';
import { useMembers } from '../settings/use-members.ts';
import { useMe } from '../use-me.ts';

const today = () => new Date().toISOString().slice(0, 10);

/** Picks an account by searching names and domains on the server (the workspace may hold many thousands). */
function AccountPicker({ value, onChange, error }: { value: string | null; onChange: (id: string | null) => void; error?: string | undefined }) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const accounts = useQuery({
    queryKey: ['accounts', 'picker', q],
    queryFn: () => api.get<AccountList>(`/accounts?limit=20&sort=name${q ? `&q=${encodeURIComponent(q)}` : ''}`),
  });
  return (
    <Select
      label="Account"
      placeholder="Search accounts"
      required
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      nothingFoundMessage={accounts.isPending ? 'Searching…' : 'No account matches'}
      data={(accounts.data?.items ?? []).map((a) => ({ value: a.id, label: a.name }))}
      value={value}
      onChange={onChange}
      error={error}
      data-autofocus
    />
  );
}

/**
 * An ad-hoc task: a moment with no model behind it, on an account, due when the member says and assigned to them or a
 * colleague. From the account page the account is given; from the inbox it is searched for.
 */
export function NewTaskModal({ accountId, onClose }: { accountId?: string; onClose: () => void }) {
  const me = useMe();
  const members = useMembers();
  const [account, setAccount] = useState<string | null>(accountId ?? null);
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [dueAt, setDueAt] = useState(today());
  const [assignee, setAssignee] = useState<string | null>(null);
  const [channel, setChannel] = useState<string>('other');
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () => {
      const body: MomentTaskInput = {
        accountId: account ?? '',
        title,
        dueAt,
        channel: channel as MomentTaskInput['channel'],
        ...(description.trim() && { description }),
        ...(assignee && { assigneeMemberId: assignee }),
      };
      return api.post<MomentInstance>('/moments/tasks', body);
    },
    meta: { showsItsErrors: true },
    onSuccess: (task) => {
      queryClient.invalidateQueries({ queryKey: ['moments'] });
      queryClient.invalidateQueries({ queryKey: ['home'] });
      queryClient.invalidateQueries({ queryKey: ['accounts', task.account.id, 'moments'] });
      notifications.show({ color: 'teal', message: `Task “${task.moment.name}” for ${task.assignee.name ?? 'you'} on ${task.account.name}` });
      onClose();
    },
  });
  const errors = fieldErrors(create.error);
  const shown = ['accountId', 'title', 'description', 'dueAt', 'assigneeMemberId', 'channel'];
  return (
    <Modal opened onClose={onClose} title="New task">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack gap="sm">
          {!accountId && <AccountPicker value={account} onChange={setAccount} error={errors.accountId} />}
          <TextInput
            label="Task"
            placeholder="Send the security questionnaire"
            required
            value={title}
            onChange={(e) => setTitle(e.currentTarget.value)}
            error={errors.title}
            data-autofocus={accountId ? true : undefined}
          />
          <Textarea
            label="Details"
            autosize
            minRows={2}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={errors.description}
          />
          <Group grow align="flex-start">
            <TextInput label="Due" type="date" required min={today()} value={dueAt} onChange={(e) => setDueAt(e.currentTarget.value)} error={errors.dueAt} />
            <Select
              label="Channel"
              data={momentChannels.map((c) => ({ value: c, label: humanize(c) }))}
              value={channel}
              onChange={(v) => setChannel(v ?? 'other')}
              allowDeselect={false}
              error={errors.channel}
            />
          </Group>
          <Select
            label="Assignee"
            placeholder={me.data?.actor.name ? `Me (${me.data.actor.name})` : 'Me'}
            data={(members.data ?? []).filter((m) => !m.disabled).map((m) => ({ value: m.id, label: m.name }))}
            value={assignee}
            onChange={setAssignee}
            searchable
            clearable
            error={errors.assigneeMemberId}
          />
          {create.isError && !shown.some((k) => errors[k]) && <ErrorAlert error={create.error} title="Could not create the task" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!account || !title.trim()}>
              Create task
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
