import { Anchor, Badge, Breadcrumbs, Center, Group, Loader, Paper, SimpleGrid, Stack, Tabs, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconActivity, IconAddressBook, IconFileInvoice, IconHistory, IconRoute, IconUser, IconUsersGroup } from '@tabler/icons-react';
import { useEffect, useRef } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { AccountView as Account } from '../../../src/modules/accounts/accounts.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDate, formatMoney, humanize } from '../../ui/format.ts';
import { PhaseBadge } from '../../ui/PhaseBadge.tsx';
import { AccountMomentsCard } from '../moments/AccountMomentsCard.tsx';
import { AccountActivity } from './AccountActivity.tsx';
import { AccountContacts } from './AccountContacts.tsx';
import { AccountContracts } from './AccountContracts.tsx';
import { AccountProfile } from './AccountProfile.tsx';
import { AccountTeam } from './AccountTeam.tsx';
import { AccountTimeline } from './AccountTimeline.tsx';
import { useAccount } from './use-account.ts';

const tabs = ['profile', 'activity', 'moments', 'team', 'contacts', 'contracts', 'timeline'] as const;
type Tab = (typeof tabs)[number];

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase">
        {label}
      </Text>
      <Text fw={600} data-testid={testId}>
        {value}
      </Text>
    </Stack>
  );
}

function AccountHeader({ account }: { account: Account }) {
  return (
    <Paper withBorder p="lg" mb="md">
      <Stack gap="md">
        <Group justify="space-between" align="flex-start" gap="sm">
          <Stack gap={4}>
            <Group gap="sm">
              <Title order={1} size="h2">
                {account.name}
              </Title>
              <PhaseBadge phase={account.phase} size="md" />
            </Group>
            {account.domain && (
              <Text c="dimmed" size="sm">
                {account.domain}
              </Text>
            )}
          </Stack>
          {account.tags.length > 0 && (
            <Group gap={4}>
              {account.tags.map((tag) => (
                <Badge key={tag} variant="outline" color="gray" tt="none">
                  {tag}
                </Badge>
              ))}
            </Group>
          )}
        </Group>
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="md">
          <Stat label="ARR" value={formatMoney(account.arr)} testId="account-header-arr" />
          <Stat label="Next renewal" value={formatDate(account.nextRenewalDate)} />
          <Stat label="Touch model" value={humanize(account.touchModel)} />
          <Stat label="Buying culture" value={humanize(account.buyingCulture)} />
          <Stat label="Target digital type" value={humanize(account.targetDigitalType)} />
        </SimpleGrid>
      </Stack>
    </Paper>
  );
}

export function AccountPage() {
  const { id = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const account = useAccount(id);
  useDocumentTitle(account.data ? `${account.data.name} · Momentum` : 'Account · Momentum');
  const tab: Tab = (tabs as readonly string[]).includes(search.get('tab') ?? '') ? (search.get('tab') as Tab) : 'profile';
  const tabList = useRef<HTMLDivElement>(null);
  const loaded = account.data !== undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the chosen tab changes or the tabs first render, on purpose
  useEffect(() => {
    if (loaded) tabList.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [tab, loaded]);

  return (
    <Stack gap={0}>
      <Breadcrumbs mb="sm" aria-label="Breadcrumb">
        <Anchor component={Link} to="/accounts" size="sm">
          Accounts
        </Anchor>
        <Text size="sm" c="dimmed" truncate maw={260}>
          {account.data?.name ?? '…'}
        </Text>
      </Breadcrumbs>
      {account.isPending && (
        <Center py="xl">
          <Loader aria-label="Loading the account" />
        </Center>
      )}
      {account.isError && <ErrorAlert error={account.error} title="Could not load this account" />}
      {account.data && (
        <>
          <AccountHeader account={account.data} />
          <Tabs value={tab} onChange={(value) => setSearch(value && value !== 'profile' ? { tab: value } : {}, { replace: true })} keepMounted={false}>
            {/* Seven tabs do not fit a phone: the strip scrolls sideways by itself (the page does not), the chosen tab kept in view. */}
            <Tabs.List mb="md" className="scroll-tabs" ref={tabList}>
              <Tabs.Tab value="profile" leftSection={<IconUser size={16} aria-hidden />}>
                Profile
              </Tabs.Tab>
              <Tabs.Tab value="activity" leftSection={<IconActivity size={16} aria-hidden />}>
                Activity
              </Tabs.Tab>
              <Tabs.Tab value="moments" leftSection={<IconRoute size={16} aria-hidden />}>
                Moments
              </Tabs.Tab>
              <Tabs.Tab value="team" leftSection={<IconUsersGroup size={16} aria-hidden />}>
                Team
              </Tabs.Tab>
              <Tabs.Tab value="contacts" leftSection={<IconAddressBook size={16} aria-hidden />}>
                Contacts
              </Tabs.Tab>
              <Tabs.Tab value="contracts" leftSection={<IconFileInvoice size={16} aria-hidden />}>
                Contracts
              </Tabs.Tab>
              <Tabs.Tab value="timeline" leftSection={<IconHistory size={16} aria-hidden />}>
                Timeline
              </Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="profile">
              <AccountProfile account={account.data} />
            </Tabs.Panel>
            <Tabs.Panel value="activity">
              <AccountActivity accountId={account.data.id} />
            </Tabs.Panel>
            <Tabs.Panel value="moments">
              <AccountMomentsCard accountId={account.data.id} />
            </Tabs.Panel>
            <Tabs.Panel value="team">
              <AccountTeam account={account.data} />
            </Tabs.Panel>
            <Tabs.Panel value="contacts">
              <AccountContacts accountId={account.data.id} />
            </Tabs.Panel>
            <Tabs.Panel value="contracts">
              <AccountContracts accountId={account.data.id} />
            </Tabs.Panel>
            <Tabs.Panel value="timeline">
              <AccountTimeline accountId={account.data.id} />
            </Tabs.Panel>
          </Tabs>
        </>
      )}
    </Stack>
  );
}
