import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestKey, createTestWorkspace, type TestWorkspace, unique } from '../../../test/factories.ts';
import { fixedClock } from '../../lib/clock.ts';
import { createAccount } from '../accounts/accounts.ts';
import { createList, recordConsent } from '../consent/consent.ts';
import type { Persona } from '../contacts/contacts.schema.ts';
import { createContact } from '../contacts/contacts.ts';
import { sweep } from '../engine/engine.ts';
import { recordInteractionEvent } from '../events/events.ts';
import { applyModel, validateModel } from '../models/models.ts';
import { runAutomatedMoments } from '../moments/moments.ts';
import { createSegment } from '../segments/segments.ts';
import { createTemplate, deleteTemplate } from '../templates/templates.ts';
import { enrolFromSegments, sendDueSteps } from './streams.jobs.ts';
import { createStream, enrolContacts, listEnrolments, updateStream } from './streams.ts';

const DAY = 86_400_000;
const clock = fixedClock('2026-06-01T09:00:00Z');
let database: TestDatabase;
let ws: TestWorkspace;
let listId: string;
let segmentId: string;

async function account(touch: 'tech' | 'low', contacts: { persona: Persona; consent?: boolean }[]) {
  const a = await createAccount(database.db, clock, ws.system, { name: unique('Acct'), touchModel: touch });
  const ids: string[] = [];
  for (const c of contacts) {
    const contact = await createContact(database.db, clock, ws.system, {
      accountId: a.id,
      name: unique('Person'),
      email: `${unique('p')}@customer.test`,
      persona: c.persona,
    });
    if (c.consent !== false) {
      await recordConsent(database.db, clock, ws.workspaceId, {
        contactId: contact.id,
        purpose: `list:${listId}`,
        action: 'granted',
        method: 'form',
        recordedBy: { name: 'contact' },
      });
    }
    ids.push(contact.id);
  }
  return { accountId: a.id, contactIds: ids };
}

async function messagesFor(contactId: string) {
  return database.db
    .selectFrom('messages')
    .selectAll()
    .where('workspace_id', '=', ws.workspaceId)
    .where('recipient_id', '=', contactId)
    .orderBy('created_at')
    .execute();
}

async function enrolment(streamId: string, contactId: string) {
  return database.db
    .selectFrom('stream_enrolments')
    .selectAll()
    .where('stream_id', '=', streamId)
    .where('contact_id', '=', contactId)
    .executeTakeFirstOrThrow();
}

async function newStream(steps: { template: string; delay: string }[], extra: { exit?: { events?: string[]; phases?: string[] }; segment?: boolean } = {}) {
  const stream = await createStream(database.db, clock, ws.admin, {
    key: unique('nurture'),
    name: 'Onboarding nurture',
    list: listId,
    entry: { segmentId: extra.segment === false ? null : segmentId, personas: ['admin'] },
    exit: { events: extra.exit?.events ?? [], phases: extra.exit?.phases ?? [] },
    steps,
  });
  return updateStream(database.db, clock, ws.admin, stream.id, { status: 'active' });
}

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, clock);
  listId = (
    await createList(database.db, clock, ws.admin, { key: 'onboarding-tips', name: 'Onboarding tips', optIn: 'single', wording: 'Send me onboarding tips' })
  ).id;
  segmentId = (await createSegment(database.db, clock, ws.admin, { name: 'Tech', filter: { conditions: [{ field: 'touch_model', op: 'eq', value: 'tech' }] } }))
    .id;
  for (const [key, subject] of [
    ['welcome', 'Welcome to {{ account.name }}'],
    ['tips', 'Three tips, {{ contact.name }}'],
    ['last-call', 'One more thing'],
  ] as const) {
    await createTemplate(database.db, clock, ws.admin, { key, name: key, subject, body: '<p>Hello {{ contact.name }}</p>' });
  }
});
afterAll(async () => database?.dispose());

