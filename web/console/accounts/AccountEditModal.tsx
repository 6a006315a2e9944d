import { Autocomplete, Divider, Modal, Select, SimpleGrid, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { AccountView as Account, AccountUpdate } from '../../../src/modules/accounts/accounts.schema.ts';
import { buyingCultures, digitalTypes, employeeBands, lifecyclePhases, touchModels } from '../../../src/modules/accounts/accounts.schema.ts';
import type { CustomFieldView as CustomField } from '../../../src/modules/customfields/customfields.schema.ts';
import { FormActions } from '../../ui/FormActions.tsx';
import { options } from '../../ui/format.ts';
import { api, fieldErrors } from '../api-client.ts';
import { CustomFieldInput } from './CustomFieldInput.tsx';
import { accountKey } from './use-account.ts';

interface AccountEditModalProps {
  account: Account;
  fields: CustomField[];
  onClose: () => void;
}

type Form = Required<Omit<AccountUpdate, 'team'>>;

function initialForm(account: Account): Form {
  return {
    name: account.name,
    externalId: account.externalId,
    domain: account.domain,
    industry: account.industry,
    region: account.region,
    employeeBand: account.employeeBand,
    offerings: account.offerings,
    tags: account.tags,
    buyingCulture: account.buyingCulture,
    touchModel: account.touchModel,
    targetDigitalType: account.targetDigitalType,
    phase: account.phase,
    custom: { ...account.custom },
  };
}

/** Edits every profile field and custom attribute; the API's field errors show under the inputs. */
export function AccountEditModal({ account, fields, onClose }: AccountEditModalProps) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<Form>(() => initialForm(account));
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));

  const save = useMutation({
    mutationFn: () => {
      // Only send custom keys that have a definition; cleared ones go as null.
      const custom = Object.fromEntries(fields.map((f) => [f.key, form.custom[f.key] ?? null]));
      return api.patch<Account>(`/accounts/${account.id}`, { ...form, custom });
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(accountKey(account.id), updated);
      queryClient.invalidateQueries({ queryKey: ['accounts', 'list'] });
      notifications.show({ color: 'teal', message: `Saved ${updated.name}` });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const text = (value: string) => (value === '' ? null : value);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <Modal opened onClose={onClose} title={`Edit ${account.name}`} size="xl" fullScreen={window.innerWidth < 576}>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            <TextInput label="Name" required value={form.name} onChange={(e) => set('name', e.currentTarget.value)} error={errors.name} />
            <TextInput label="Domain" value={form.domain ?? ''} onChange={(e) => set('domain', text(e.currentTarget.value))} error={errors.domain} />
            <TextInput
              label="External id"
              value={form.externalId ?? ''}
              onChange={(e) => set('externalId', text(e.currentTarget.value))}
              error={errors.externalId}
            />
            <TextInput label="Industry" value={form.industry ?? ''} onChange={(e) => set('industry', text(e.currentTarget.value))} error={errors.industry} />
            <TextInput label="Region" value={form.region ?? ''} onChange={(e) => set('region', text(e.currentTarget.value))} error={errors.region} />
            <Select
              label="Employees"
              data={[...employeeBands]}
              value={form.employeeBand}
              onChange={(v) => set('employeeBand', v)}
              clearable
              error={errors.employeeBand}
            />
            <Autocomplete
              label="Phase"
              description="onboarding, ongoing, renewal or your own phase key"
              data={[...lifecyclePhases]}
              value={form.phase}
              onChange={(v) => set('phase', v)}
              error={errors.phase}
            />
            <Select
              label="Touch model"
              data={options(touchModels)}
              value={form.touchModel}
              onChange={(v) => set('touchModel', v as Form['touchModel'])}
              clearable
              error={errors.touchModel}
            />
            <Select
              label="Buying culture"
              data={options(buyingCultures)}
              value={form.buyingCulture}
              onChange={(v) => set('buyingCulture', v as Form['buyingCulture'])}
              clearable
              error={errors.buyingCulture}
            />
            <Select
              label="Target digital type"
              data={options(digitalTypes)}
              value={form.targetDigitalType}
              onChange={(v) => set('targetDigitalType', v as Form['targetDigitalType'])}
              clearable
              error={errors.targetDigitalType}
            />
            <TagsInput
              label="Offerings"
              description="Press Enter after each"
              value={form.offerings}
              onChange={(v) => set('offerings', v)}
              error={errors.offerings}
            />
            <TagsInput label="Tags" description="Press Enter after each" value={form.tags} onChange={(v) => set('tags', v)} error={errors.tags} />
          </SimpleGrid>
          {fields.length > 0 && (
            <>
              <Divider label="Custom attributes" labelPosition="left" />
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                {fields.map((field) => (
                  <CustomFieldInput
                    key={field.id}
                    field={field}
                    value={form.custom[field.key]}
                    error={errors[`custom.${field.key}`]}
                    onChange={(value) => set('custom', { ...form.custom, [field.key]: value })}
                  />
                ))}
              </SimpleGrid>
            </>
          )}
          {save.isError && Object.keys(errors).length > 0 && (
            <Text c="red" size="sm" role="alert">
              Fix the highlighted fields and save again.
            </Text>
          )}
          <FormActions submitLabel="Save" saving={save.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}
