import type { Selectable } from 'kysely';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Config } from '../../config.ts';
import type { Purpose } from '../consent/consent.gate.ts';
import { preferencesUrl, unsubscribeMailto, unsubscribeUrl } from './messaging.links.ts';
import type { SenderIdentity } from './messaging.settings.ts';
import type { MessagesTable } from './messaging.table.ts';
import { signClickToken, signOpenToken } from './messaging.tokens.ts';

type LinkConfig = Pick<Config, 'publicUrl' | 'secret'>;

/**
 * Placeholders a template may put where the unsubscribe and preference links go (templates render before a message
 * exists): replaced per message when it is composed. Messaging's own footer carries both links anyway.
 */
export const UNSUBSCRIBE_URL_PLACEHOLDER = '%%unsubscribe_url%%';
export const PREFERENCES_URL_PLACEHOLDER = '%%preferences_url%%';

/** DKIM covers these, both unsubscribe headers included (RFC 8058 asks for it; stated here rather than relying on defaults). */
export const DKIM_HEADER_FIELDS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:In-Reply-To:References:List-Id:List-Unsubscribe:List-Unsubscribe-Post';

/** The ledger's purpose key back to the gate's purpose. */
export function purposeFromKey(key: string): Purpose {
  if (key.startsWith('list:')) return { kind: 'list', listId: key.slice(5) };
  if (key === 'service' || key === 'request') return { kind: key };
  if (key === 'member:digest' || key === 'member:test') return { kind: 'member', topic: key.slice(7) as 'digest' | 'test' };
  throw new Error(`unknown purpose ${key}`);
}

