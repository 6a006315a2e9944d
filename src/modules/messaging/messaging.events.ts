import type { Selectable } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';
import type { Clock } from '../../lib/clock.ts';
import { recordInteractionEvents } from '../events/events.ts';
import type { MessagesTable } from './messaging.table.ts';

export type MessageEventName = 'Email Sent' | 'Email Opened' | 'Email Clicked' | 'Email Bounced' | 'Email Complained' | 'Email Unsubscribed';

type EventRow = Pick<
  Selectable<MessagesTable>,
  'id' | 'recipient_kind' | 'recipient_id' | 'account_id' | 'source_type' | 'source_id' | 'source_label' | 'subject' | 'list_id'
>;

export interface MessageEvent {
  row: EventRow;
  name: MessageEventName;
  /** Idempotency key within messaging: `sent:<id>`, `open:<id>` ... */
  key: string;
  at: Date;
  properties: Record<string, unknown>;
}

/**
 * Records what happened to messages as interaction events (channel email, digital) on the contact and its account's
 * timeline, so metrics, the engine and the digital mix see them. Messages to members, or to contacts without an
 * account, have no timeline: nothing is recorded for them.
 */
export async function recordMessageEvents(db: Db | Tx, clock: Clock, workspaceId: string, events: MessageEvent[]): Promise<number> {
  const inputs = events
    .filter((e) => e.row.recipient_kind === 'contact' && e.row.account_id)
    .map((e) => ({
      accountId: e.row.account_id as string,
      contactId: e.row.recipient_id,
      name: e.name,
      channel: 'email' as const,
      digital: true,
      occurredAt: e.at,
      key: e.key,
      source: 'messaging',
      properties: {
        messageId: e.row.id,
        sourceType: e.row.source_type,
        sourceId: e.row.source_id,
        ...(e.row.source_label ? { sourceLabel: e.row.source_label } : {}),
        subject: e.row.subject,
        ...(e.row.list_id ? { listId: e.row.list_id } : {}),
        ...e.properties,
      },
    }));
  if (inputs.length === 0) return 0;
  return recordInteractionEvents(db as Db, clock, workspaceId, inputs);
}
