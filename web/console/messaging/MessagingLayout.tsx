import { Stack, Tabs } from '@mantine/core';
import { IconListCheck, IconMailForward, IconMailOff, IconSpeakerphone, IconTemplate, IconTimeline } from '@tabler/icons-react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { PageHeader } from '../../ui/PageHeader.tsx';

// One tab per part of messaging, each its own address under /messaging. Add a tab with one line here and its route
// under the `messaging` route in ConsoleRoutes.tsx.
const sections = [
  { path: '/messaging/lists', label: 'Lists', icon: IconListCheck },
  { path: '/messaging/templates', label: 'Templates', icon: IconTemplate },
  { path: '/messaging/campaigns', label: 'Campaigns', icon: IconSpeakerphone },
  { path: '/messaging/streams', label: 'Streams', icon: IconTimeline },
  { path: '/messaging/outbox', label: 'Outbox', icon: IconMailForward },
  { path: '/messaging/suppressions', label: 'Suppressions', icon: IconMailOff },
];

/** Messaging: lists, templates, campaigns, streams, the outbox and suppressions, one tab each. */
export function MessagingLayout() {
  const location = useLocation();
  const navigate = useNavigate();
  const current = sections.find((s) => location.pathname.startsWith(s.path))?.path ?? sections[0]?.path;
  return (
    <Stack gap={0}>
      <PageHeader title="Messaging" description="Email sent only to contacts who agreed to receive it: lists, content, sends and what went out." />
      <Tabs value={current} onChange={(path) => path && navigate(path)} mb="md">
        <Tabs.List style={{ flexWrap: 'nowrap', overflowX: 'auto', overflowY: 'hidden' }}>
          {sections.map((s) => (
            <Tabs.Tab key={s.path} value={s.path} leftSection={<s.icon size={16} aria-hidden />}>
              {s.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <Outlet />
    </Stack>
  );
}
