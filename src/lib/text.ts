// Text fields as the API takes them (zod only: schema files the console imports use it).
import { z } from 'zod';

/** Required text, trimmed, 1 to `max` characters. */
export const text = (max: number) => z.string().trim().min(1).max(max);

/** Optional text, trimmed; an empty string or null clears the value (null). */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullable()
    .optional()
    .transform((v) => (v === '' ? null : v));
