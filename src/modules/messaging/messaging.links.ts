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

/** The signed link to a contact's preference centre (the consent module's page at /preferences/:token). Valid 400 days. */
export function preferencesUrl(config: LinkConfig, workspaceId: string, contactId: string, at: Date = new Date()): string {
  return `${config.publicUrl}/preferences/${signPreferencesToken(config.secret, { workspaceId, contactId }, at)}`;
}
