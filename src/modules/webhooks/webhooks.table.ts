import type { ColumnType } from 'kysely';

export interface WebhookEndpointsTable {
  workspace_id: string;
  id: string;
  url: string;
  description: string;
  /** Event names sent; null: every event in the webhook catalogue; empty: none (automated-moment calls only). */
  events: string[] | null;
  /** `whsec_` + base64 of 24 random bytes (Standard Webhooks). */
  secret: string;
  /** After a rotation, the secret before it, still signing until previous_secret_expires_at. */
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  enabled: boolean;
  /** When it was disabled; once enabled again, when that happened: events received before it are not sent. */
  disabled_at: Date | null;
  disabled_reason: string | null;
  /** The first failed attempt since the last success: persistent failure disables the endpoint. */
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  workspace_id: string;
  id: string;
  endpoint_id: string;
  event_id: string;
  event_name: string;
  /** Deliveries of one lane (the event's account, per endpoint) go out in event order. */
  lane: string;
  event_at: Date;
  /** webhook-id: the same for every attempt and replay of one event. */
  message_id: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  locked_until: Date | null;
  first_attempt_at: Date | null;
  last_attempt_at: Date | null;
  response_status: number | null;
  response_ms: number | null;
  response_body: string | null;
  error: string | null;
  replay_of: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export interface WebhookAttemptsTable {
  workspace_id: string;
  delivery_id: string;
  attempt: number;
  at: Date;
  url: string;
  request_headers: ColumnType<Record<string, string>, string, string>;
  response_status: number | null;
  response_ms: number;
  response_body: string | null;
  error: string | null;
}

export interface WebhookCursorsTable {
  workspace_id: string;
  position: Date;
}
