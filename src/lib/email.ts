import { z } from 'zod';

/** Emails are stored trimmed and lower-cased so uniqueness holds however they were typed. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be an email address like name@example.com' }))
  .transform(normaliseEmail);
