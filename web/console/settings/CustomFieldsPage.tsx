import {
  ActionIcon,
  Badge,
  Button,
  Center,
  Checkbox,
  Code,
  Group,
  Loader,
  Modal,
  Paper,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type CustomFieldView as CustomField, type CustomFieldType, customFieldTypes } from '../../../src/modules/customfields/customfields.schema.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { FormActions } from '../../ui/FormActions.tsx';
import { humanize, keyFrom, options } from '../../ui/format.ts';
import { api, fieldErrors } from '../api-client.ts';
import { isAdmin, useMe } from '../use-me.ts';
import { customFieldsKey, useCustomFields } from './use-custom-fields.ts';

const keyOf = (label: string) => keyFrom(label, 50);

function CreateFieldModal({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [entity, setEntity] = useState<'account' | 'contact'>('account');
  const [label, setLabel] = useState('');
  const [key, setKey] = useState('');
  const [keyEdited, setKeyEdited] = useState(false);
  const [type, setType] = useState<CustomFieldType>('text');
  const [fieldOptions, setFieldOptions] = useState<string[]>([]);
  const [required, setRequired] = useState(false);

  const create = useMutation({
    mutationFn: () =>
      api.post<CustomField>('/custom-fields', { entity, key, label: label.trim(), type, required, ...(type === 'select' && { options: fieldOptions }) }),
    onSuccess: (field) => {
      queryClient.invalidateQueries({ queryKey: customFieldsKey });
      notifications.show({ color: 'teal', message: `Added ${field.label}` });
      onClose();
    },
  });
  const errors = fieldErrors(create.error);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };

  return (
    <Modal opened onClose={onClose} title="New custom field" size="md">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Select
            label="Applies to"
            data={[
              { value: 'account', label: 'Accounts' },
              { value: 'contact', label: 'Contacts' },
            ]}
            value={entity}
            onChange={(v) => v && setEntity(v as 'account' | 'contact')}
            allowDeselect={false}
            error={errors.entity}
          />
          <TextInput
            label="Label"
            required
            value={label}
            onChange={(e) => {
              const next = e.currentTarget.value;
              setLabel(next);
              if (!keyEdited) setKey(keyOf(next));
            }}
            error={errors.label}
            data-autofocus
          />
          <TextInput
            label="Key"
            description="lower_snake_case; used in the API, imports and segment filters as custom.<key>"
            required
            value={key}
            onChange={(e) => {
              setKey(e.currentTarget.value);
              setKeyEdited(true);
            }}
            error={errors.key}
          />
          <Select
            label="Type"
            data={options(customFieldTypes)}
            value={type}
            onChange={(v) => v && setType(v as CustomFieldType)}
            allowDeselect={false}
            error={errors.type}
          />
          {type === 'select' && (
            <TagsInput label="Options" description="Press Enter after each" required value={fieldOptions} onChange={setFieldOptions} error={errors.options} />
          )}
          <Checkbox label="Required on every write" checked={required} onChange={(e) => setRequired(e.currentTarget.checked)} />
          <FormActions submitLabel="Create field" saving={create.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}

/** Edits what may change after a field exists: its label, its options (select fields) and whether it is required. */
function EditFieldModal({ field, onClose }: { field: CustomField; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [label, setLabel] = useState(field.label);
  const [fieldOptions, setFieldOptions] = useState<string[]>(field.options);
  const [required, setRequired] = useState(field.required);
  const save = useMutation({
    mutationFn: () =>
      api.patch<CustomField>(`/custom-fields/${field.id}`, { label: label.trim(), required, ...(field.type === 'select' && { options: fieldOptions }) }),
    // The form shows its errors (a removed option still in use) at the field.
    meta: { showsItsErrors: true },
    onSuccess: (saved) => {
      queryClient.invalidateQueries({ queryKey: customFieldsKey });
      notifications.show({ color: 'teal', message: `Saved ${saved.label}` });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={`Edit ${field.label}`} size="md">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            <Code>custom.{field.key}</Code> on {field.entity === 'account' ? 'accounts' : 'contacts'}, {humanize(field.type)}: the key and type stay.
          </Text>
          <TextInput label="Label" required value={label} onChange={(e) => setLabel(e.currentTarget.value)} error={errors.label} data-autofocus />
          {field.type === 'select' && (
            <TagsInput
              label="Options"
              description="Press Enter after each; an option records still hold cannot be removed"
              required
              value={fieldOptions}
              onChange={setFieldOptions}
              error={errors.options}
            />
          )}
          <Checkbox
            label="Required on every write"
            description={required && !field.required ? 'Records without a value must get one the next time their custom attributes are edited.' : undefined}
            checked={required}
            onChange={(e) => setRequired(e.currentTarget.checked)}
          />
          {save.isError && Object.keys(errors).length === 0 && <ErrorAlert error={save.error} title="Could not save the field" />}
          <FormActions submitLabel="Save field" saving={save.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}

export function CustomFieldsPage() {
  const fields = useCustomFields();
  const me = useMe();
  const admin = isAdmin(me.data);
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<CustomField | null>(null);
  const [editing, setEditing] = useState<CustomField | null>(null);
  const remove = useMutation({
    mutationFn: (field: CustomField) => api.delete(`/custom-fields/${field.id}`),
    onSuccess: (_, field) => {
      queryClient.invalidateQueries({ queryKey: customFieldsKey });
      notifications.show({ color: 'teal', message: `Deleted ${field.label}` });
      setDeleting(null);
    },
  });

  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Custom fields
          </Title>
          {admin && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
              New field
            </Button>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          Typed attributes on accounts and contacts; values are checked on every write and can be used in segments.
        </Text>
        {fields.isPending && (
          <Center py="md">
            <Loader size="sm" aria-label="Loading custom fields" />
          </Center>
        )}
        {fields.isError && <ErrorAlert error={fields.error} title="Could not load custom fields" />}
        {fields.data && fields.data.length === 0 && (
          <Text size="sm" c="dimmed">
            No custom fields yet.
          </Text>
        )}
        {fields.data && fields.data.length > 0 && (
          <Table.ScrollContainer className="phone-fit" minWidth={620}>
            <Table verticalSpacing="sm" aria-label="Custom fields">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Label</Table.Th>
                  <Table.Th visibleFrom="sm">Key</Table.Th>
                  <Table.Th visibleFrom="sm">Applies to</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th visibleFrom="sm">Required</Table.Th>
                  {admin && <Table.Th>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {fields.data.map((field) => (
                  <Table.Tr key={field.id}>
                    <Table.Td fw={500}>{field.label}</Table.Td>
                    <Table.Td visibleFrom="sm">
                      <Code>{field.key}</Code>
                    </Table.Td>
                    <Table.Td visibleFrom="sm">{field.entity === 'account' ? 'Accounts' : 'Contacts'}</Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="light">
                        {humanize(field.type)}
                      </Badge>
                      {field.type === 'select' && (
                        <Text size="xs" c="dimmed" mt={2}>
                          {field.options.join(', ')}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td visibleFrom="sm">{field.required ? 'Yes' : 'No'}</Table.Td>
                    {admin && (
                      <Table.Td>
                        <Group gap={4} wrap="nowrap">
                          <ActionIcon variant="subtle" onClick={() => setEditing(field)} aria-label={`Edit ${field.label}`}>
                            <IconPencil size={16} aria-hidden />
                          </ActionIcon>
                          <ActionIcon variant="subtle" color="red" onClick={() => setDeleting(field)} aria-label={`Delete ${field.label}`}>
                            <IconTrash size={16} aria-hidden />
                          </ActionIcon>
                        </Group>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      {creating && <CreateFieldModal onClose={() => setCreating(false)} />}
      {editing && <EditFieldModal field={editing} onClose={() => setEditing(null)} />}
      {deleting && (
        <ConfirmModal
          title="Delete custom field?"
          confirmLabel="Delete field"
          loading={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onClose={() => setDeleting(null)}
        >
          Delete <b>{deleting.label}</b> (<Code>{deleting.key}</Code>)? Segments that filter on it will need editing.
        </ConfirmModal>
      )}
    </Paper>
  );
}
