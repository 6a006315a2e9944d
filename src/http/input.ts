import type { FastifyRequest } from 'fastify';
import { AppError, type ErrorDetail } from '../lib/errors.ts';

/**
 * Text PostgreSQL cannot store: a NUL character (text columns refuse it) or a lone UTF-16 surrogate (not UTF-8).
 * Segment ingestion cleans such text itself (an event must not be lost for a stray byte); everything else refuses it.
 */
function badText(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain a NUL character (\\u0000)';
  if (!value.isWellFormed()) return 'must be well-formed Unicode (a lone surrogate is not)';
  return undefined;
}

function collect(value: unknown, path: string, out: ErrorDetail[], depth = 0): void {
  if (out.length >= 20 || depth > 64) return;
  if (typeof value === 'string') {
    const message = badText(value);
    if (message) out.push({ path, message });
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) collect(item, `${path}.${i}`, out, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyMessage = badText(key);
      if (keyMessage) out.push({ path: `${path}.${key.replaceAll('\u0000', '\\u0000')}`, message: `field name ${keyMessage}` });
      collect(item, `${path}.${key}`, out, depth + 1);
    }
  }
}

/** preValidation hook for the members' API: one place where every route refuses text the database cannot store. */
export async function refuseUnstorableText(request: FastifyRequest): Promise<void> {
  if (!request.url.startsWith('/api/')) return;
  const details: ErrorDetail[] = [];
  collect(request.params, 'params', details);
  collect(request.query, 'querystring', details);
  collect(request.body, 'body', details);
  if (details.length > 0) {
    throw new AppError('validation_failed', `Invalid input: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
  }
}
