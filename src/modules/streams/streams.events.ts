import type { Db } from '../../db/client.ts';
import { systemActor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { recordMomentumEvents } from '../events/events.ts';

export interface EnrolmentChange {
  enrolmentId: string;
  contactId: string;
  accountId: string | null;
}

/**
 * Records Stream Entered, Exited or Completed on the contacts' accounts (events.catalog.ts), so the timeline, metrics
 * and the engine see them; keyed per enrolment, so a rerun stores nothing twice. Contacts without an account are skipped.
 */
export async function recordStreamEvents(
  db: Db,
  clock: Clock,
  workspaceId: string,
  name: 'Stream Entered' | 'Stream Exited' | 'Stream Completed',
  stream: { key: string; name: string },
  changes: (EnrolmentChange & { extra?: Record<string, string> })[],
): Promise<void> {
  const events = changes.flatMap((c) =>
    c.accountId
      ? [
          {
            accountId: c.accountId,
            contactId: c.contactId,
            name,
            key: `stream:${c.enrolmentId}:${name.split(' ')[1]?.toLowerCase()}`,
            properties: {
              stream: stream.key,
              streamName: stream.name,
              enrolment: c.enrolmentId,
              ...c.extra,
              summary: `${name.replace('Stream ', '')} ${stream.name}${c.extra?.reason ? ` (${c.extra.reason})` : ''}`,
            },
          },
        ]
      : [],
  );
  if (events.length > 0) await recordMomentumEvents(db, clock, systemActor(workspaceId, 'streams'), 'streams', events);
}
