import { AppShell, Avatar, Burger, Button, Center, Group, Loader, Menu, NavLink, ScrollArea, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconBuilding,
  IconChecklist,
  IconChevronDown,
  IconFilter,
  IconHome,
  IconLogout,
  IconMail,
  IconRocket,
  IconRoute,
  IconSettings,
  IconUser,
} from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { api, UNAUTHENTICATED_EVENT } from './api-client.ts';
import { useMe } from './use-me.ts';

const nav = [
  { to: '/home', label: 'Home', icon: IconHome },
  { to: '/accounts', label: 'Accounts', icon: IconBuilding },
  { to: '/segments', label: 'Segments', icon: IconFilter },
  { to: '/moments', label: 'My moments', icon: IconChecklist },
  { to: '/models', label: 'Models', icon: IconRoute },
  { to: '/releases', label: 'Releases', icon: IconRocket },
  { to: '/messaging', label: 'Messaging', icon: IconMail },
  { to: '/settings', label: 'Settings', icon: IconSettings },
];

/** The signed-in console: header, navbar (a burger menu on small screens) and the current page. */
export function ConsoleLayout() {
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const me = useMe();

  // Any 401 (no session, or an expired one) sends the member to sign in, then back here.
  useEffect(() => {
    const onUnauthenticated = (event: Event) => {
      const message = (event as CustomEvent<{ message: string }>).detail?.message ?? '';
      queryClient.clear();
      navigate('/sign-in', { replace: true, state: { message, from: `${window.location.pathname}${window.location.search}` } });
    };
    window.addEventListener(UNAUTHENTICATED_EVENT, onUnauthenticated);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, onUnauthenticated);
  }, [navigate, queryClient]);

  // Close the phone menu after a navigation.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every path change on purpose
  useEffect(() => close(), [location.pathname, close]);

  const signOut = async () => {
    await api.post('/auth/sign-out').catch(() => undefined);
    queryClient.clear();
    navigate('/sign-in', { replace: true });
  };

  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading the console" />
      </Center>
    );
  }
  if (me.isError) {
    return (
      <Center h="100vh" p="md">
        <ErrorAlert error={me.error} title="The console could not load" />
      </Center>
    );
  }

  const name = me.data.member?.name ?? me.data.actor.name;
  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 220, breakpoint: 'md', collapsed: { mobile: !opened } }} padding="md">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label={opened ? 'Close navigation' : 'Open navigation'} />
            <Text component={Link} to="/accounts" fw={800} size="lg" c="indigo.7" td="none">
              Momentum
            </Text>
            <Text c="dimmed" size="sm" visibleFrom="xs" truncate maw={200}>
              {me.data.workspace.name}
            </Text>
          </Group>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <UnstyledButton aria-label={`Account menu for ${name}`} px={4} py={4} style={{ borderRadius: 8 }}>
                <Group gap={8} wrap="nowrap">
                  {/* An icon, not initials: the button's accessible name must contain what it shows (axe label-content-name-mismatch). */}
                  <Avatar size="sm" color="indigo">
                    <IconUser size={16} aria-hidden />
                  </Avatar>
                  <Text size="sm" fw={500} visibleFrom="sm">
                    {name}
                  </Text>
                  <IconChevronDown size={14} aria-hidden />
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{me.data.member?.email ?? me.data.actor.type}</Menu.Label>
              <Menu.Item leftSection={<IconLogout size={16} aria-hidden />} onClick={signOut}>
                Sign out
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          {nav.map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={item.label}
              leftSection={<item.icon size={18} stroke={1.6} aria-hidden />}
              active={location.pathname === item.to || location.pathname.startsWith(`${item.to}/`)}
              aria-current={location.pathname.startsWith(item.to) ? 'page' : undefined}
              fw={500}
              style={{ borderRadius: 8 }}
            />
          ))}
        </AppShell.Section>
        <AppShell.Section>
          <Button variant="subtle" color="gray" fullWidth justify="flex-start" leftSection={<IconLogout size={18} aria-hidden />} onClick={signOut}>
            Sign out
          </Button>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main bg="gray.0" id="main" tabIndex={-1} style={{ outline: 'none' }}>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
