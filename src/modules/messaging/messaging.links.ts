import type { Config } from '../../config.ts';
import { signPreferencesToken, signUnsubscribeToken } from './messaging.tokens.ts';

type LinkConfig = Pick<Config, 'publicUrl' | 'secret'>;

/**
 * The signed one-click unsubscribe link of a contact for a list: GET shows a confirm page, POST (RFC 8058) withdraws.
 * Valid 400 days.
 */
export function unsubscribeUrl(config: LinkConfig, workspaceId: string, contactId: string, listId: string, at: Date = new Date()): string {
  return `${config.publicUrl}/u/${signUnsubscribeToken(config.secret, { workspaceId, contactId, listId }, at)}`;
}

/**
 * The mailto: unsubscribe of RFC 2369 for a workspace whose bounce mailbox is read over IMAP: a mail to the bounce
 * address whose subject carries the same signed token as the one-click link (`unsubscribe-<token>`), which the
 * mailbox reader acts on.
 */
export function unsubscribeMailto(config: LinkConfig, mailbox: string, workspaceId: string, contactId: string, listId: string, at: Date = new Date()): string {
  return `mailto:${mailbox}?subject=${UNSUBSCRIBE_SUBJECT_PREFIX}${signUnsubscribeToken(config.secret, { workspaceId, contactId, listId }, at)}`;
}

/** The subject of a mailto: unsubscribe request starts with it, followed by the token. */
export const UNSUBSCRIBE_SUBJECT_PREFIX = 'unsubscribe-';

/** The signed link to a contact's preference centre (the consent module's page at /preferences/:token). Valid 400 days. */
export function preferencesUrl(config: LinkConfig, workspaceId: string, contactId: string, at: Date = new Date()): string {
  return `${config.publicUrl}/preferences/${signPreferencesToken(config.secret, { workspaceId, contactId }, at)}`;
}
