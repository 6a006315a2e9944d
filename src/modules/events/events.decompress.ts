import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../lib/errors.ts';

/** Request encodings ingestion accepts (the RudderStack Node SDK gzips every batch by default). */
export const REQUEST_ENCODINGS = ['gzip', 'deflate'] as const;

const inflaters = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate } as const;

/**
 * preParsing hook of the ingestion routes: inflates a body sent with Content-Encoding gzip or deflate before it is
 * parsed. Fastify counts the inflated bytes against the route's body limit (and answers too large); once the inflated
 * body passes that limit, this stops inflating and leaves the rest of the upload unread (Node discards it after the
 * answer), so a decompression bomb costs no more than its first 500 KB. (@fastify/compress's request decompression gets
 * the limit right too, but keeps inflating a bomb to its end after the answer: about a second of CPU per 500 KB bomb.)
 * A body that is not what its label says fails with 400 while it is read.
 */
export async function inflateRequestBody(request: FastifyRequest, _reply: unknown, payload: Readable): Promise<Readable> {
  const header = request.headers['content-encoding']?.trim().toLowerCase();
  if (!header || header === 'identity') return payload;
  const create = inflaters[header as keyof typeof inflaters];
  if (!create) {
    throw new AppError(
      'unsupported_media_type',
      `Content-Encoding ${header} is not supported: send the body as it is, or with ${REQUEST_ENCODINGS.join(' or ')}`,
    );
  }
  const limit = request.routeOptions.bodyLimit;
  const inflate = create() as ReturnType<typeof create> & { receivedEncodedLength: number };
  inflate.receivedEncodedLength = 0;
  let inflated = 0;
  payload.on('data', (chunk: Buffer) => {
    inflate.receivedEncodedLength += chunk.length;
  });
  inflate.on('data', (chunk: Buffer) => {
    inflated += chunk.length;
    // Fastify's own listener, after this one, refuses the body on this same chunk; nothing more is worth inflating.
    if (inflated > limit) {
      // The rest of the upload is read and dropped as Fastify does with any body over its limit, not inflated.
      payload.unpipe(inflate);
      payload.resume();
      setImmediate(() => inflate.destroy());
    }
  });
  // Fastify answers a body's read error with its statusCode: zlib's (not gzip data, cut short) is the caller's.
  inflate.on('error', (error: Error & { statusCode?: number }) => {
    if (error.statusCode !== undefined) return;
    error.statusCode = 400;
    error.message = `The body is labelled Content-Encoding: ${header} but is not ${header} data (${error.message}): send it compressed as labelled, or without that header`;
  });
  payload.on('error', (error) => inflate.destroy(error));
  inflate.pause();
  payload.pipe(inflate);
  return inflate;
}
