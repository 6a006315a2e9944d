import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestMember, createTestWorkspace, TEST_PASSWORD, type TestWorkspace, unique } from '../../../test/factories.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../test/smtp.ts';
import { loadConfig } from '../../config.ts';
import { fixedClock } from '../../lib/clock.ts';
import { createAccount } from '../accounts/accounts.ts';
import { sweep } from '../engine/engine.ts';
import { dispatchDue } from '../messaging/messaging.dispatch.ts';
import { applyModel } from '../models/models.ts';
import { sendDigests } from './notifications.digest.ts';
import { updateNotificationSettings } from './notifications.ts';

const clock = fixedClock('2026-06-01T09:00:00Z');
let database: TestDatabase;
let ws: TestWorkspace;
let smtp: TestSmtpServer;
let csm: Awaited<ReturnType<typeof createTestMember>>;
let other: Awaited<ReturnType<typeof createTestMember>>;
const PUBLIC_URL = 'https://momentum.example.com';
const config = () => loadConfig({}, { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789', SMTP_URL: smtp.url, PUBLIC_URL });

// Two moments per account: a kickoff due in 2 days and a check due 10 days after it opens (outside the digest's week).
const model = `key: digest-model
name: Digest model
phases:
  - key: onboarding
    name: Onboarding
moments:
  - id: kickoff
    name: Kickoff call
    phase: onboarding
    owner: csm
    channel: meeting
    digital: false
    objective: Meet the team.
    playbook: [Introduce the team]
    due: 2d
    start: { type: scheduled, rrule: FREQ=DAILY;COUNT=1, anchor: engaged }
  - id: check
    name: Adoption check
    phase: onboarding
    owner: csm
    channel: call
    digital: false
    objective: Check adoption.
    due: 10d
    start: { type: scheduled, rrule: FREQ=DAILY;COUNT=1, anchor: engaged }
`;

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, clock);
  smtp = await startSmtpServer();
  csm = await createTestMember(database.db, clock, ws, ['csm'], 'Casey CSM');
  other = await createTestMember(database.db, clock, ws, ['csm'], 'Olly Other');
  await createAccount(database.db, clock, ws.system, { name: 'Acme <Corp>', team: { csm: csm.member.id } });
  await createAccount(database.db, clock, ws.system, { name: 'Globex', team: { csm: other.member.id } });
  await applyModel(database.db, clock, ws.system, { source: model, file: 'digest.yaml' }, { approve: true });
  await sweep(database.db, clock, { workspaceId: ws.workspaceId });
});
afterAll(async () => {
  await smtp?.close();
  await database?.dispose();
});

describe('daily digest', () => {
  it('emails each member their overdue and due moments, once a day, received over SMTP', async () => {
    clock.set('2026-06-04T10:00:00Z'); // the kickoff is a day overdue, the check due within the week
    const before = smtp.received.length;
    const report = await sendDigests(database.db, clock, PUBLIC_URL, { workspaceId: ws.workspaceId });
    expect(report).toMatchObject({ members: 2, queued: 2, excluded: 0 });
    expect(await sendDigests(database.db, clock, PUBLIC_URL, { workspaceId: ws.workspaceId })).toMatchObject({ queued: 0 });
    await dispatchDue(database.db, clock, config(), { budgetMs: 5000 });
    await smtp.waitFor(before + 2);
    const mail = smtp.received.find((m) => m.envelope.to.includes(csm.email));
    const parsed = mail?.parsed as NonNullable<NonNullable<typeof mail>['parsed']>;
    expect(parsed.subject).toBe('Momentum: 1 moment overdue, 1 due this week');
    expect(parsed.text).toContain('Overdue (1)\n- Kickoff call — Acme <Corp> (due 2026-06-03)');
    expect(parsed.text).toContain('Due in the next 7 days (1)\n- Adoption check — Acme <Corp> (due 2026-06-11)');
    expect(parsed.html).toContain('Acme &lt;Corp&gt;');
    expect(parsed.html).toContain(`${PUBLIC_URL}/accounts/`);
    expect(parsed.text).not.toContain('Globex');
    // Transactional: no marketing footer, no tracking.
    expect(parsed.html).not.toContain('/o/');
  });

  it('skips a member who turned the digest off', async () => {
    clock.set('2026-06-05T07:00:00Z');
    await updateNotificationSettings(database.db, clock, other.actor, { digestEmail: false });
    const report = await sendDigests(database.db, clock, PUBLIC_URL, { workspaceId: ws.workspaceId });
    expect(report).toMatchObject({ members: 1, queued: 1 });
    const rows = await database.db.selectFrom('messages').select(['recipient_id']).where('dedupe_key', 'like', 'digest:%:2026-06-05').execute();
    expect(rows.map((r) => r.recipient_id)).toEqual([csm.member.id]);
    const audit = await database.db.selectFrom('audit_log').select('action').where('entity_id', '=', other.member.id).execute();
    expect(audit.map((a) => a.action)).toContain('member.digest_disabled');
  });
});