describe('nurture streams', () => {
  it('enrols the contacts of matching accounts with the entry personas by the segment rule, each contact once', async () => {
    const tech = await account('tech', [{ persona: 'admin' }, { persona: 'end_user' }]);
    const low = await account('low', [{ persona: 'admin' }]);
    const stream = await newStream([{ template: 'welcome', delay: '0d' }]);
    expect((await enrolFromSegments(database.db, clock, { workspaceId: ws.workspaceId })).enrolled).toBeGreaterThanOrEqual(1);
    expect((await enrolFromSegments(database.db, clock, { workspaceId: ws.workspaceId })).enrolled).toBe(0);
    const enrolled = (await listEnrolments(database.db, ws.admin, stream.id, { limit: 100 })).map((e) => e.contact.id);
    expect(enrolled).toContain(tech.contactIds[0]);
    expect(enrolled).not.toContain(tech.contactIds[1]);
    expect(enrolled).not.toContain(low.contactIds[0]);
    // Re-entry is off: an engine enrolment of a contact already in adds nothing.
    expect(await enrolContacts(database.db, clock, ws.workspaceId, stream.id, [tech.contactIds[0] as string], { type: 'moment' })).toEqual({
      enrolled: 0,
      skipped: 1,
    });
    await updateStream(database.db, clock, ws.admin, stream.id, { status: 'archived' });
  });

  it('sends each step after its delay (fixed clock), through the gate, and completes after the last', async () => {
    clock.set('2026-06-10T09:00:00Z');
    const stream = await newStream(
      [
        { template: 'welcome', delay: '0d' },
        { template: 'tips', delay: '2d' },
      ],
      { segment: false },
    );
    const { contactIds } = await account('tech', [{ persona: 'admin' }, { persona: 'admin', consent: false }]);
    const [yes, no] = contactIds as [string, string];
    await enrolContacts(database.db, clock, ws.workspaceId, stream.id, contactIds, { type: 'member' });
    await sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId });
    expect((await messagesFor(yes)).map((m) => [m.status, m.dedupe_key])).toEqual([['queued', `stream:${(await enrolment(stream.id, yes)).id}:0`]]);
    expect((await messagesFor(no)).map((m) => [m.status, m.reason])).toEqual([['excluded', 'no_consent']]);
    clock.advance(DAY);
    expect(await sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId })).toEqual({ sent: 0, exited: 0, completed: 0 });
    clock.advance(DAY);
    expect(await sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId })).toMatchObject({ sent: 2, completed: 2 });
    expect((await messagesFor(yes)).map((m) => m.subject)).toEqual([expect.stringMatching(/^Welcome to /), expect.stringMatching(/^Three tips, /)]);
    expect(await enrolment(stream.id, yes)).toMatchObject({ step: 2, next_at: null, completed_at: clock.now() });
  });

  it('stops before the next step when the exit event arrives between two steps', async () => {
    clock.set('2026-06-20T09:00:00Z');
    const stream = await newStream(
      [
        { template: 'welcome', delay: '0d' },
        { template: 'tips', delay: '3d' },
      ],
      { segment: false, exit: { events: ['Account Activated'] } },
    );
    const { accountId, contactIds } = await account('tech', [{ persona: 'admin' }]);
    const contactId = contactIds[0] as string;
    await enrolContacts(database.db, clock, ws.workspaceId, stream.id, contactIds, { type: 'member' });
    await sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId });
    clock.advance(DAY);
    await recordInteractionEvent(database.db, clock, ws.workspaceId, {
      accountId,
      name: 'Account Activated',
      channel: 'product',
      digital: true,
      key: unique('act'),
      source: 'test',
    });
    clock.advance(2 * DAY);
    expect(await sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId })).toMatchObject({ sent: 0, exited: 1 });
    expect((await messagesFor(contactId)).map((m) => m.source_id)).toEqual([stream.steps[0]?.id]);
    expect(await enrolment(stream.id, contactId)).toMatchObject({ exit_reason: 'event:Account Activated', step: 1, next_at: null });
    // Entering and leaving are events on the account (timeline, metrics, engine).
    const events = await database.db
      .selectFrom('events')
      .select(['name', 'properties'])
      .where('account_id', '=', accountId)
      .where('source', '=', 'module:streams')
      .orderBy('timestamp')
      .execute();
    expect(events.map((e) => [e.name, e.properties.stream, e.properties.reason])).toEqual([
      ['Stream Entered', stream.key, undefined],
      ['Stream Exited', stream.key, 'event:Account Activated'],
    ]);
  });

  it('ends the enrolment when the account enters an exit phase (the engine’s Phase Entered event)', async () => {
    clock.set('2026-06-25T09:00:00Z');
    const stream = await newStream(
      [
        { template: 'welcome', delay: '0d' },
        { template: 'tips', delay: '1d' },
      ],
      { segment: false, exit: { phases: ['ongoing'] } },
    );
    const { accountId, contactIds } = await account('tech', [{ persona: 'admin' }]);
    await enrolContacts(database.db, clock, ws.workspaceId, stream.id, contactIds, { type: 'member' });
    await sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId });
    clock.advance(3_600_000);
    const phase = (to: string) =>
      recordInteractionEvent(database.db, clock, ws.workspaceId, {
        accountId,
        name: 'Phase Entered',
        channel: 'other',
        digital: false,
        properties: { model: 'm', version: 1, from: 'onboarding', to },
        key: unique('phase'),
        source: 'test',
      });
    await phase('renewal'); // not an exit phase
    clock.advance(DAY);
    await phase('ongoing');
    expect(await sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId })).toMatchObject({ sent: 0, exited: 1 });
    expect(await enrolment(stream.id, contactIds[0] as string)).toMatchObject({ exit_reason: 'phase:ongoing' });
  });

  it('ends the enrolment as unsubscribed when the contact withdraws from the list', async () => {
    clock.set('2026-07-01T09:00:00Z');
    const stream = await newStream(
      [
        { template: 'welcome', delay: '0d' },
        { template: 'tips', delay: '1d' },
      ],
      { segment: false },
    );
    const { contactIds } = await account('tech', [{ persona: 'admin' }]);
    const contactId = contactIds[0] as string;
    await enrolContacts(database.db, clock, ws.workspaceId, stream.id, contactIds, { type: 'member' });
    await sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId });
    clock.advance(3_600_000);
    await recordConsent(database.db, clock, ws.workspaceId, {
      contactId,
      purpose: `list:${listId}`,
      action: 'withdrawn',
      method: 'one_click',
      recordedBy: { name: 'contact' },
    });
    clock.advance(DAY);
    expect(await sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId })).toMatchObject({ sent: 0, exited: 1 });
    expect(await enrolment(stream.id, contactId)).toMatchObject({ exit_reason: 'unsubscribed' });
    expect(await messagesFor(contactId)).toHaveLength(1);
  });

  it('sends each step once when the job runs twice at the same time', async () => {
    clock.set('2026-07-10T09:00:00Z');
    const stream = await newStream([{ template: 'welcome', delay: '0d' }], { segment: false });
    const contacts: string[] = [];
    for (let i = 0; i < 5; i++) contacts.push(...(await account('tech', [{ persona: 'admin' }, { persona: 'admin' }])).contactIds);
    await enrolContacts(database.db, clock, ws.workspaceId, stream.id, contacts, { type: 'member' });
    const runs = await Promise.all([
      sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId }),
      sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId }),
    ]);
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(10);
    await sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId });
    const sent = await database.db
      .selectFrom('messages')
      .select('dedupe_key')
      .where('source_id', '=', stream.steps[0]?.id as string)
      .execute();
    expect(sent).toHaveLength(10);
    expect(new Set(sent.map((m) => m.dedupe_key)).size).toBe(10);
  });

  it('excludes a step whose template was deleted since (missing data) and goes on, without blocking other streams', async () => {
    clock.set('2026-07-15T09:00:00Z');
    await createTemplate(database.db, clock, ws.admin, { key: 'doomed', name: 'Doomed', subject: 'Soon gone', body: '<p>Hi</p>' });
    const doomed = await newStream(
      [
        { template: 'doomed', delay: '0d' },
        { template: 'tips', delay: '1d' },
      ],
      { segment: false },
    );
    const fine = await newStream([{ template: 'welcome', delay: '0d' }], { segment: false });
    const { contactIds } = await account('tech', [{ persona: 'admin' }]);
    const contactId = contactIds[0] as string;
    await enrolContacts(database.db, clock, ws.workspaceId, doomed.id, contactIds, { type: 'member' });
    await enrolContacts(database.db, clock, ws.workspaceId, fine.id, contactIds, { type: 'member' });
    await deleteTemplate(database.db, clock, ws.admin, 'doomed');
    expect(await sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId })).toMatchObject({ sent: 2 });
    const messages = await messagesFor(contactId);
    expect(messages.map((m) => [m.source_id, m.status, m.reason])).toEqual(
      expect.arrayContaining([
        [doomed.steps[0]?.id, 'excluded', 'missing_data'],
        [fine.steps[0]?.id, 'queued', null],
      ]),
    );
    expect(await enrolment(doomed.id, contactId)).toMatchObject({ step: 1 });
  });

  it('takes new steps at the end and new delays once active, and refuses removing or changing a sent step', async () => {
    clock.set('2026-07-20T09:00:00Z');
    const stream = await newStream(
      [
        { template: 'welcome', delay: '0d' },
        { template: 'tips', delay: '5d' },
      ],
      { segment: false },
    );
    const { contactIds } = await account('tech', [{ persona: 'admin' }]);
    await enrolContacts(database.db, clock, ws.workspaceId, stream.id, contactIds, { type: 'member' });
    await sendDueSteps(database.db, clock, { workspaceId: ws.workspaceId });
    const [first, second] = stream.steps as [(typeof stream.steps)[0], (typeof stream.steps)[0]];
    await expect(updateStream(database.db, clock, ws.admin, stream.id, { steps: [{ id: second.id, template: 'tips', delay: '1d' }] })).rejects.toMatchObject({
      details: expect.arrayContaining([expect.objectContaining({ path: 'body.steps.0' })]),
    });
    await expect(
      updateStream(database.db, clock, ws.admin, stream.id, {
        steps: [
          { id: first.id, template: 'tips', delay: '0d' },
          { id: second.id, template: 'tips', delay: '5d' },
        ],
      }),
    ).rejects.toMatchObject({ details: [expect.objectContaining({ path: 'body.steps.0.template' })] });
    const updated = await updateStream(database.db, clock, ws.admin, stream.id, {
      steps: [
        { id: first.id, template: 'welcome', delay: '0d' },
        { id: second.id, template: 'tips', delay: '1d' },
        { template: 'last-call', delay: '2d' },
      ],
    });
    expect(updated.steps.map((s) => s.template)).toEqual(['welcome', 'tips', 'last-call']);
    // The waiting enrolment falls due after the new, shorter delay.
    expect((await enrolment(stream.id, contactIds[0] as string)).next_at).toEqual(new Date(clock.now().getTime() + DAY));
    const audit = await database.db.selectFrom('audit_log').select('action').where('entity_id', '=', stream.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['stream.created', 'stream.activated', 'stream.updated']);
  });

  it('refuses bad input through the API with 4xx naming the field, and changes nothing', async () => {
    const api = await createTestApp(database.db, clock);
    try {
      const key = await createTestKey(database.db, clock, ws);
      const before = await api.call('GET', '/api/v1/streams', { key });
      const badTemplate = await api.call('POST', '/api/v1/streams', {
        key,
        body: { key: 'bad', name: 'Bad', list: 'onboarding-tips', steps: [{ template: 'nope', delay: '1d' }] },
      });
      expect(badTemplate.status).toBe(400);
      expect(badTemplate.body.error.details).toEqual([{ path: 'body.steps.0.template', message: 'nope is not a template of this workspace' }]);
      const badDelay = await api.call('POST', '/api/v1/streams', {
        key,
        body: { key: 'bad', name: 'Bad', list: 'onboarding-tips', steps: [{ template: 'welcome', delay: 'soon' }] },
      });
      expect(badDelay.status).toBe(400);
      expect(badDelay.body.error.details[0].path).toMatch(/steps\.0\.delay/);
      const badList = await api.call('POST', '/api/v1/streams', { key, body: { key: 'bad', name: 'Bad', list: 'nope' } });
      expect(badList.body.error.details).toEqual([{ path: 'body.list', message: 'nope is not a mailing list of this workspace' }]);
      const created = await api.call('POST', '/api/v1/streams', { key, body: { key: 'empty', name: 'Empty', list: 'onboarding-tips' } });
      const start = await api.call('PATCH', `/api/v1/streams/${created.body.id}`, { key, body: { status: 'active' } });
      expect(start.status).toBe(400);
      expect(start.body.error.details[0]).toMatchObject({ path: 'body.status' });
      const after = await api.call('GET', '/api/v1/streams', { key });
      expect(after.body.items).toHaveLength(before.body.items.length + 1);
    } finally {
      await api.close();
    }
  });
});

