import { createHash } from 'node:crypto';
import { type AddressObject, type Attachment, simpleParser } from 'mailparser';
import { messageIdFrom } from './messaging.compose.ts';
import { UNSUBSCRIBE_SUBJECT_PREFIX } from './messaging.links.ts';

// What a mail in the bounce mailbox is: a delivery status notification (RFC 3464), a feedback report (ARF, RFC 5965),
// a mailto: unsubscribe request (RFC 2369, the token Momentum put in List-Unsubscribe), or anything else. Pure: it
// only reads the mail; the mailbox reader decides what to do.

export type MailReport =
  | {
      kind: 'bounce';
      /** A permanent failure (status 5.x.x): the address is suppressed. A temporary one (4.x.x, or a delay) is recorded. */
      hard: boolean;
      status: string;
      recipient: string | null;
      detail: string;
      /** Outbox message ids the report names, most trusted first (VERP address, then the original's Message-ID). */
      messageIds: string[];
    }
  | { kind: 'delivery_report'; messageIds: string[] }
  | { kind: 'complaint'; feedbackType: string; recipient: string | null; detail: string; messageIds: string[] }
  | { kind: 'unsubscribe'; token: string }
  | { kind: 'unrecognised'; why: string };

export interface ClassifiedMail {
  /** Stable per mail: its Message-ID (a second delivery of the same mail has the same key), else a hash of its bytes. */
  key: string;
  /** The mail's own Message-ID, for the ledger's proof of an unsubscribe request. */
  mailMessageId: string | null;
  date: Date | null;
  report: MailReport;
}

const DSN_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const ORIGINAL_TYPES = new Set(['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers']);
/** Feedback types that are a recipient's complaint (RFC 5965: abuse; fraud is a phishing report on the same message). */
const COMPLAINT_TYPES = new Set(['abuse', 'fraud']);
const TOKEN = new RegExp(`\\b${UNSUBSCRIBE_SUBJECT_PREFIX}([A-Za-z0-9_-]{16,400})`, 'i');

/**
 * Header-style fields (RFC 822 syntax: `Name: value`, continuation lines folded in), in groups separated by blank
 * lines: a delivery-status part is one per-message group and one group per recipient; a feedback report is one group.
 */
export function fieldGroups(text: string): Map<string, string>[] {
  const groups: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let last: string | null = null;
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) groups.push(current);
      current = new Map();
      last = null;
    } else if (/^[ \t]/.test(line) && last) {
      current.set(last, `${current.get(last) ?? ''} ${line.trim()}`);
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      // The first of a repeated field wins (Original-Rcpt-To may repeat in a feedback report).
      if (!current.has(last)) current.set(last, line.slice(colon + 1).trim());
      else last = null;
    }
  }
  if (current.size > 0) groups.push(current);
  return groups;
}

/** `rfc822; pat@example.com` -> `pat@example.com` (the address type of DSN and ARF recipient fields). */
function addressOf(field: string | undefined): string | null {
  if (!field) return null;
  const value = field.includes(';') ? field.slice(field.indexOf(';') + 1) : field;
  const address = (/<([^>]*)>/.exec(value)?.[1] ?? value).trim();
  return /^[^\s@]+@[^\s@]+$/.test(address) ? address : null;
}

const addresses = (header: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(header) ? header : header ? [header] : []).flatMap((h) => h.value.map((a) => a.address ?? ''));

const headerText = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) ? value.map(headerText).join(' ') : '');

/** The header block of an attached original message (message/rfc822 or text/rfc822-headers). */
function originalHeaders(part: Attachment | undefined): Map<string, string> {
  if (!part) return new Map();
  const text = part.content.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  return fieldGroups(end === -1 ? text : text.slice(0, end))[0] ?? new Map();
}

