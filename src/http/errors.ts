import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, type ErrorCode, type ErrorDetail } from '../lib/errors.ts';

const statusByCode: Record<ErrorCode, number> = {
  validation_failed: 400,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
};

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

function send(reply: FastifyReply, status: number, code: string, message: string, details: ErrorDetail[] = []) {
  return reply
    .status(status)
    .type('application/json')
    .send({ error: { code, message, ...(details.length > 0 && { details }) } });
}

/** The one error handler: AppError and Fastify's own client errors are 4xx; anything else is a bug (500). */
export function handleError(error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
    return send(reply, statusByCode[error.code], error.code, error.message, error.details);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as FastifyError).validationContext ?? 'body';
    const details = error.validation.map((v) => {
      const path = [where, ...v.instancePath.split('/').filter(Boolean)].join('.');
      const keys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: string[] }).keys : undefined;
      return keys?.length
        ? { path: `${path}.${keys.join(',')}`, message: `unknown field${keys.length > 1 ? 's' : ''}` }
        : { path, message: v.message ?? 'is invalid' };
    });
    return send(reply, 400, 'validation_failed', `Invalid ${where}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
  }
  if (isResponseSerializationError(error)) {
    request.log.error({ err: error, cause: error.cause }, 'response did not match its schema');
    return send(reply, 500, 'internal', 'Internal error: the response did not match its schema');
  }
  const fe = error as FastifyError;
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code =
      fe.statusCode === 413
        ? 'payload_too_large'
        : fe.statusCode === 415
          ? 'unsupported_media_type'
          : fe.statusCode === 429
            ? 'rate_limited'
            : fe.statusCode === 404
              ? 'not_found'
              : 'bad_request';
    return send(reply, fe.statusCode, code, fe.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return send(reply, 500, 'internal', 'Internal error');
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  return send(reply, 404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`);
}
