import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';

/** Wrong passwords for one email before each next try waits (1 s, 2 s, 4 s ...). */
export const FREE_FAILURES = 5;
/** Wrong passwords for one email that lock it for LOCK_MS. */
export const LOCK_FAILURES = 10;
export const LOCK_MS = 15 * 60 * 1000;
/** Wrong passwords from one address within WINDOW_MS before it must wait for the window to pass. */
export const ADDRESS_FAILURES = 50;
const WINDOW_MS = 15 * 60 * 1000;

const throttled = (message: string, retryAfterSeconds: number) => new AppError('rate_limited', message, [], { retryAfterSeconds });

export const emailKey = (email: string) => `email:${email.trim().toLowerCase()}`;
export const addressKey = (ip: string) => `ip:${ip}`;

/** Refuses a sign-in attempt while the email is locked or backing off, or the address has failed too often. */
export async function checkSignInAllowed(db: Db, clock: Clock, email: string, ip: string): Promise<void> {
  const now = clock.now().getTime();
  const rows = await db
    .selectFrom('sign_in_failures')
    .selectAll()
    .where('key', 'in', [emailKey(email), addressKey(ip)])
    .execute();
  for (const row of rows) {
    const windowOpen = now - row.first_at.getTime() < WINDOW_MS;
    if (row.key.startsWith('ip:')) {
      if (windowOpen && row.failures >= ADDRESS_FAILURES) {
        const wait = Math.ceil((row.first_at.getTime() + WINDOW_MS - now) / 1000);
        throw throttled(`Too many failed sign-ins from this address: try again in ${minutes(wait)}`, wait);
      }
      continue;
    }
    if (row.locked_until && row.locked_until.getTime() > now) {
      const wait = Math.ceil((row.locked_until.getTime() - now) / 1000);
      throw throttled(`Sign-in for this email is locked after ${LOCK_FAILURES} wrong passwords: try again in ${minutes(wait)}`, wait);
    }
    if (row.failures >= FREE_FAILURES && !row.locked_until) {
      const backoff = 2 ** (row.failures - FREE_FAILURES) * 1000;
      const readyAt = row.last_at.getTime() + backoff;
      if (readyAt > now) {
        const wait = Math.ceil((readyAt - now) / 1000);
        throw throttled(`Too many wrong passwords for this email: wait ${wait} s before trying again`, wait);
      }
    }
  }
}

const minutes = (seconds: number) => (seconds < 90 ? `${seconds} s` : `${Math.ceil(seconds / 60)} minutes`);

/**
 * Counts a failed sign-in for the email and the address (one statement each, safe under concurrent attempts); returns
 * true when this failure locked the email.
 */
export async function recordSignInFailure(db: Db, clock: Clock, email: string, ip: string): Promise<boolean> {
  const now = clock.now();
  const windowStart = new Date(now.getTime() - WINDOW_MS);
  const lockUntil = new Date(now.getTime() + LOCK_MS);
  let locked = false;
  for (const key of [emailKey(email), addressKey(ip)]) {
    // A count older than the window, or a lock that has ended, starts again from one.
    const result = await sql<{ failures: number; locked_until: Date | null }>`
      insert into sign_in_failures (key, failures, first_at, last_at, locked_until)
      values (${key}, 1, ${now}, ${now}, null)
      on conflict (key) do update set
        failures = case when sign_in_failures.first_at < ${windowStart} or sign_in_failures.locked_until < ${now} then 1
                        else sign_in_failures.failures + 1 end,
        first_at = case when sign_in_failures.first_at < ${windowStart} or sign_in_failures.locked_until < ${now} then ${now}
                        else sign_in_failures.first_at end,
        last_at = ${now},
        locked_until = case when sign_in_failures.locked_until < ${now} then null else sign_in_failures.locked_until end
      returning failures, locked_until`.execute(db);
    const row = result.rows[0];
    if (key.startsWith('email:') && row && row.failures >= LOCK_FAILURES && !row.locked_until) {
      await db.updateTable('sign_in_failures').set({ locked_until: lockUntil }).where('key', '=', key).execute();
      locked = true;
    }
  }
  return locked;
}

/** A successful sign-in clears the email's count (the address's stays: it may be guessing other emails). */
export async function clearSignInFailures(db: Db, email: string): Promise<void> {
  await db.deleteFrom('sign_in_failures').where('key', '=', emailKey(email)).execute();
}
