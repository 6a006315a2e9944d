import { Button, Collapse, Group, MultiSelect, Paper, Select, SimpleGrid, TextInput } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { IconAdjustmentsHorizontal, IconSearch, IconX } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { AccountList } from '../../../src/modules/accounts/accounts.schema.ts';
import { buyingCultures, digitalTypes, lifecyclePhases, touchModels } from '../../../src/modules/accounts/accounts.schema.ts';
import { options } from '../../ui/format.ts';
import { api } from '../api-client.ts';
import { useSegments } from '../segments/use-segments.ts';
import { type AccountListParams, activeFilterCount, type ListFilterKey } from './account-list-params.ts';

/** Region and industry are free text: offer the values in use (from up to 500 accounts) plus any already chosen. */
function useFacetValues() {
  return useQuery({
    queryKey: ['accounts', 'facets'],
    queryFn: () => api.get<AccountList>('/accounts', { limit: 500, sort: 'name' }),
    staleTime: 5 * 60_000,
    select: (page) => ({
      region: [...new Set(page.items.map((a) => a.region).filter((v): v is string => Boolean(v)))].sort(),
      industry: [...new Set(page.items.map((a) => a.industry).filter((v): v is string => Boolean(v)))].sort(),
      phase: [...new Set(page.items.map((a) => a.phase))],
    }),
  });
}

const withSelected = (values: readonly string[], selected: string[]) => options([...new Set([...values, ...selected])]);

interface AccountFiltersProps {
  params: AccountListParams;
  onChange: (next: Partial<AccountListParams>, replace?: boolean) => void;
  compact: boolean;
}

export function AccountFilters({ params, onChange, compact }: AccountFiltersProps) {
  const segments = useSegments();
  const facets = useFacetValues();
  const [search, setSearch] = useState(params.q);
  const [debounced] = useDebouncedValue(search, 300);
  const [open, { toggle }] = useDisclosure(!compact || activeFilterCount(params) > 0);

  // Typing updates the URL (and so the query) once the member pauses.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new debounced value should write the URL
  useEffect(() => {
    if (debounced.trim() !== params.q) onChange({ q: debounced.trim() }, true);
  }, [debounced]);
  // A cleared filter set (or back/forward) resets the box.
  // biome-ignore lint/correctness/useExhaustiveDependencies: follow the URL only
  useEffect(() => {
    if (params.q !== search.trim()) setSearch(params.q);
  }, [params.q]);

  const setFilter = (key: ListFilterKey) => (values: string[]) => onChange({ filters: { ...params.filters, [key]: values } });
  const phaseValues = useMemo(() => [...new Set([...lifecyclePhases, ...(facets.data?.phase ?? [])])], [facets.data]);
  const active = activeFilterCount(params);

  const multi = (key: ListFilterKey, label: string, values: readonly string[]) => (
    <MultiSelect
      label={label}
      placeholder={params.filters[key].length ? undefined : 'Any'}
      data={withSelected(values, params.filters[key])}
      value={params.filters[key]}
      onChange={setFilter(key)}
      searchable
      clearable
      comboboxProps={{ withinPortal: true }}
    />
  );

  return (
    <Paper withBorder p="md" mb="md" component="section" aria-label="Search and filters">
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput
          label="Search"
          placeholder="Name, domain or external id"
          leftSection={<IconSearch size={16} aria-hidden />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          style={{ flex: '1 1 220px' }}
          type="search"
        />
        <Select
          label="Segment"
          placeholder="All accounts"
          data={(segments.data ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.count})` }))}
          value={params.segment}
          onChange={(value) => onChange({ segment: value })}
          clearable
          searchable
          style={{ flex: '1 1 200px' }}
          nothingFoundMessage="No segments"
        />
        <Button
          variant={open ? 'light' : 'default'}
          leftSection={<IconAdjustmentsHorizontal size={16} aria-hidden />}
          onClick={toggle}
          aria-expanded={open}
          aria-controls="account-filters"
        >
          Filters{active > 0 ? ` (${active})` : ''}
        </Button>
        {active > 0 && (
          <Button
            variant="subtle"
            color="gray"
            leftSection={<IconX size={16} aria-hidden />}
            onClick={() =>
              onChange({ segment: null, filters: { touchModel: [], buyingCulture: [], targetDigitalType: [], region: [], industry: [], phase: [] } })
            }
          >
            Clear
          </Button>
        )}
      </Group>
      <Collapse expanded={open} id="account-filters">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm" mt="md">
          {multi('touchModel', 'Touch model', touchModels)}
          {multi('buyingCulture', 'Buying culture', buyingCultures)}
          {multi('targetDigitalType', 'Target digital type', digitalTypes)}
          {multi('region', 'Region', facets.data?.region ?? [])}
          {multi('industry', 'Industry', facets.data?.industry ?? [])}
          {multi('phase', 'Phase', phaseValues)}
        </SimpleGrid>
      </Collapse>
    </Paper>
  );
}
