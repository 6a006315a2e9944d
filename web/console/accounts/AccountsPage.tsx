import { Box, Button, Center, Group, Loader, Paper, Select, Stack, Text } from '@mantine/core';
import { IconDownload, IconUpload } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { AccountList } from '../../../src/modules/accounts/accounts.schema.ts';
import { CursorPager } from '../../ui/CursorPager.tsx';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { usePhone } from '../../ui/use-phone.ts';
import { api } from '../api-client.ts';
import { canWrite, useMe } from '../use-me.ts';
import { AccountCards } from './AccountCards.tsx';
import { AccountFilters } from './AccountFilters.tsx';
import { AccountsTable } from './AccountsTable.tsx';
import { type AccountListParams, apiQuery, pageSizes, readListParams, writeListParams } from './account-list-params.ts';
import { BulkActionModal } from './BulkActionModal.tsx';

// Phones have no column headers to click: the same sorts as a select.
const sortChoices = [
  { value: 'name', label: 'Name (A–Z)' },
  { value: '-name', label: 'Name (Z–A)' },
  { value: '-arr', label: 'ARR (highest)' },
  { value: 'arr', label: 'ARR (lowest)' },
  { value: 'next_renewal_date', label: 'Renewal (soonest)' },
  { value: '-next_renewal_date', label: 'Renewal (latest)' },
  { value: '-updated_at', label: 'Recently updated' },
  { value: 'updated_at', label: 'Least recently updated' },
];

export function AccountsPage() {
  const [search, setSearch] = useSearchParams();
  const params = useMemo(() => readListParams(search), [search]);
  const viewKey = writeListParams(params).toString();
  const phone = usePhone();
  const me = useMe();

  // Cursor paging: the stack holds the cursor of every page after the first; a new view starts over.
  const [paging, setPaging] = useState<{ view: string; cursors: string[] }>({ view: viewKey, cursors: [] });
  const cursors = paging.view === viewKey ? paging.cursors : [];
  const cursor = cursors.at(-1);

  const list = useQuery({
    queryKey: ['accounts', 'list', viewKey, cursor ?? null],
    queryFn: () => api.get<AccountList>('/accounts', apiQuery(params, cursor)),
    placeholderData: keepPreviousData,
  });

  // Filter and sort changes are history entries (Back undoes them); typing in the search box replaces the entry.
  const update = (next: Partial<AccountListParams>, replace = false) => setSearch(writeListParams({ ...params, ...next }), { replace });

  // Selected accounts (kept across pages and filters until cleared) for a bulk action.
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, setBulk] = useState(false);
  const select = (ids: string[], on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  const writer = canWrite(me.data);
  const exportQuery = new URLSearchParams(
    Object.entries(apiQuery(params, undefined)).flatMap(([k, v]) =>
      v === undefined || k === 'cursor' || k === 'limit' ? [] : [[k, Array.isArray(v) ? v.join(',') : String(v)] as [string, string]],
    ),
  ).toString();

  const page = list.data;
  const from = page && page.items.length > 0 ? cursors.length * params.limit + 1 : 0;
  const to = page ? cursors.length * params.limit + page.items.length : 0;

  return (
    <Stack gap={0}>
      <PageHeader
        title="Accounts"
        description="Every customer organisation in this workspace."
        actions={
          <>
            {writer && (
              <Button component={Link} to="/accounts/import" variant="default" leftSection={<IconUpload size={16} aria-hidden />}>
                Import
              </Button>
            )}
            <Button
              component="a"
              href={`/api/v1/exports/accounts.csv?${exportQuery}`}
              download
              variant="default"
              leftSection={<IconDownload size={16} aria-hidden />}
            >
              Export CSV
            </Button>
          </>
        }
      />
      <AccountFilters params={params} onChange={update} compact={phone} />
      {list.isError && <ErrorAlert error={list.error} title="Could not load accounts" />}
      {list.isPending && (
        <Center py="xl">
          <Loader aria-label="Loading accounts" />
        </Center>
      )}
      {page && (
        <Box aria-busy={list.isFetching} style={{ opacity: list.isPlaceholderData ? 0.6 : 1, transition: 'opacity 120ms' }}>
          <Group justify="space-between" align="flex-end" mb="xs">
            <Group gap="sm">
              <Text size="sm" fw={600} data-testid="accounts-total" aria-live="polite">
                {page.total.toLocaleString('en-US')} {page.total === 1 ? 'account' : 'accounts'}
              </Text>
              {selected.size > 0 && (
                <>
                  <Text size="sm" data-testid="accounts-selected">
                    {selected.size} selected
                  </Text>
                  <Button size="xs" onClick={() => setBulk(true)}>
                    Change selected
                  </Button>
                  <Button size="xs" variant="subtle" onClick={() => setSelected(new Set())}>
                    Clear selection
                  </Button>
                </>
              )}
            </Group>
            {phone && (
              <Select
                label="Sort by"
                size="xs"
                data={sortChoices}
                value={params.sort}
                onChange={(sort) => sort && update({ sort: sort as AccountListParams['sort'] })}
                allowDeselect={false}
                w={180}
              />
            )}
          </Group>
          {page.items.length === 0 ? (
            <Paper withBorder p="xl">
              <Text ta="center" c="dimmed">
                No accounts match this search and these filters.
              </Text>
            </Paper>
          ) : phone ? (
            <AccountCards items={page.items} />
          ) : (
            <Paper withBorder>
              <AccountsTable
                items={page.items}
                sort={params.sort}
                onSort={(sort) => update({ sort: sort as AccountListParams['sort'] })}
                selection={writer ? { selected, onChange: select } : undefined}
              />
            </Paper>
          )}
          <CursorPager
            from={from}
            to={to}
            total={page.total}
            noun="accounts"
            hasPrevious={cursors.length > 0}
            hasNext={Boolean(page.nextCursor) && !list.isPlaceholderData}
            onPrevious={() => setPaging({ view: viewKey, cursors: cursors.slice(0, -1) })}
            onNext={() => page.nextCursor && setPaging({ view: viewKey, cursors: [...cursors, page.nextCursor] })}
            pageSize={params.limit}
            pageSizes={pageSizes}
            onPageSize={(limit) => update({ limit })}
          />
        </Box>
      )}
      {bulk && (
        <BulkActionModal
          ids={[...selected]}
          onClose={() => setBulk(false)}
          onDone={() => {
            setBulk(false);
            setSelected(new Set());
          }}
        />
      )}
    </Stack>
  );
}
