import { Anchor, Code, List, Stack, Text } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { ImportType } from '../../../src/modules/imports/imports.schema.ts';

const c = (name: string) => <Code>{name}</Code>;

// A short summary of what the import reads (docs/import.md has the whole story, which is not reachable offline).
const columns: Record<ImportType, ReactNode[]> = {
  accounts: [
    <>
      Required: {c('name')} and {c('external_id')} (your id for the account: importing again updates the accounts it names).
    </>,
    <>
      Also read: {c('domain')}, {c('industry')}, {c('region')}, {c('employee_band')} (or a number of employees), {c('offerings')} and {c('tags')} (separated by
      semicolons), {c('phase')}, {c('touch_model')}, {c('buying_culture')}, {c('target_digital_type')}, {c('csm')} (a member’s email or name).
    </>,
  ],
  contacts: [
    <>Required: {c('email')} (importing again updates the contact with that address).</>,
    <>
      The account: {c('account_external_id')} or {c('account_name')}. Also read: {c('name')} (or {c('first_name')} and {c('last_name')}), {c('title')},{' '}
      {c('phone')}, {c('persona')} (executive_sponsor, champion, admin, end_user, buyer, other), {c('left_at')} (YYYY-MM-DD, for someone who left).
    </>,
    <>{c('consent_lists')}: the keys of the lists each contact agreed to, separated by semicolons. Accepted only with a proof of consent (below).</>,
  ],
  contracts: [
    <>
      One row per line item, grouped by {c('contract_external_id')}. Required: the account ({c('account_external_id')} or {c('account_name')}), {c('name')},{' '}
      {c('start_date')}, {c('end_date')}, and per line item {c('offering')}, {c('quantity')}, {c('unit_price')} (per year for recurring items).
    </>,
    <>
      Also read: {c('status')}, {c('renewal_date')}, {c('auto_renew')}, {c('currency')}, {c('services')} (separated by semicolons), {c('support_entitlement')},{' '}
      {c('billing')} (recurring or one_off), {c('renewable')}.
    </>,
  ],
};

/** What a file of this type should hold, and the current data as a template. */
export function ImportColumns({ type }: { type: ImportType }) {
  return (
    <Stack gap={6}>
      <List size="sm" spacing={4}>
        {columns[type].map((item, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list that never reorders
          <List.Item key={i}>{item}</List.Item>
        ))}
        {type !== 'contracts' && (
          <List.Item>
            {c('custom.<key>')} or a custom field’s key fills that custom field. Salesforce and HubSpot export headers are recognised; other columns are ignored
            with a warning.
          </List.Item>
        )}
      </List>
      <Text size="sm">
        <Anchor href={`/api/v1/exports/${type}.csv`} download={`${type}.csv`} inline>
          <IconDownload size={14} aria-hidden style={{ verticalAlign: '-2px', marginRight: 4 }} />
          Download the current {type} as CSV
        </Anchor>{' '}
        <Text span c="dimmed" size="sm">
          (a template: the same file imports back unchanged)
        </Text>
      </Text>
    </Stack>
  );
}
