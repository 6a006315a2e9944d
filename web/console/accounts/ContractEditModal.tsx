import { ActionIcon, Button, Checkbox, Group, Modal, NumberInput, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ContractView as Contract, LineItemView as LineItem } from '../../../src/modules/contracts/contracts.schema.ts';
import { type Billing, billingKinds, contractStatuses } from '../../../src/modules/contracts/contracts.schema.ts';
import { FormActions } from '../../ui/FormActions.tsx';
import { formatMoney, options } from '../../ui/format.ts';
import { usePhone } from '../../ui/use-phone.ts';
import { api, fieldErrors } from '../api-client.ts';
import { timelineKey } from './AccountTimeline.tsx';
import { accountKey } from './use-account.ts';

/** One year later, same day (29 Feb becomes 1 Mar). */
const nextYear = (date: string) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.toISOString().slice(0, 10);
};

type Line = { offering: string; quantity: number | string; unitPrice: number | string; billing: Billing };
const recurringTotal = (lines: Line[]) =>
  lines.filter((l) => l.billing === 'recurring').reduce((sum, l) => sum + Number(l.quantity || 0) * Number(l.unitPrice || 0), 0);

/**
 * Records a new contract for the account, or edits one: term, status and bill of materials. Renewals, expansions, contractions, endings and renewal-date
 * changes are recorded on the account by the server (docs/events.md).
 */
