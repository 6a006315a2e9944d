import { IconChartBar, IconClockHour4, IconForms, IconKey, IconMailCog, IconServer, IconUsers, IconWebhook } from '@tabler/icons-react';
import { type Section, SectionTabsLayout } from '../../ui/SectionTabsLayout.tsx';

const sections: Section[] = [
  { path: '/settings/members', label: 'Members', icon: IconUsers },
  { path: '/settings/api-keys', label: 'API keys', icon: IconKey },
  { path: '/settings/custom-fields', label: 'Custom fields', icon: IconForms },
  { path: '/settings/metrics', label: 'Metrics', icon: IconChartBar },
  { path: '/settings/capacity', label: 'Capacity', icon: IconClockHour4 },
  { path: '/settings/webhooks', label: 'Webhooks', icon: IconWebhook },
  { path: '/settings/sender', label: 'Sender', icon: IconMailCog },
  { path: '/settings/system', label: 'System', icon: IconServer },
];

/** Workspace settings: one tab per section, each its own address. */
export function SettingsLayout() {
  return (
    <SectionTabsLayout
      title="Settings"
      description="Members, API keys, custom fields, metrics, team capacity, webhooks and the sender of this workspace, and the system it runs on."
      sections={sections}
    />
  );
}