const domainOf = (address: string) => address.split('@')[1] ?? 'localhost.localdomain';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const unescapeHref = (href: string) =>
  href
    .replace(/&amp;/g, '&')
    .replace(/&#38;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

/** The envelope sender: the bounce mailbox with the message in it (VERP), so a bounce names the message it is about. */
export function envelopeSender(identity: SenderIdentity, messageId: string, fallback: string): string {
  if (!identity.bounceAddress) return fallback;
  const [local, domain] = identity.bounceAddress.split('@');
  return `${local}+${messageId.replace(/-/g, '')}@${domain}`;
}

/** A message id from a VERP address (`bounces+<32 hex>@domain`) or a Message-ID header (`<uuid@domain>`). */
export function messageIdFrom(text: string): string | undefined {
  const verp = /\+([0-9a-f]{32})@/i.exec(text);
  const hex = verp?.[1] ?? /<?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@/i.exec(text)?.[1]?.replace(/-/g, '');
  if (!hex) return undefined;
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export type ComposableMessage = Pick<
  Selectable<MessagesTable>,
  'workspace_id' | 'id' | 'recipient_kind' | 'recipient_id' | 'purpose' | 'list_id' | 'to_address' | 'subject' | 'html' | 'text' | 'source_label'
>;

/**
 * The mail nodemailer sends (or writes as .eml) for one outbox row. Marketing (list) messages get the footer (sender,
 * postal address, unsubscribe and preference links) in both parts, List-Unsubscribe (the https one-click link, plus a
 * mailto: to the bounce address only while that mailbox is read over IMAP: otherwise it would promise unsubscribes
 * nobody acts on), List-Unsubscribe-Post and List-Id, tracked links and an open pixel. Transactional messages use the
 * transactional sender and carry none of that.
 */
export function composeMail(config: LinkConfig, identity: SenderIdentity, message: ComposableMessage, now: Date): Mail.Options {
  const purpose = purposeFromKey(message.purpose);
  const marketing = purpose.kind === 'list';
  const from = marketing ? identity.marketingFrom : identity.transactionalFrom;
  const domain = domainOf(from.address);
  let html = message.html ?? '';
  let text = message.text ?? '';
  const headers: Record<string, { prepared: true; value: string }> = {};
  const isContact = message.recipient_kind === 'contact';
  const prefs = isContact ? preferencesUrl(config, message.workspace_id, message.recipient_id, now) : null;
  if (marketing && isContact) {
    const unsubscribe = unsubscribeUrl(config, message.workspace_id, message.recipient_id, purpose.listId, now);
    html = replaceAll(html, UNSUBSCRIBE_URL_PLACEHOLDER, escapeHtml(unsubscribe));
    text = replaceAll(text, UNSUBSCRIBE_URL_PLACEHOLDER, unsubscribe);
    html = trackLinks(config, message, html, now);
    html = insertBeforeBodyEnd(html, footerHtml(identity, from.name, unsubscribe, prefs as string) + pixel(config, message, now));
    text = `${text.trimEnd()}\n\n${footerText(identity, from.name, unsubscribe, prefs as string)}`;
    // Prepared (written as is): nodemailer would otherwise MIME-encode the List-Id phrase, which list tools do not decode.
    // RFC 2369: the HTTPS one-click link first; a mailto: only while the bounce mailbox is read (nobody acts on it otherwise).
    const mailto = identity.unsubscribeMailbox
      ? unsubscribeMailto(config, identity.unsubscribeMailbox, message.workspace_id, message.recipient_id, purpose.listId, now)
      : null;
    headers['List-Unsubscribe'] = { prepared: true, value: mailto ? `<${unsubscribe}>, <${mailto}>` : `<${unsubscribe}>` };
    headers['List-Unsubscribe-Post'] = { prepared: true, value: 'List-Unsubscribe=One-Click' };
    headers['List-Id'] = { prepared: true, value: `${listLabel(message.source_label)}<${purpose.listId}.list-id.${domain}>` };
  }
  if (prefs) {
    html = replaceAll(html, PREFERENCES_URL_PLACEHOLDER, escapeHtml(prefs));
    text = replaceAll(text, PREFERENCES_URL_PLACEHOLDER, prefs);
  }
  // A transactional message has no unsubscribe: a stray placeholder becomes the preference centre (or nothing).
  html = replaceAll(html, UNSUBSCRIBE_URL_PLACEHOLDER, prefs ? escapeHtml(prefs) : '');
  text = replaceAll(text, UNSUBSCRIBE_URL_PLACEHOLDER, prefs ?? '');
  const mail: Mail.Options = {
    from: { name: from.name, address: from.address },
    to: message.to_address ?? undefined,
    subject: message.subject ?? '',
    html,
    text,
    messageId: `<${message.id}@${domain}>`,
    date: now,
    headers,
    envelope: { from: envelopeSender(identity, message.id, from.address), to: message.to_address ?? undefined },
  };
  if (identity.replyTo) mail.replyTo = identity.replyTo;
  if (identity.dkim) mail.dkim = { ...identity.dkim, headerFieldNames: DKIM_HEADER_FIELDS };
  return mail;
}

const replaceAll = (text: string, search: string, value: string) => text.split(search).join(value);

function listLabel(label: string | null): string {
  // Written as is (ASCII only): other characters become a hyphen, quotes and brackets go.
  const clean = (label ?? '')
    .replace(/[^\x20-\x7e]+/g, '-')
    .replace(/["\\<>]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 60);
  return clean ? `"${clean}" ` : '';
}

function insertBeforeBodyEnd(html: string, addition: string): string {
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at === -1 ? `${html}${addition}` : `${html.slice(0, at)}${addition}${html.slice(at)}`;
}

/** Every http(s) link of the HTML goes through the signed click redirect, but the unsubscribe and preference links. */
function trackLinks(config: LinkConfig, message: ComposableMessage, html: string, now: Date): string {
  const own = [`${config.publicUrl}/u/`, `${config.publicUrl}/preferences/`];
  return html.replace(/(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi, (whole, start: string, quote: string, href: string) => {
    const url = unescapeHref(href);
    if (own.some((prefix) => url.startsWith(prefix))) return whole;
    const token = signClickToken(config.secret, { workspaceId: message.workspace_id, messageId: message.id, url }, now);
    return `${start}${quote}${escapeHtml(`${config.publicUrl}/c/${token}?url=${encodeURIComponent(url)}`)}${quote}`;
  });
}

function pixel(config: LinkConfig, message: ComposableMessage, now: Date): string {
  const token = signOpenToken(config.secret, { workspaceId: message.workspace_id, messageId: message.id }, now);
  return `<img src="${config.publicUrl}/o/${token}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`;
}

function footerHtml(identity: SenderIdentity, senderName: string, unsubscribe: string, prefs: string): string {
  const address = identity.postalAddress ? ` · ${escapeHtml(identity.postalAddress).replace(/\n/g, ', ')}` : '';
  return `<div style="margin-top:32px;padding-top:16px;border-top:1px solid #e5e7eb;font-family:Arial,sans-serif;font-size:12px;line-height:18px;color:#6b7280;text-align:center">
<p style="margin:0 0 8px">You receive this because you subscribed to emails from ${escapeHtml(senderName)}.
<a href="${escapeHtml(unsubscribe)}" style="color:#6b7280">Unsubscribe</a> · <a href="${escapeHtml(prefs)}" style="color:#6b7280">Manage your email preferences</a></p>
<p style="margin:0">${escapeHtml(senderName)}${address}</p>
</div>`;
}

function footerText(identity: SenderIdentity, senderName: string, unsubscribe: string, prefs: string): string {
  const lines = [
    '--',
    `You receive this because you subscribed to emails from ${senderName}.`,
    `Unsubscribe: ${unsubscribe}`,
    `Manage your email preferences: ${prefs}`,
    identity.postalAddress ? `${senderName}, ${identity.postalAddress.replace(/\n/g, ', ')}` : senderName,
  ];
  return lines.join('\n');
}
