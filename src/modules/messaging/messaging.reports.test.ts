import { describe, expect, it } from 'vitest';
import { classifyMail, fieldGroups } from './messaging.reports.ts';

// What the bounce mailbox reader makes of the report formats it meets beyond the Postfix DSN and the ARF report the
// mailbox test delivers through Dovecot. Pure: no database, no server.

const ID = '0123abcd-4567-4def-8901-23456789abcd';
const VERP = `bounces+${ID.replace(/-/g, '')}@mail.example.com`;

function report(type: string, parts: { type: string; body: string }[], headers: string[] = []): Buffer {
  const lines = [
    'From: postmaster@mx.customer.test',
    `To: ${VERP}`,
    'Subject: Delivery report',
    'Message-ID: <report-1@mx.customer.test>',
    ...headers,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=${type}; boundary="XX"`,
    '',
  ];
  for (const part of parts) lines.push('--XX', `Content-Type: ${part.type}`, '', part.body, '');
  lines.push('--XX--', '');
  return Buffer.from(lines.join('\r\n'));
}

describe('classifyMail', () => {
  it('reads an internationalised DSN (message/global-delivery-status) and a folded Diagnostic-Code', async () => {
    const mail = await classifyMail(
      report('delivery-status', [
        { type: 'text/plain', body: 'Your message could not be delivered.' },
        {
          type: 'message/global-delivery-status',
          body: 'Reporting-MTA: dns; mx.customer.test\r\n\r\nFinal-Recipient: utf-8; jörg@customer.test\r\nAction: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox\r\n  full',
        },
      ]),
    );
    expect(mail.report).toEqual({
      kind: 'bounce',
      hard: true,
      status: '5.2.2',
      recipient: 'jörg@customer.test',
      detail: '552 5.2.2 Mailbox full',
      messageIds: [ID],
    });
  });

  it('takes a success notice for a delivery report, not a bounce', async () => {
    const mail = await classifyMail(
      report('delivery-status', [
        {
          type: 'message/delivery-status',
          body: 'Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; pat@customer.test\r\nAction: delivered\r\nStatus: 2.0.0',
        },
      ]),
    );
    expect(mail.report).toEqual({ kind: 'delivery_report', messageIds: [ID] });
  });

  it('leaves a feedback report that is not a complaint (not-spam) unrecognised', async () => {
    const mail = await classifyMail(report('feedback-report', [{ type: 'message/feedback-report', body: 'Feedback-Type: not-spam\r\nVersion: 1' }]));
    expect(mail.report.kind).toBe('unrecognised');
  });

  it('finds an unsubscribe token in the subject, even behind a reply prefix, and nothing in an ordinary mail', async () => {
    const request = (subject: string) =>
      classifyMail(
        Buffer.from(`From: pat@customer.test\r\nTo: bounces@mail.example.com\r\nSubject: ${subject}\r\nMessage-ID: <u1@customer.test>\r\n\r\nplease\r\n`),
      );
    expect((await request('Re: unsubscribe-AbCdEfGhIjKlMnOpQrStUv_-0123')).report).toEqual({ kind: 'unsubscribe', token: 'AbCdEfGhIjKlMnOpQrStUv_-0123' });
    expect((await request('Please unsubscribe me')).report.kind).toBe('unrecognised');
  });

  it('keys a mail by its Message-ID, so a second delivery of the same mail has the same key', async () => {
    const a = await classifyMail(Buffer.from('Received: from a\r\nMessage-ID: <same@x.test>\r\nSubject: x\r\n\r\nbody\r\n'));
    const b = await classifyMail(Buffer.from('Received: from b\r\nMessage-ID: <same@x.test>\r\nSubject: x\r\n\r\nbody\r\n'));
    expect(a.key).toBe(b.key);
    expect(a.mailMessageId).toBe('<same@x.test>');
  });
});

describe('fieldGroups', () => {
  it('splits a delivery-status body into its per-message and per-recipient groups, unfolding continuation lines', () => {
    const groups = fieldGroups(
      'Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@x.test\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550\n  unknown\n\n\nFinal-Recipient: rfc822; b@x.test\n',
    );
    expect(groups.map((g) => Object.fromEntries(g))).toEqual([
      { 'reporting-mta': 'dns; mx' },
      { 'final-recipient': 'rfc822; a@x.test', status: '5.1.1', 'diagnostic-code': 'smtp; 550 unknown' },
      { 'final-recipient': 'rfc822; b@x.test' },
    ]);
  });
});
