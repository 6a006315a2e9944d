import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestWorkspace, type TestWorkspace, testClock, unique } from '../../../test/factories.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../test/smtp.ts';
import { loadConfig } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { createAccount } from '../accounts/accounts.ts';
import { createList } from '../consent/consent.ts';
import { dispatchDue } from './messaging.dispatch.ts';
import { complaintRate, findSourcePauses, recordDeliveryNotice, resumeMessageSource, SOURCE_PAUSE_AFTER_FAILURES } from './messaging.feedback.ts';
import { enqueueMessages, type OutgoingMessage } from './messaging.outbox.ts';
import { senderIdentity } from './messaging.settings.ts';

const clock = testClock('2026-06-01T09:00:00Z');
let database: TestDatabase;
let db: Db;
let ws: TestWorkspace;
let smtp: TestSmtpServer;
let listId: string;
const config = () => loadConfig({}, { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789', SMTP_URL: smtp.url });

/** n consenting contacts, loaded in bulk (as an import with proof would record them). */
async function consenting(n: number): Promise<{ id: string; email: string }[]> {
  const account = await createAccount(db, clock, ws.system, { name: unique('Acme') });
  const tag = unique('c');
  const now = clock.now();
  await sql`insert into contacts (workspace_id, id, account_id, name, email, created_at, updated_at)
    select ${ws.workspaceId}::uuid, gen_random_uuid(), ${account.id}::uuid, 'Contact ' || g, ${tag} || '-' || g || '@customer.test', ${now}::timestamptz, ${now}::timestamptz
    from generate_series(1, ${n}) g`.execute(db);
  await sql`insert into consent_records (workspace_id, id, contact_id, address_hash, purpose, action, method, proof, recorded_by, at)
    select workspace_id, gen_random_uuid(), id, encode(sha256(convert_to(lower(trim(email)), 'UTF8')), 'hex'), ${`list:${listId}`}, 'granted', 'import', 'test', 'test', ${now}::timestamptz
    from contacts where workspace_id = ${ws.workspaceId}::uuid and email like ${`${tag}-%`}`.execute(db);
  return db.selectFrom('contacts').select(['id', 'email']).where('workspace_id', '=', ws.workspaceId).where('email', 'like', `${tag}-%`).execute();
}

const marketing = (contactId: string, source: string): OutgoingMessage => ({
  recipientId: contactId,
  purpose: { kind: 'list', listId },
  source: { type: 'campaign', id: source },
  dedupeKey: `campaign:${source}:${contactId}`,
  content: { subject: 'News', html: '<p>News</p>', text: 'News' },
});

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  ws = await createTestWorkspace(db, clock);
  smtp = await startSmtpServer();
  listId = (await createList(db, clock, ws.admin, { key: unique('news'), name: 'News', optIn: 'single', wording: 'Send me news' })).id;
});
afterAll(async () => {
  await smtp?.close();
  await database?.dispose();
});

describe('repeated SMTP errors', () => {
  it('pause the marketing source after five temporary failures in a row; its queued messages wait and go out once resumed', async () => {
    const contacts = await consenting(8);
    const source = unique('campaign');
    await enqueueMessages(
      db,
      clock,
      ws.workspaceId,
      contacts.map((c) => marketing(c.id, source)),
    );
    smtp.onRecipient = () => ({ code: 421, message: 'Service not available, try later' });
    const first = await dispatchDue(db, clock, config(), { budgetMs: 5000, batch: 8 });
    expect(first.retrying).toBe(8);
    const [pause] = await findSourcePauses(db, ws.workspaceId, { sourceType: 'campaign', sourceIds: [source] });
    expect(pause).toMatchObject({ sourceId: source, failures: 8 });
    expect(pause?.pausedAt).not.toBeNull();
    expect(SOURCE_PAUSE_AFTER_FAILURES).toBe(5);
    smtp.onRecipient = () => undefined;
    clock.advance(2 * 60_000);
    const before = smtp.received.length;
    expect((await dispatchDue(db, clock, config(), { budgetMs: 2000 })).sent).toBe(0);
    expect(await resumeMessageSource(db, ws.workspaceId, { type: 'campaign', id: source })).toBe(true);
    expect((await dispatchDue(db, clock, config(), { budgetMs: 5000 })).sent).toBe(8);
    expect(smtp.received.length - before).toBe(8);
  });
});

describe('the complaint rate', () => {
  it('warns at 0.1% and pauses marketing (not transactional mail) before 0.3%', async () => {
    const contacts = await consenting(1000);
    const source = unique('campaign');
    for (let i = 0; i < contacts.length; i += 500) {
      await enqueueMessages(
        db,
        clock,
        ws.workspaceId,
        contacts.slice(i, i + 500).map((c) => marketing(c.id, source)),
      );
    }
    await db.updateTable('messages').set({ status: 'sent', sent_at: clock.now(), next_attempt_at: null }).where('source_id', '=', source).execute();
    const complain = (c: { email: string }) =>
      recordDeliveryNotice(db, clock, ws.workspaceId, { type: 'complaint', email: c.email, bounceType: 'hard', detail: 'FBL' });
    await complain(contacts[0] as { email: string });
    await complain(contacts[1] as { email: string });
    const warned = await complaintRate(db, clock, ws.workspaceId);
    expect(warned.level).toBe('warn');
    expect((await senderIdentity(db, config(), ws.workspaceId)).marketingPausedAt).toBeNull();
    await complain(contacts[2] as { email: string });
    expect((await complaintRate(db, clock, ws.workspaceId)).level).toBe('paused');
    const identity = await senderIdentity(db, config(), ws.workspaceId);
    expect(identity.marketingPausedReason).toContain('Complaint rate');
    // Marketing waits; a transactional message still goes.
    const extra = (await consenting(1))[0] as { id: string; email: string };
    await enqueueMessages(db, clock, ws.workspaceId, [
      marketing(extra.id, unique('campaign')),
      { ...marketing(extra.id, 'x'), purpose: { kind: 'request' }, source: { type: 'confirmation', id: 'x' }, dedupeKey: unique('confirm') },
    ]);
    clock.advance(2 * 60_000); // past the minute whose rate the 1,000 sends used up
    const report = await dispatchDue(db, clock, config(), { budgetMs: 3000 });
    expect(report.sent).toBe(1);
    const queued = await db.selectFrom('messages').select('purpose').where('recipient_id', '=', extra.id).where('status', '=', 'queued').execute();
    expect(queued.map((q) => q.purpose)).toEqual([`list:${listId}`]);
  });
});
