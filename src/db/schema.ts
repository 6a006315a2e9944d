// The database as Kysely sees it: each module owns its table types; this file only lists them.
import type { AccountsTable, AccountTeamTable } from '../modules/accounts/accounts.table.ts';
import type { ApiKeysTable } from '../modules/apikeys/apikeys.table.ts';
import type { AuditLogTable } from '../modules/audit/audit.table.ts';
import type { CampaignsTable } from '../modules/campaigns/campaigns.table.ts';
import type { RoleCapacityTable } from '../modules/capacity/capacity.table.ts';
import type { ConsentConfirmationsTable, ConsentRecordsTable, MailingListsTable, SuppressionsTable } from '../modules/consent/consent.table.ts';
import type { ContactsTable } from '../modules/contacts/contacts.table.ts';
import type { ContractLineItemsTable, ContractsTable } from '../modules/contracts/contracts.table.ts';
import type { CustomFieldsTable } from '../modules/customfields/customfields.table.ts';
import type { EngagementPhasesTable, EngagementsTable, EngineCursorsTable } from '../modules/engine/engine.table.ts';
import type {
  EventIdentitiesTable,
  EventPropertySumsTable,
  EventRollupsTable,
  EventSummedPropertiesTable,
  EventsTable,
} from '../modules/events/events.table.ts';
import type { MembersTable, SessionsTable, SignInFailuresTable } from '../modules/members/members.table.ts';
import type { BounceMailboxReceiptsTable, MessageSourcePausesTable, MessagesTable, SenderSettingsTable } from '../modules/messaging/messaging.table.ts';
import type { MetricDefinitionsTable } from '../modules/metrics/metrics.table.ts';
import type { ModelsTable, ModelVersionsTable } from '../modules/models/models.table.ts';
import type { MomentInstancesTable } from '../modules/moments/moments.table.ts';
import type { MemberCalendarTokensTable } from '../modules/notifications/notifications.table.ts';
import type { ReleasesTable } from '../modules/releases/releases.table.ts';
import type { SegmentsTable } from '../modules/segments/segments.table.ts';
import type { StreamEnrolmentsTable, StreamsTable } from '../modules/streams/streams.table.ts';
import type { TemplatesTable } from '../modules/templates/templates.table.ts';
import type { TimelineEntriesTable } from '../modules/timeline/timeline.table.ts';
import type { WebhookAttemptsTable, WebhookCursorsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from '../modules/webhooks/webhooks.table.ts';
import type { WorkspacesTable } from '../modules/workspaces/workspaces.table.ts';

export interface DB {
  workspaces: WorkspacesTable;
  members: MembersTable;
  sessions: SessionsTable;
  sign_in_failures: SignInFailuresTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  custom_fields: CustomFieldsTable;
  accounts: AccountsTable;
  account_team: AccountTeamTable;
  contacts: ContactsTable;
  contracts: ContractsTable;
  contract_line_items: ContractLineItemsTable;
  timeline_entries: TimelineEntriesTable;
  segments: SegmentsTable;
  models: ModelsTable;
  model_versions: ModelVersionsTable;
  engagements: EngagementsTable;
  engagement_phases: EngagementPhasesTable;
  engine_cursors: EngineCursorsTable;
  moment_instances: MomentInstancesTable;
  role_capacity: RoleCapacityTable;
  events: EventsTable;
  event_identities: EventIdentitiesTable;
  event_rollups: EventRollupsTable;
  event_summed_properties: EventSummedPropertiesTable;
  event_property_sums: EventPropertySumsTable;
  metric_definitions: MetricDefinitionsTable;
  releases: ReleasesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_cursors: WebhookCursorsTable;
  templates: TemplatesTable;
  campaigns: CampaignsTable;
  streams: StreamsTable;
  stream_enrolments: StreamEnrolmentsTable;
  member_calendar_tokens: MemberCalendarTokensTable;
  mailing_lists: MailingListsTable;
  consent_records: ConsentRecordsTable;
  suppressions: SuppressionsTable;
  consent_confirmations: ConsentConfirmationsTable;
  messages: MessagesTable;
  sender_settings: SenderSettingsTable;
  message_source_pauses: MessageSourcePausesTable;
  bounce_mailbox_receipts: BounceMailboxReceiptsTable;
}
