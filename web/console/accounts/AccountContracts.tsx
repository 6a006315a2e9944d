import { Badge, Button, Card, Center, Group, Loader, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { IconPencil, IconPlus } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import type { ContractView as Contract, ContractList } from '../../../src/modules/contracts/contracts.schema.ts';
import { DefinitionList } from '../../ui/DefinitionList.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDate, formatMoney, humanize } from '../../ui/format.ts';
import { usePhone } from '../../ui/use-phone.ts';
import { api } from '../api-client.ts';
import { canWrite, useMe } from '../use-me.ts';
import { ContractEditModal } from './ContractEditModal.tsx';

const statusColor: Record<Contract['status'], string> = { active: 'teal', draft: 'gray', expired: 'red', cancelled: 'dark' };

function daysUntil(date: string | null): string | null {
  if (!date) return null;
  const days = Math.round((Date.parse(`${date}T00:00:00Z`) - Date.now()) / 86_400_000);
  if (days === 0) return 'today';
  return days > 0 ? `in ${days} day${days === 1 ? '' : 's'}` : `${-days} day${days === -1 ? '' : 's'} ago`;
}

/** A wide bill of materials scrolls sideways on its own; on a phone it has only its key columns and needs no scrolling. */
function BillScroll({ phone, children }: { phone: boolean; children: ReactNode }) {
  return phone ? children : <Table.ScrollContainer minWidth={560}>{children}</Table.ScrollContainer>;
}

function ContractCard({ contract, onEdit }: { contract: Contract; onEdit?: (contract: Contract) => void }) {
  const currency = contract.currency;
  const renewal = daysUntil(contract.renewalDate);
  // On a phone the bill of materials keeps its key columns (offering, quantity, total) and fits the screen.
  const phone = usePhone();
  return (
    <Card withBorder padding="lg" component="article" data-testid="contract">
      <Stack gap="md">
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Title order={3} size="h4">
              {contract.name}
            </Title>
            <Text size="sm" c="dimmed">
              {formatDate(contract.startDate)} – {formatDate(contract.endDate)}
            </Text>
          </Stack>
          <Group gap="xs">
            <Badge color={statusColor[contract.status] ?? 'gray'} variant="light">
              {humanize(contract.status)}
            </Badge>
            <Text fw={700}>{formatMoney(contract.arr, currency)} ARR</Text>
            {onEdit && (
              <Button
                variant="default"
                size="xs"
                leftSection={<IconPencil size={14} aria-hidden />}
                onClick={() => onEdit(contract)}
                aria-label={`Edit ${contract.name}`}
              >
                Edit
              </Button>
            )}
          </Group>
        </Group>
        <DefinitionList
          cols={{ base: 1, xs: 2, md: 4 }}
          items={[
            { label: 'Renewal date', value: contract.renewalDate ? `${formatDate(contract.renewalDate)}${renewal ? ` (${renewal})` : ''}` : null },
            { label: 'Auto-renew', value: contract.autoRenew ? 'Yes' : 'No' },
            { label: 'Support entitlement', value: contract.supportEntitlement },
            { label: 'Services', value: contract.services.length > 0 ? contract.services.join(', ') : null },
          ]}
        />
        <Stack gap="xs">
          <Text fw={600} size="sm" component="h4" m={0}>
            Bill of materials
          </Text>
          {contract.lineItems.length === 0 ? (
            <Text size="sm" c="dimmed">
              No line items.
            </Text>
          ) : (
            <BillScroll phone={phone}>
              <Table verticalSpacing="xs" withTableBorder aria-label={`Bill of materials of ${contract.name}`}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Offering</Table.Th>
                    <Table.Th ta="right">Quantity</Table.Th>
                    {!phone && (
                      <>
                        <Table.Th ta="right">Unit price</Table.Th>
                        <Table.Th>Billing</Table.Th>
                        <Table.Th>Renewable</Table.Th>
                      </>
                    )}
                    <Table.Th ta="right">Total</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {contract.lineItems.map((item, index) => (
                    // Line items have no id of their own: their position is their identity.
                    // biome-ignore lint/suspicious/noArrayIndexKey: position is the line item's key in the API too
                    <Table.Tr key={index}>
                      <Table.Td>
                        {item.offering}
                        {phone && item.billing === 'one_off' && (
                          <Text size="xs" c="dimmed">
                            One-off
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td ta="right">{item.quantity.toLocaleString('en-US')}</Table.Td>
                      {!phone && (
                        <>
                          <Table.Td ta="right">{formatMoney(item.unitPrice, currency, true)}</Table.Td>
                          <Table.Td>{item.billing === 'one_off' ? 'One-off' : 'Recurring'}</Table.Td>
                          <Table.Td>{item.renewable ? 'Yes' : 'No'}</Table.Td>
                        </>
                      )}
                      <Table.Td ta="right">{formatMoney(item.quantity * item.unitPrice, currency, true)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </BillScroll>
          )}
        </Stack>
      </Stack>
    </Card>
  );
}

/** What the account bought: each contract's term, renewal and bill of materials. */
export function AccountContracts({ accountId }: { accountId: string }) {
  const me = useMe();
  // undefined: no dialog; null: a new contract.
  const [editing, setEditing] = useState<Contract | null | undefined>(undefined);
  const contracts = useQuery({
    queryKey: ['contracts', 'account', accountId],
    queryFn: () => api.get<ContractList>('/contracts', { accountId }),
  });
  const items = contracts.data?.items ?? [];
  const upcoming = items
    .filter((c) => c.status === 'active' && c.renewalDate)
    .map((c) => c.renewalDate as string)
    .sort()[0];

  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            Contracts
          </Title>
          {canWrite(me.data) && (
            <Button variant="default" size="xs" leftSection={<IconPlus size={14} aria-hidden />} onClick={() => setEditing(null)}>
              New contract
            </Button>
          )}
          {upcoming && (
            <Badge variant="light" color="orange" size="lg" tt="none">
              Next renewal {formatDate(upcoming)} ({daysUntil(upcoming)})
            </Badge>
          )}
        </Group>
        {contracts.isPending && (
          <Center py="md">
            <Loader size="sm" aria-label="Loading contracts" />
          </Center>
        )}
        {contracts.isError && <ErrorAlert error={contracts.error} title="Could not load contracts" />}
        {contracts.data && items.length === 0 && (
          <Text size="sm" c="dimmed">
            No contracts for this account yet.
          </Text>
        )}
        {items.map((contract) => (
          <ContractCard key={contract.id} contract={contract} onEdit={canWrite(me.data) ? setEditing : undefined} />
        ))}
      </Stack>
      {editing !== undefined && <ContractEditModal contract={editing ?? undefined} accountId={accountId} onClose={() => setEditing(undefined)} />}
    </Paper>
  );
}