export function ContractEditModal({ contract, accountId, onClose }: { contract?: Contract; accountId: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const phone = usePhone();
  const currency = contract?.currency ?? 'USD';
  const today = new Date().toISOString().slice(0, 10);
  const [form, setForm] = useState({
    name: contract?.name ?? '',
    status: contract?.status ?? ('active' as Contract['status']),
    startDate: contract?.startDate ?? today,
    endDate: contract?.endDate ?? nextYear(today),
    renewalDate: contract?.renewalDate ?? '',
    autoRenew: contract?.autoRenew ?? false,
  });
  const [lines, setLines] = useState<Line[]>(
    contract?.lineItems.map(({ offering, quantity, unitPrice, billing }) => ({ offering, quantity, unitPrice, billing })) ?? [
      { offering: '', quantity: 1, unitPrice: 0, billing: 'recurring' },
    ],
  );
  const save = useMutation({
    mutationFn: () => {
      const body = {
        ...form,
        renewalDate: form.renewalDate || null,
        // Renewable defaults by billing on the server; an unchanged line keeps what it had.
        lineItems: lines.map((l, i) => {
          const before = contract?.lineItems[i];
          const same = before && before.offering === l.offering && before.billing === l.billing;
          return { ...l, quantity: Number(l.quantity), unitPrice: Number(l.unitPrice), ...(same && { renewable: before.renewable }) };
        }),
      };
      return contract ? api.patch<Contract>(`/contracts/${contract.id}`, body) : api.post<Contract>('/contracts', { ...body, accountId });
    },
    onSuccess: (updated) => {
      queryClient.invalidateQueries({ queryKey: ['contracts', 'account', updated.accountId] });
      queryClient.invalidateQueries({ queryKey: accountKey(updated.accountId) });
      queryClient.invalidateQueries({ queryKey: timelineKey(updated.accountId) });
      notifications.show({ color: 'teal', message: `${updated.name} saved: ${formatMoney(updated.arr, currency)} ARR` });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const lineError = (i: number, field: keyof LineItem) => errors[`lineItems.${i}.${field}`];
  const setLine = (i: number, patch: Partial<Line>) => setLines((ls) => ls.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  const renewForAYear = () =>
    setForm((f) => ({ ...f, status: 'active', endDate: nextYear(f.endDate), renewalDate: f.renewalDate ? nextYear(f.renewalDate) : '' }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const arr = recurringTotal(lines);

  return (
    <Modal opened onClose={onClose} title={contract ? `Edit ${contract.name}` : 'New contract'} size="xl" fullScreen={phone}>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Group grow align="flex-start" wrap={phone ? 'wrap' : 'nowrap'}>
            <TextInput label="Name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={errors.name} />
            <Select
              label="Status"
              data={options(contractStatuses)}
              value={form.status}
              onChange={(value) => value && setForm({ ...form, status: value as Contract['status'] })}
              allowDeselect={false}
              error={errors.status}
            />
          </Group>
          <Group grow align="flex-start" wrap={phone ? 'wrap' : 'nowrap'}>
            <TextInput
              type="date"
              label="Start"
              value={form.startDate}
              onChange={(e) => setForm({ ...form, startDate: e.currentTarget.value })}
              error={errors.startDate}
            />
            <TextInput
              type="date"
              label="End"
              value={form.endDate}
              onChange={(e) => setForm({ ...form, endDate: e.currentTarget.value })}
              error={errors.endDate}
            />
            <TextInput
              type="date"
              label="Renewal date"
              value={form.renewalDate}
              onChange={(e) => setForm({ ...form, renewalDate: e.currentTarget.value })}
              error={errors.renewalDate}
            />
          </Group>
          <Group justify="space-between">
            <Checkbox label="Renews automatically" checked={form.autoRenew} onChange={(e) => setForm({ ...form, autoRenew: e.currentTarget.checked })} />
            <Button variant="light" size="xs" onClick={renewForAYear}>
              Renew for a year
            </Button>
          </Group>
          <Stack gap="xs">
            <Text fw={600} size="sm">
              Bill of materials
            </Text>
            <Table.ScrollContainer minWidth={560}>
              <Table verticalSpacing={4} aria-label="Line items">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Offering</Table.Th>
                    <Table.Th>Quantity</Table.Th>
                    <Table.Th>Unit price ({currency})</Table.Th>
                    <Table.Th>Billing</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {lines.map((line, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: a line item's position is its identity (as in the API)
                    <Table.Tr key={i}>
                      <Table.Td>
                        <TextInput
                          aria-label={`Offering of line ${i + 1}`}
                          value={line.offering}
                          onChange={(e) => setLine(i, { offering: e.currentTarget.value })}
                          error={lineError(i, 'offering')}
                        />
                      </Table.Td>
                      <Table.Td>
                        <NumberInput
                          aria-label={`Quantity of line ${i + 1}`}
                          value={line.quantity}
                          min={0}
                          onChange={(value) => setLine(i, { quantity: value })}
                          error={lineError(i, 'quantity')}
                        />
                      </Table.Td>
                      <Table.Td>
                        <NumberInput
                          aria-label={`Unit price of line ${i + 1}`}
                          value={line.unitPrice}
                          min={0}
                          decimalScale={2}
                          thousandSeparator=","
                          onChange={(value) => setLine(i, { unitPrice: value })}
                          error={lineError(i, 'unitPrice')}
                        />
                      </Table.Td>
                      <Table.Td>
                        <Select
                          aria-label={`Billing of line ${i + 1}`}
                          data={billingKinds.map((b) => ({ value: b, label: b === 'one_off' ? 'One-off' : 'Recurring' }))}
                          value={line.billing}
                          onChange={(value) => value && setLine(i, { billing: value as Billing })}
                          allowDeselect={false}
                        />
                      </Table.Td>
                      <Table.Td>
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          aria-label={`Remove line ${i + 1}`}
                          onClick={() => setLines((ls) => ls.filter((_, j) => j !== i))}
                        >
                          <IconTrash size={16} aria-hidden />
                        </ActionIcon>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Group justify="space-between">
              <Button
                variant="subtle"
                size="xs"
                leftSection={<IconPlus size={14} aria-hidden />}
                onClick={() => setLines((ls) => [...ls, { offering: '', quantity: 1, unitPrice: 0, billing: 'recurring' }])}
              >
                Add a line
              </Button>
              <Text size="sm" fw={600} data-testid="contract-arr-preview">
                {formatMoney(arr, currency)} ARR{contract && arr !== contract.arr && ` (was ${formatMoney(contract.arr, currency)})`}
              </Text>
            </Group>
          </Stack>
          <FormActions submitLabel={contract ? 'Save contract' : 'Add contract'} saving={save.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}