/** Outbox message ids named by the VERP addresses and Message-IDs given, in that order, each once. */
function messageIds(verpCandidates: (string | null | undefined)[], messageIdCandidates: (string | null | undefined)[]): string[] {
  const ids: string[] = [];
  for (const text of verpCandidates) {
    const id = text && /\+[0-9a-f]{32}@/i.test(text) ? messageIdFrom(text) : undefined;
    if (id && !ids.includes(id)) ids.push(id);
  }
  for (const text of messageIdCandidates) {
    const id = text && /<[^>]+>/.test(text) ? messageIdFrom(text) : undefined;
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** Reads one mail of the bounce mailbox and says what it is. Never throws on a malformed mail: it is unrecognised. */
export async function classifyMail(raw: Buffer): Promise<ClassifiedMail> {
  const parsed = await simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  const mailMessageId = parsed.messageId ?? null;
  const key = createHash('sha256')
    .update(mailMessageId ? `message-id:${mailMessageId}` : `bytes:${createHash('sha256').update(raw).digest('hex')}`)
    .digest('hex');
  const base = { key, mailMessageId, date: parsed.date ?? null };
  const contentType = parsed.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  const reportType = contentType?.value?.toLowerCase() === 'multipart/report' ? (contentType.params?.['report-type'] ?? '').toLowerCase() : '';
  // Where the report was delivered: the VERP address the message was sent from (bounces+<id>@...).
  const deliveredTo = [
    ...addresses(parsed.to),
    ...['delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to', 'x-delivered-to'].map((h) => headerText(parsed.headers.get(h))),
  ];
  const original = parsed.attachments.find((a) => ORIGINAL_TYPES.has(a.contentType.toLowerCase()));
  const originalFields = originalHeaders(original);
  const originalIds = [originalFields.get('message-id')];
  const originalVerp = [originalFields.get('return-path')];

  if (reportType === 'delivery-status') {
    const part = parsed.attachments.find((a) => DSN_TYPES.has(a.contentType.toLowerCase()));
    if (!part) return { ...base, report: { kind: 'unrecognised', why: 'delivery report without a delivery-status part' } };
    const [, ...recipients] = fieldGroups(part.content.toString('utf8'));
    const ids = messageIds([...deliveredTo, ...originalVerp], originalIds);
    const failed = recipients.find((r) => /^(failed|delayed)$/i.test(r.get('action') ?? '') || /^[45]\./.test(r.get('status') ?? ''));
    if (!failed) {
      return recipients.length > 0
        ? { ...base, report: { kind: 'delivery_report', messageIds: ids } }
        : { ...base, report: { kind: 'unrecognised', why: 'delivery report naming no recipient' } };
    }
    const status = /^\d\.\d{1,3}\.\d{1,3}/.exec(failed.get('status') ?? '')?.[0] ?? '';
    const hard = status.startsWith('5') || (!status && /^failed$/i.test(failed.get('action') ?? ''));
    const diagnostic = (failed.get('diagnostic-code') ?? '').replace(/^smtp;\s*/i, '');
    const detail = (diagnostic.includes(status) ? diagnostic : `${status || failed.get('action')} ${diagnostic}`).trim().slice(0, 1000);
    const recipient = addressOf(failed.get('final-recipient')) ?? addressOf(failed.get('original-recipient'));
    return { ...base, report: { kind: 'bounce', hard, status, recipient, detail, messageIds: ids } };
  }

  if (reportType === 'feedback-report') {
    const part = parsed.attachments.find((a) => a.contentType.toLowerCase() === 'message/feedback-report');
    const fields = part ? (fieldGroups(part.content.toString('utf8'))[0] ?? new Map<string, string>()) : null;
    if (!fields) return { ...base, report: { kind: 'unrecognised', why: 'feedback report without its report part' } };
    const feedbackType = (fields.get('feedback-type') ?? '').toLowerCase();
    if (!COMPLAINT_TYPES.has(feedbackType)) return { ...base, report: { kind: 'unrecognised', why: `feedback report of type ${feedbackType || 'none'}` } };
    const ids = messageIds([fields.get('original-mail-from'), ...originalVerp, ...deliveredTo], originalIds);
    const recipient = addressOf(fields.get('original-rcpt-to')) ?? addressOf(originalFields.get('to'));
    const detail = `${feedbackType} report${fields.get('user-agent') ? ` by ${fields.get('user-agent')}` : ''}`.slice(0, 1000);
    return { ...base, report: { kind: 'complaint', feedbackType, recipient, detail, messageIds: ids } };
  }

  if (!reportType) {
    const token = TOKEN.exec(parsed.subject ?? '')?.[1] ?? deliveredTo.map((t) => TOKEN.exec(t)?.[1]).find(Boolean);
    if (token) return { ...base, report: { kind: 'unsubscribe', token } };
  }
  return { ...base, report: { kind: 'unrecognised', why: reportType ? `report of type ${reportType}` : 'not a report nor an unsubscribe request' } };
}
