import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { createTestMember, createTestWorkspace, type TestWorkspace, testClock } from '../../../test/factories.ts';
import type { AppError } from '../../lib/errors.ts';
import { createAccount } from '../accounts/accounts.ts';
import { listAudit } from '../audit/audit.ts';
import { createContact } from '../contacts/contacts.ts';
import { createMetric } from '../metrics/metrics.ts';
import { createTemplate, previewTemplate, renderTemplate, updateTemplate } from './templates.ts';

const clock = testClock();
let database: TestDatabase;
let ws: TestWorkspace;
let hostileId: string;
let plainId: string;
let noTitleId: string;

async function refused(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  database = await createTestDatabase();
  ws = await createTestWorkspace(database.db, clock);
  const csm = await createTestMember(database.db, clock, ws, ['csm'], 'Casey Csm');
  await createMetric(database.db, clock, ws.admin, { key: 'logins', label: 'Logins', kind: 'count', eventName: 'Logged In' });
  const account = await createAccount(database.db, clock, ws.admin, { name: 'Acme <b>& Co</b>', phase: 'onboarding', team: { csm: csm.member.id } });
  hostileId = (
    await createContact(database.db, clock, ws.admin, {
      accountId: account.id,
      name: '<script>alert(1)</script> Mallory',
      email: 'mallory@acme.test',
      title: '"><img src=x onerror=alert(1)>',
    })
  ).id;
  plainId = (await createContact(database.db, clock, ws.admin, { accountId: account.id, name: 'Pat Plain', email: 'pat@acme.test', title: 'CTO' })).id;
  noTitleId = (await createContact(database.db, clock, ws.admin, { accountId: account.id, name: 'Nia Notitle', email: 'nia@acme.test' })).id;
});
afterAll(async () => database?.dispose());

