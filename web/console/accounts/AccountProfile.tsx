import { Button, Divider, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPencil } from '@tabler/icons-react';
import type { AccountView as Account } from '../../../src/modules/accounts/accounts.schema.ts';
import { DefinitionList } from '../../ui/DefinitionList.tsx';
import { formatDate, formatDateTime, formatMoney, humanize } from '../../ui/format.ts';
import { useCustomFields } from '../settings/use-custom-fields.ts';
import { canWrite, useMe } from '../use-me.ts';
import { AccountEditModal } from './AccountEditModal.tsx';
import { formatCustomValue } from './CustomFieldInput.tsx';

const list = (values: string[]) => (values.length > 0 ? values.join(', ') : null);

export function AccountProfile({ account }: { account: Account }) {
  const [editing, { open, close }] = useDisclosure(false);
  const fields = useCustomFields('account');
  const me = useMe();
  const defined = fields.data ?? [];
  // Values whose definition was deleted are still shown, under their key.
  const orphanKeys = Object.keys(account.custom).filter((key) => !defined.some((f) => f.key === key));

  return (
    <Paper withBorder p="lg">
      <Stack gap="lg">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Profile data
          </Title>
          {canWrite(me.data) && (
            <Button variant="light" leftSection={<IconPencil size={16} aria-hidden />} onClick={open}>
              Edit profile
            </Button>
          )}
        </Group>
        <DefinitionList
          items={[
            { label: 'Name', value: account.name },
            { label: 'Domain', value: account.domain },
            { label: 'External id', value: account.externalId },
            { label: 'Industry', value: account.industry },
            { label: 'Region', value: account.region },
            { label: 'Employees', value: account.employeeBand },
            { label: 'Phase', value: humanize(account.phase) },
            { label: 'Touch model', value: account.touchModel && humanize(account.touchModel) },
            { label: 'Buying culture', value: account.buyingCulture && humanize(account.buyingCulture) },
            { label: 'Target digital type', value: account.targetDigitalType && humanize(account.targetDigitalType) },
            { label: 'ARR', value: formatMoney(account.arr) },
            { label: 'Next renewal', value: formatDate(account.nextRenewalDate) },
            { label: 'Offerings', value: list(account.offerings) },
            { label: 'Tags', value: list(account.tags) },
            { label: 'Created', value: formatDateTime(account.createdAt) },
            { label: 'Updated', value: formatDateTime(account.updatedAt) },
          ]}
        />
        <Divider />
        <Stack gap="sm">
          <Title order={3} size="h4">
            Custom attributes
          </Title>
          {defined.length === 0 && orphanKeys.length === 0 ? (
            <Text size="sm" c="dimmed">
              This workspace has no custom account fields. Admins define them under Settings › Custom fields.
            </Text>
          ) : (
            <DefinitionList
              items={[
                ...defined.map((field) => ({ label: field.label, value: formatCustomValue(field, account.custom[field.key]) })),
                ...orphanKeys.map((key) => ({ label: key, value: formatCustomValue(undefined, account.custom[key]) })),
              ]}
            />
          )}
        </Stack>
      </Stack>
      {editing && <AccountEditModal account={account} fields={defined} onClose={close} />}
    </Paper>
  );
}
