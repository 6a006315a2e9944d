import type { Db } from '../../db/client.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { type MomentumEventInput, recordMomentumEvents } from '../events/events.ts';
import type { Contract } from './contracts.ts';

/** The account ARR around a write (accounts derive it from active contracts). */
export interface AccountArr {
  before: number;
  after: number;
}

const money = (n: number, currency: string) => `${currency} ${n.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;

/**
 * The revenue events a contract write means (see events.catalog.ts), derived from the contract before and after it:
 * an unchanged re-import or a retried request derives none. Pure, so every path (console, API, import) agrees.
 */
export function contractChanges(before: Contract | undefined, after: Contract | undefined, accountArr: AccountArr): Omit<MomentumEventInput, 'key'>[] {
  const c = (after ?? before) as Contract;
  const base = { contractId: c.id, contractName: c.name, currency: c.currency };
  const out: Omit<MomentumEventInput, 'key'>[] = [];
  const push = (name: string, properties: Record<string, unknown> & { summary: string }) =>
    out.push({ accountId: c.accountId, name, properties: { ...base, ...properties } });
  const wasActive = before?.status === 'active';
  const isActive = after?.status === 'active';

  if (wasActive && !isActive && before) {
    const status = after?.status ?? 'deleted';
    push('Contract Ended', {
      status,
      arr: before.arr,
      endDate: before.endDate,
      summary: `Contract ${c.name} ${status} (${money(before.arr, c.currency)} ARR)`,
    });
  }
  if (before && after && isActive && after.endDate > before.endDate && (wasActive || before.status !== 'draft')) {
    push('Contract Renewed', {
      oldEndDate: before.endDate,
      newEndDate: after.endDate,
      arr: after.arr,
      summary: `Contract ${c.name} renewed to ${after.endDate} (was ${before.endDate})`,
    });
  }
  const oldArr = wasActive ? (before?.arr ?? 0) : 0;
  const newArr = after?.arr ?? 0;
  const arrDelta = { oldArr, newArr, delta: Math.round((newArr - oldArr) * 100) / 100, accountArrBefore: accountArr.before, accountArrAfter: accountArr.after };
  // A new active contract expands an account that already had revenue; the first contract is not an expansion.
  const expandsAccount = !wasActive && isActive && newArr > 0 && accountArr.before > 0;
  if ((wasActive && isActive && newArr > oldArr) || expandsAccount) {
    push('Contract Expanded', { ...arrDelta, summary: `Contract ${c.name} expanded: ARR ${money(oldArr, c.currency)} → ${money(newArr, c.currency)}` });
  }
  if (wasActive && isActive && newArr < oldArr) {
    push('Contract Contracted', { ...arrDelta, summary: `Contract ${c.name} contracted: ARR ${money(oldArr, c.currency)} → ${money(newArr, c.currency)}` });
  }
  const oldRenewal = before?.renewalDate ?? null;
  const newRenewal = after?.renewalDate ?? null;
  if (before && after && oldRenewal !== newRenewal) {
    push('Renewal Date Changed', {
      oldRenewalDate: oldRenewal,
      newRenewalDate: newRenewal,
      summary: `Contract ${c.name} renewal date ${oldRenewal ?? '(none)'} → ${newRenewal ?? '(none)'}`,
    });
  }
  return out;
}

/** Records the events of a contract write in its transaction (a write that changes nothing derives none). */
export async function recordContractChanges(
  db: Db,
  clock: Clock,
  actor: Actor,
  before: Contract | undefined,
  after: Contract | undefined,
  accountArr: AccountArr,
): Promise<number> {
  const events = contractChanges(before, after, accountArr).map((e) => ({ ...e, key: `${e.name}:${e.properties.contractId}:${newId()}` }));
  return recordMomentumEvents(db, clock, actor, 'contracts', events);
}