describe('templates', () => {
  it('renders each contact with their account, team and metrics, escaping hostile contact data in the HTML', async () => {
    const template = await createTemplate(database.db, clock, ws.admin, {
      key: 'welcome',
      name: 'Welcome',
      subject: 'Welcome to {{ account.name }}, {{ contact.first_name }}',
      body: '<p>Hi {{ contact.name }} ({{ contact.title }}), your CSM is {{ team.csm.name }}. Logins: {{ metrics.logins }}.</p><a href="{{ links.preferences }}">Preferences</a>',
    });
    expect(template.variables).toEqual([
      'account.name',
      'contact.first_name',
      'contact.name',
      'contact.title',
      'links.preferences',
      'metrics.logins',
      'team.csm.name',
    ]);
    const rendered = await renderTemplate(database.db, ws.workspaceId, 'welcome', [hostileId, plainId], {
      clock,
      links: (id) => ({ unsubscribe: `https://m.test/u/${id}`, preferences: `https://m.test/p/${id}?a=1&b=2` }),
    });
    const hostile = rendered.get(hostileId);
    if (!hostile || 'missing' in hostile) throw new Error('expected a rendered message');
    expect(hostile.html).not.toContain('<script>alert');
    expect(hostile.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Mallory');
    expect(hostile.html).toContain('&#34;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(hostile.html).not.toContain('<img src=x');
    expect(hostile.html).toContain(`href="https://m.test/p/${hostileId}?a=1&amp;b=2"`);
    // The subject and the text part are plain text: not HTML-escaped.
    expect(hostile.subject).toBe('Welcome to Acme <b>& Co</b>, <script>alert(1)</script>');
    const plain = rendered.get(plainId);
    if (!plain || 'missing' in plain) throw new Error('expected a rendered message');
    expect(plain.html).toContain('Hi Pat Plain (CTO), your CSM is Casey Csm. Logins: 0.');
    expect(plain.text).toContain('Hi Pat Plain (CTO), your CSM is Casey Csm. Logins: 0.');
    expect(plain.text).toContain(`Preferences [https://m.test/p/${plainId}?a=1&b=2]`);
    expect(plain.html).toMatch(/^<!doctype html>/i);
  });

  it('reports the variables a contact lacks instead of rendering (data availability), and unknown contacts', async () => {
    await createTemplate(database.db, clock, ws.admin, {
      key: 'title-needed',
      name: 'Title needed',
      subject: 'For {{ contact.name }}',
      body: '<p>As {{ contact.title }} at {{ account.name }}{% if contact.phone %}, call {{ contact.phone }}{% endif %} {{ links.unsubscribe }}</p>',
    });
    const rendered = await renderTemplate(database.db, ws.workspaceId, 'title-needed', [noTitleId, plainId, '00000000-0000-4000-8000-000000000000'], {
      clock,
    });
    expect(rendered.get(noTitleId)).toEqual({ missing: ['contact.title'] });
    // A phone used only inside {% if %} is optional; the unsubscribe link is messaging's placeholder, signed per message.
    expect(rendered.get(plainId)).toMatchObject({ html: expect.stringContaining('As CTO at Acme &lt;b&gt;&amp; Co&lt;/b&gt; %%unsubscribe_url%%') });
    expect(rendered.get('00000000-0000-4000-8000-000000000000')).toEqual({ missing: ['contact'] });
  });

  it('refuses an unknown variable at save, naming the field, the line and what exists', async () => {
    const error = await refused(
      createTemplate(database.db, clock, ws.admin, {
        key: 'typo',
        name: 'Typo',
        subject: 'Hello',
        body: '<p>Hello</p>\n<p>{{ contact.fist_name }}</p>',
      }),
    );
    expect(error.code).toBe('validation_failed');
    expect(error.details).toEqual([
      { path: 'body.body', message: expect.stringMatching(/^line 2: unknown variable contact\.fist_name: contact has one of .*first_name/) },
    ]);
    const metric = await refused(createTemplate(database.db, clock, ws.admin, { key: 'typo', name: 'Typo', subject: '{{ metrics.nope }}', body: 'x' }));
    expect(metric.details[0]).toMatchObject({ path: 'body.subject', message: expect.stringContaining('metrics has one of logins') });
    const text = await refused(
      createTemplate(database.db, clock, ws.admin, { key: 'typo', name: 'Typo', subject: 'x', body: 'x', text: 'a\nb\n{{ customer.name }}' }),
    );
    expect(text.details[0]).toMatchObject({ path: 'body.text', message: expect.stringMatching(/^line 3: unknown variable customer\.name/) });
  });

  it('refuses bad Liquid syntax and MJML errors at save with the line, and file includes', async () => {
    const syntax = await refused(
      createTemplate(database.db, clock, ws.admin, { key: 'bad', name: 'Bad', subject: 'x', body: '<p>a</p>\n<p>b</p>\n{% if contact.name %}open' }),
    );
    expect(syntax.details[0]).toMatchObject({ path: 'body.body', message: expect.stringMatching(/^line 3: tag \{% if contact\.name %\} not closed/) });
    const output = await refused(createTemplate(database.db, clock, ws.admin, { key: 'bad', name: 'Bad', subject: 'Hi {{ contact.name', body: 'x' }));
    expect(output.details[0]).toMatchObject({ path: 'body.subject', message: expect.stringMatching(/^line 1: output .* not closed/) });
    const mjml = await refused(
      createTemplate(database.db, clock, ws.admin, {
        key: 'bad',
        name: 'Bad',
        subject: 'x',
        bodyFormat: 'mjml',
        body: '<mjml>\n<mj-body>\n<mj-section>\n<mj-column>\n<mj-texxt>Hi</mj-texxt>\n</mj-column>\n</mj-section>\n</mj-body>\n</mjml>',
      }),
    );
    expect(mjml.details[0]).toMatchObject({ path: 'body.body', message: expect.stringMatching(/^line 5: MJML: Element mj-texxt doesn't exist/) });
    const include = await refused(
      createTemplate(database.db, clock, ws.admin, { key: 'bad', name: 'Bad', subject: 'x', body: 'a\n{% include "/etc/passwd" %}' }),
    );
    expect(include.details[0]).toMatchObject({ path: 'body.body', message: 'line 2: the include tag is not available in email templates' });
    // MJML's own mj-include would read a server file into the email: it is ignored.
    await createTemplate(database.db, clock, ws.admin, {
      key: 'mj-include',
      name: 'Include',
      subject: 'x',
      bodyFormat: 'mjml',
      body: '<mjml><mj-body><mj-include path="/etc/passwd" type="html" /><mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section></mj-body></mjml>',
    });
    const rendered = await renderTemplate(database.db, ws.workspaceId, 'mj-include', [plainId], { clock });
    expect(JSON.stringify(rendered.get(plainId))).not.toContain('root:');
  });

  it('keeps rendering within its limits: a runaway loop excludes the contact with the reason, never hangs', async () => {
    await createTemplate(database.db, clock, ws.admin, {
      key: 'runaway',
      name: 'Runaway',
      subject: 'x',
      body: '{% for i in (1..100000) %}{% for j in (1..100000) %}{{ contact.name }}{% endfor %}{% endfor %}',
    });
    const started = Date.now();
    const rendered = await renderTemplate(database.db, ws.workspaceId, 'runaway', [plainId], { clock });
    expect(rendered.get(plainId)).toEqual({ missing: [expect.stringMatching(/^\((template render limit exceeded|memory alloc limit exceeded)/)] });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('previews a draft as a chosen contact or a sample one, listing missing data, and audits saves', async () => {
    const draft = { subject: 'Hi {{ contact.first_name }}', body: '<p>{{ contact.title }} {{ links.unsubscribe }}</p>' };
    const asNia = await previewTemplate(database.db, clock, ws.admin, { ...draft, contactId: noTitleId });
    expect(asNia).toMatchObject({ contact: { id: noTitleId, name: 'Nia Notitle' }, subject: 'Hi Nia', missing: ['contact.title'] });
    expect(asNia.html).toContain('#unsubscribe-link');
    const sample = await previewTemplate(database.db, clock, ws.admin, draft);
    expect(sample).toMatchObject({ contact: { id: null }, subject: 'Hi Sam', missing: [] });
    expect(sample.html).toContain('Head of Operations');
    const error = await refused(previewTemplate(database.db, clock, ws.admin, { ...draft, body: '{{ contact.nope }}' }));
    expect(error.details[0]?.path).toBe('body.body');

    const saved = await createTemplate(database.db, clock, ws.admin, { key: 'audited', name: 'Audited', subject: 'a', body: 'b' });
    await updateTemplate(database.db, clock, ws.admin, saved.id, { subject: 'a2', text: 'Plain {{ contact.name }}' });
    await updateTemplate(database.db, clock, ws.admin, 'audited', { archived: true });
    const audit = await listAudit(database.db, ws.system, { entityType: 'template', entityId: saved.id, limit: 10 });
    expect(audit.items.map((a) => a.action).reverse()).toEqual(['template.created', 'template.updated', 'template.archived']);
    const rendered = await renderTemplate(database.db, ws.workspaceId, saved.id, [plainId], { clock });
    expect(rendered.get(plainId)).toMatchObject({ subject: 'a2', text: 'Plain Pat Plain' });
  });
});
