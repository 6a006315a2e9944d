import { invalid } from './errors.ts';

/** Opaque keyset cursor: the last row's sort key (as text, so timestamps keep microseconds) and id. */
export function encodeCursor(sortKey: string, id: string): string {
  return Buffer.from(JSON.stringify([sortKey, id])).toString('base64url');
}

/** Reads a cursor this API returned; anything else is a 400 naming the parameter. */
export function decodeCursor(cursor: string, sortKeyPattern?: RegExp): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      (!sortKeyPattern || sortKeyPattern.test(value[0])) &&
      /^[0-9a-f-]{36}$/.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw invalid('querystring.cursor', 'is not a cursor this API returned');
}

/** Escapes LIKE wildcards so user text matches literally. */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (m) => `\\${m}`);
