import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { updateSenderSettings } from './messaging.settings.ts';

/**
 * The demo workspace's sender: a marketing and a transactional identity at example.com (which receives nothing) and a
 * bounce mailbox address. Without SMTP_URL the worker writes every queued demo message (the nurture stream's, the
 * campaign's) as an .eml file in the data dir's outbox/, and the console's Outbox lists them.
 */
export async function seedMessagingDemo(tx: Db | Tx, clock: Clock, admin: Actor): Promise<void> {
  await updateSenderSettings(tx as Db, clock, { publicUrl: 'http://localhost' }, admin, {
    fromName: 'Momentum Demo Success Team',
    fromAddress: 'success@momentum-demo.example.com',
    transactionalFromName: 'Momentum Demo Support',
    transactionalFromAddress: 'support@momentum-demo.example.com',
    replyTo: 'success@momentum-demo.example.com',
    ratePerMinute: 600,
    bounceAddress: 'bounces@momentum-demo.example.com',
  });
}
