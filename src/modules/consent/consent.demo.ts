// The demo workspace's consent: a Webinars list (double opt-in) whose ledger shows every way consent is given and
// withdrawn (a form with the browser's IP and user agent, a double opt-in confirmation, a member recording a request,
// the preference centre), a contact still to confirm, and suppressed addresses (a hard bounce, a manual one).
// Runs before the campaigns and streams demos, which add their own lists (product-news, product-tips).
import type { Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import { type Clock, fixedClock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { createList, findListRow, recordConsent, suppressAddress } from './consent.ts';

export const DEMO_WEBINARS_LIST = 'webinars';
const DAY = 86_400_000;
const WORDING = 'Invite me to the monthly product webinars (about one email a month; unsubscribe from any of them)';
const BROWSERS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
];

export async function seedConsentDemo(tx: Tx, clock: Clock, admin: Actor, accounts: { contacts: { id: string; persona: string }[] }[]): Promise<void> {
  const ws = admin.workspaceId;
  const now = clock.now().getTime();
  const at = (daysAgo: number, minutes = 0) => fixedClock(new Date(now - daysAgo * DAY + minutes * 60_000));
  if (await findListRow(tx, ws, DEMO_WEBINARS_LIST)) return;
  const list = await createList(tx, at(90), admin, {
    key: DEMO_WEBINARS_LIST,
    name: 'Webinars',
    description: 'Monthly live sessions on new features and good practice',
    optIn: 'double',
    wording: WORDING,
  });
  const purpose = `list:${list.id}`;
  const people = accounts.flatMap((a) => a.contacts).filter((c) => c.persona === 'champion' || c.persona === 'end_user');
  for (const [i, person] of people.slice(0, 40).entries()) {
    const day = 80 - i;
    const source = { sourceIp: `203.0.113.${10 + i}`, userAgent: BROWSERS[i % BROWSERS.length] };
    const base = { contactId: person.id, purpose, wording: WORDING, wordingVersion: 1 };
    if (i % 8 === 5) {
      // Asked a member on a call.
      await recordConsent(tx, at(day), ws, {
        ...base,
        action: 'granted',
        method: 'admin',
        proof: 'Asked to be invited during the quarterly review call',
        recordedBy: { name: admin.name, memberId: admin.id },
      });
      continue;
    }
    await recordConsent(tx, at(day), ws, { ...base, action: 'requested', method: 'form', ...source, recordedBy: { name: 'contact' } });
    // One in ten never confirmed: unconfirmed, so nothing is sent to them.
    if (i % 10 === 7) continue;
    await recordConsent(tx, at(day, 7), ws, {
      ...base,
      action: 'granted',
      method: 'double_opt_in',
      proof: newId(),
      ...source,
      recordedBy: { name: 'contact' },
    });
    // A few left later from the preference centre.
    if (i % 9 === 4) {
      await recordConsent(tx, at(day - 30), ws, { ...base, action: 'withdrawn', method: 'preference_centre', ...source, recordedBy: { name: 'contact' } });
    }
  }
  await suppressAddress(tx, at(12), ws, {
    address: 'former.it-admin@example.net',
    reason: 'hard_bounce',
    detail: '550 5.1.1 user unknown',
    createdBy: 'system',
  });
  await suppressAddress(tx, at(5), ws, {
    address: 'accounts-payable@example.org',
    reason: 'manual',
    detail: 'shared finance inbox: never mail',
    createdBy: admin.name,
  });
}