/** The VEVENTs of an iCalendar text (RFC 5545: CRLF lines, folded continuation lines, escaped text values). */
function parseEvents(text: string): Record<string, string>[] {
  expect(text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n');
  const events: Record<string, string>[] = [];
  let current: Record<string, string> | undefined;
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') current = {};
    else if (line === 'END:VEVENT' && current) {
      events.push(current);
      current = undefined;
    } else if (current) {
      const at = line.indexOf(':');
      current[line.slice(0, at)] = line
        .slice(at + 1)
        .replace(/\\([,;\\])/g, '$1')
        .replace(/\\n/gi, '\n');
    }
  }
  return events;
}

describe('calendar feed', () => {
  it('serves the member’s open moments as iCalendar at a secret address, and 404 once revoked', async () => {
    clock.set('2026-06-02T09:00:00Z');
    const api = await createTestApp(database.db, clock, {
      config: loadConfig({}, { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789', MOMENTUM_DATA_DIR: '/tmp/momentum-test-unused', PUBLIC_URL }),
    });
    try {
      const signIn = await api.call('POST', '/api/v1/auth/sign-in', { body: { email: csm.email, password: TEST_PASSWORD } });
      const cookie = String(signIn.headers['set-cookie'] ?? '').split(';')[0] ?? '';
      const created = await api.call('POST', '/api/v1/me/calendar-feed', { cookie });
      expect(created.status).toBe(201);
      const url = new URL(created.body.url);
      expect(url.origin).toBe(PUBLIC_URL);
      const feed = await api.call('GET', url.pathname);
      expect(feed.status).toBe(200);
      expect(feed.headers['content-type']).toMatch(/^text\/calendar/);
      const events = parseEvents(feed.raw);
      expect(events.map((e) => e.SUMMARY).sort()).toEqual(['Adoption check — Acme <Corp>', 'Kickoff call — Acme <Corp>']);
      expect(events.find((e) => e.SUMMARY?.startsWith('Kickoff'))?.['DTSTART;VALUE=DATE']).toBe('20260603');
      expect(events.every((e) => e.UID?.endsWith('@momentum'))).toBe(true);
      expect((await api.call('GET', '/api/v1/me/notifications', { cookie })).body).toMatchObject({ digestEmail: true, calendar: { active: true } });
      // A new address replaces the old one; a revoked one answers 404.
      const again = await api.call('POST', '/api/v1/me/calendar-feed', { cookie });
      expect((await api.call('GET', url.pathname)).status).toBe(404);
      const next = new URL(again.body.url).pathname;
      expect((await api.call('GET', next)).status).toBe(200);
      expect((await api.call('DELETE', '/api/v1/me/calendar-feed', { cookie })).status).toBe(204);
      expect((await api.call('GET', next)).status).toBe(404);
      expect((await api.call('GET', `/calendar/cal_${unique('x')}.ics`)).status).toBe(404);
    } finally {
      await api.close();
    }
  });
});
