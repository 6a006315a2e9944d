import { describe, expect, it } from 'vitest';
import { newId } from '../../lib/ids.ts';
import {
  signClickToken,
  signOpenToken,
  signPreferencesToken,
  signUnsubscribeToken,
  verifyClickToken,
  verifyOpenToken,
  verifyPreferencesToken,
  verifyUnsubscribeToken,
} from './messaging.tokens.ts';

const secret = 'a-secret-that-is-long-enough-for-tests-0123';
const now = new Date('2026-06-01T09:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);
const data = { workspaceId: newId(), contactId: newId(), listId: newId() };

describe('signed link tokens', () => {
  it('an unsubscribe token is bound to its workspace, contact and list, valid for more than 60 days, and fits a URL path segment', () => {
    const token = signUnsubscribeToken(secret, data, now);
    expect(token.length).toBeLessThanOrEqual(100);
    expect(verifyUnsubscribeToken(secret, token, days(60))).toEqual(data);
    expect(verifyUnsubscribeToken(secret, token, days(399))).toEqual(data);
    expect(verifyUnsubscribeToken(secret, token, days(401))).toBeUndefined();
  });

  it('refuses a token signed with another secret, tampered, truncated, or of another kind', () => {
    const token = signUnsubscribeToken(secret, data, now);
    expect(verifyUnsubscribeToken('another-secret-that-is-long-enough-012345', token, now)).toBeUndefined();
    const flipped = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    expect(verifyUnsubscribeToken(secret, flipped, now)).toBeUndefined();
    expect(verifyUnsubscribeToken(secret, token.slice(0, -2), now)).toBeUndefined();
    expect(verifyUnsubscribeToken(secret, '<script>', now)).toBeUndefined();
    const prefs = signPreferencesToken(secret, data, now);
    expect(verifyUnsubscribeToken(secret, prefs, now)).toBeUndefined();
    expect(verifyPreferencesToken(secret, prefs, now)).toEqual({ workspaceId: data.workspaceId, contactId: data.contactId });
  });

  it('a click token opens only the URL it was made for; an open token only its message', () => {
    const message = { workspaceId: data.workspaceId, messageId: newId() };
    const click = signClickToken(secret, { ...message, url: 'https://docs.example.com/a?b=1' }, now);
    expect(verifyClickToken(secret, click, 'https://docs.example.com/a?b=1', now)).toEqual(message);
    expect(verifyClickToken(secret, click, 'https://docs.example.com/a?b=2', now)).toBeUndefined();
    expect(verifyClickToken(secret, click, 'https://evil.example.com/', now)).toBeUndefined();
    const open = signOpenToken(secret, message, now);
    expect(verifyOpenToken(secret, open, now)).toEqual(message);
    expect(verifyOpenToken(secret, click, now)).toBeUndefined();
  });
});
