import { Stack, Tabs } from '@mantine/core';
import type { Icon } from '@tabler/icons-react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { PageHeader } from './PageHeader.tsx';

export interface Section {
  path: string;
  label: string;
  icon: Icon;
}

/** A page of sections, one tab each at its own address (the tab follows the URL; the nested route renders below). */
export function SectionTabsLayout({ title, description, sections }: { title: string; description: string; sections: readonly Section[] }) {
  const location = useLocation();
  const navigate = useNavigate();
  const current = sections.find((s) => location.pathname.startsWith(s.path))?.path ?? sections[0]?.path;
  return (
    <Stack gap={0}>
      <PageHeader title={title} description={description} />
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
