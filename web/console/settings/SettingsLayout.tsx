import { Stack, Tabs } from '@mantine/core';
import { IconForms, IconKey, IconMailCog, IconServer, IconUsers, IconWebhook } from '@tabler/icons-react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { PageHeader } from '../../ui/PageHeader.tsx';

const sections = [
  { path: '/settings/members', label: 'Members', icon: IconUsers },
  { path: '/settings/api-keys', label: 'API keys', icon: IconKey },
  { path: '/settings/custom-fields', label: 'Custom fields', icon: IconForms },
  { path: '/settings/webhooks', label: 'Webhooks', icon: IconWebhook },
  { path: '/settings/sender', label: 'Sender', icon: IconMailCog },
  { path: '/settings/system', label: 'System', icon: IconServer },
];

/** Workspace settings: one tab per section, each its own address. */
export function SettingsLayout() {
  const location = useLocation();
  const navigate = useNavigate();
  const current = sections.find((s) => location.pathname.startsWith(s.path))?.path ?? sections[0]?.path;
  return (
    <Stack gap={0}>
      <PageHeader title="Settings" description="Members, API keys, custom fields and webhooks of this workspace, and the system it runs on." />
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