describe('engine actions', () => {
  const model = (actions: string) => `key: ${unique('mailer')}
name: Mailer
segment: { conditions: [{ field: tags, op: has, value: mailer }] }
phases:
  - key: onboarding
    name: Onboarding
moments:
${actions}`;
  const moment = (id: string, action: string) => `  - id: ${id}
    name: ${id}
    phase: onboarding
    owner: automated
    channel: email
    digital: true
    objective: Email the admins.
    start: { type: scheduled, rrule: FREQ=DAILY;COUNT=1, anchor: engaged }
    action: ${action}
`;

  it('checks the actions of a model file: a malformed key or persona is an error, a template or stream the workspace lacks a warning', async () => {
    const bad = await validateModel(database.db, clock, ws.workspaceId, {
      source: model(moment('hello', '{ type: email, template: Welcome!, personas: [admin] }')),
      file: 'mailer.yaml',
    });
    expect(bad.issues).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        path: 'moments.0.action.template',
        file: 'mailer.yaml',
        line: 16,
        message: 'must be a key: lower-case letters, digits, _ or -',
      }),
    );
    const persona = await validateModel(database.db, clock, ws.workspaceId, {
      source: model(moment('hello', '{ type: email, template: welcome, personas: [boss] }')),
      file: 'mailer.yaml',
    });
    expect(persona.issues[0]).toMatchObject({ severity: 'error', path: 'moments.0.action.personas.0' });
    const unknown = await validateModel(database.db, clock, ws.workspaceId, {
      source: model(moment('hello', '{ type: email, template: nope, personas: [admin] }')),
      file: 'mailer.yaml',
    });
    expect(unknown.issues).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        path: 'moments.0.action.template',
        message: 'nope is not a template of this workspace: nothing is sent until it exists',
      }),
    );
    const stream = await validateModel(database.db, clock, ws.workspaceId, {
      source: model(moment('hello', '{ type: enrol, stream: nope, personas: [admin] }')),
      file: 'mailer.yaml',
    });
    expect(stream.issues).toContainEqual(expect.objectContaining({ severity: 'warning', path: 'moments.0.action.stream' }));
    const list = await validateModel(database.db, clock, ws.workspaceId, {
      source: model(moment('hello', '{ type: email, template: welcome, personas: [admin], list: nope }')),
      file: 'mailer.yaml',
    });
    expect(list.issues).toContainEqual(expect.objectContaining({ severity: 'warning', path: 'moments.0.action.list' }));
  });

  it('emails the account’s contacts of the personas through the gate and records sent and excluded on the instance; enrol enrols', async () => {
    clock.set('2026-08-01T09:00:00Z');
    const stream = await newStream([{ template: 'tips', delay: '1d' }], { segment: false });
    const a = await createAccount(database.db, clock, ws.system, { name: unique('Mailer'), tags: ['mailer'] });
    const ids: string[] = [];
    for (const [persona, consent] of [
      ['admin', true],
      ['admin', false],
      ['end_user', true],
    ] as const) {
      const c = await createContact(database.db, clock, ws.system, { accountId: a.id, name: unique('P'), email: `${unique('m')}@customer.test`, persona });
      if (consent)
        await recordConsent(database.db, clock, ws.workspaceId, {
          contactId: c.id,
          purpose: `list:${listId}`,
          action: 'granted',
          method: 'form',
          recordedBy: { name: 'contact' },
        });
      ids.push(c.id);
    }
    await applyModel(
      database.db,
      clock,
      ws.system,
      {
        source: model(
          moment('hello', '{ type: email, template: welcome, personas: [admin], list: onboarding-tips }') +
            moment('nurture', `{ type: enrol, stream: ${stream.key}, personas: [admin, end_user] }`),
        ),
        file: 'mailer.yaml',
      },
      { approve: true },
    );
    await sweep(database.db, clock, { workspaceId: ws.workspaceId });
    await runAutomatedMoments(database.db, clock);
    const instances = await database.db.selectFrom('moment_instances').selectAll().where('account_id', '=', a.id).orderBy('moment_id').execute();
    const hello = instances.find((i) => i.moment_id === 'hello');
    expect(hello).toMatchObject({
      status: 'done',
      outcome: 'sent 1, excluded 1: no consent',
      evidence: expect.objectContaining({ email: expect.objectContaining({ queued: 1, excluded: { no_consent: 1 } }) }),
    });
    expect((await messagesFor(ids[0] as string)).map((m) => [m.status, m.dedupe_key])).toEqual([['queued', `moment:${hello?.id}:${ids[0]}`]]);
    expect(await messagesFor(ids[2] as string)).toEqual([]);
    expect(instances.find((i) => i.moment_id === 'nurture')).toMatchObject({ status: 'done', outcome: `enrolled 3 in ${stream.key}` });
    expect((await listEnrolments(database.db, ws.admin, stream.id, { limit: 10 })).map((e) => e.source)).toEqual(['moment', 'moment', 'moment']);
  });
});
