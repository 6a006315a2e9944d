import { IconListCheck, IconMailForward, IconMailOff, IconSpeakerphone, IconTemplate, IconTimeline } from '@tabler/icons-react';
import { type Section, SectionTabsLayout } from '../../ui/SectionTabsLayout.tsx';

// One tab per part of messaging, each its own address under /messaging. Add a tab with one line here and its route
// under the `messaging` route in ConsoleRoutes.tsx.
const sections: Section[] = [
  { path: '/messaging/lists', label: 'Lists', icon: IconListCheck },
  { path: '/messaging/templates', label: 'Templates', icon: IconTemplate },
  { path: '/messaging/campaigns', label: 'Campaigns', icon: IconSpeakerphone },
  { path: '/messaging/streams', label: 'Streams', icon: IconTimeline },
  { path: '/messaging/outbox', label: 'Outbox', icon: IconMailForward },
  { path: '/messaging/suppressions', label: 'Suppressions', icon: IconMailOff },
];

/** Messaging: lists, templates, campaigns, streams, the outbox and suppressions, one tab each. */
export function MessagingLayout() {
  return (
    <SectionTabsLayout
      title="Messaging"
      description="Email sent only to contacts who agreed to receive it: lists, content, sends and what went out."
      sections={sections}
    />
  );
}
