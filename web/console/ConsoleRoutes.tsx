import { Navigate, Route, Routes } from 'react-router';
import { AccountPage } from './accounts/AccountPage.tsx';
import { AccountsPage } from './accounts/AccountsPage.tsx';
import { ConsoleLayout } from './ConsoleLayout.tsx';
import { HomePage } from './home/HomePage.tsx';
import { ImportPage } from './imports/ImportPage.tsx';
import { CampaignPage } from './messaging/CampaignPage.tsx';
import { CampaignsPage } from './messaging/CampaignsPage.tsx';
import { ListsPage } from './messaging/ListsPage.tsx';
import { MessagingLayout } from './messaging/MessagingLayout.tsx';
import { OutboxPage } from './messaging/OutboxPage.tsx';
import { StreamPage } from './messaging/StreamPage.tsx';
import { StreamsPage } from './messaging/StreamsPage.tsx';
import { SuppressionsPage } from './messaging/SuppressionsPage.tsx';
import { TemplateEditorPage } from './messaging/TemplateEditorPage.tsx';
import { TemplatesPage } from './messaging/TemplatesPage.tsx';
import { MetricsPage } from './metrics/MetricsPage.tsx';
import { ModelEditorPage } from './models/ModelEditorPage.tsx';
import { ModelPage } from './models/ModelPage.tsx';
import { ModelsPage } from './models/ModelsPage.tsx';
import { MyMomentsPage } from './moments/MyMomentsPage.tsx';
import { NotFoundPage } from './NotFoundPage.tsx';
import { ReleasesPage } from './releases/ReleasesPage.tsx';
import { SignInPage } from './SignInPage.tsx';
import { SegmentsPage } from './segments/SegmentsPage.tsx';
import { ApiKeysPage } from './settings/ApiKeysPage.tsx';
import { CapacityPage } from './settings/CapacityPage.tsx';
import { CustomFieldsPage } from './settings/CustomFieldsPage.tsx';
import { MembersPage } from './settings/MembersPage.tsx';
import { SenderSettingsPage } from './settings/SenderSettingsPage.tsx';
import { SettingsLayout } from './settings/SettingsLayout.tsx';
import { SystemPage } from './settings/SystemPage.tsx';
import { WebhooksPage } from './settings/WebhooksPage.tsx';

/** Every page of the console. */
export function ConsoleRoutes() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route element={<ConsoleLayout />}>
        <Route index element={<Navigate to="/home" replace />} />
        <Route path="home" element={<HomePage />} />
        <Route path="accounts" element={<AccountsPage />} />
        <Route path="accounts/import" element={<ImportPage />} />
        <Route path="accounts/:id" element={<AccountPage />} />
        <Route path="segments" element={<SegmentsPage />} />
        <Route path="settings" element={<SettingsLayout />}>
          <Route index element={<Navigate to="/settings/members" replace />} />
          <Route path="members" element={<MembersPage />} />
          <Route path="api-keys" element={<ApiKeysPage />} />
          <Route path="custom-fields" element={<CustomFieldsPage />} />
          <Route path="metrics" element={<MetricsPage />} />
          <Route path="capacity" element={<CapacityPage />} />
          <Route path="webhooks" element={<WebhooksPage />} />
          <Route path="sender" element={<SenderSettingsPage />} />
          <Route path="system" element={<SystemPage />} />
        </Route>
        <Route path="messaging" element={<MessagingLayout />}>
          <Route index element={<Navigate to="/messaging/outbox" replace />} />
          <Route path="outbox" element={<OutboxPage />} />
          <Route path="lists" element={<ListsPage />} />
          <Route path="suppressions" element={<SuppressionsPage />} />
          <Route path="templates" element={<TemplatesPage />} />
          <Route path="templates/:ref" element={<TemplateEditorPage />} />
          <Route path="campaigns" element={<CampaignsPage />} />
          <Route path="campaigns/:id" element={<CampaignPage />} />
          <Route path="streams" element={<StreamsPage />} />
          <Route path="streams/:id" element={<StreamPage />} />
        </Route>
        <Route path="models" element={<ModelsPage />} />
        <Route path="models/new" element={<ModelEditorPage />} />
        <Route path="models/:id" element={<ModelPage />} />
        <Route path="models/:id/edit" element={<ModelEditorPage />} />
        <Route path="moments" element={<MyMomentsPage />} />
        <Route path="releases" element={<ReleasesPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
