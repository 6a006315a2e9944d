// A member's home page: what is theirs to do, their renewals, what happened on their accounts, and for leads the team.
import type { Db } from '../../db/client.ts';
import { type Actor, isLead } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { listAccounts } from '../accounts/accounts.ts';
import { listMomentAlerts, listMyMoments, myMomentLoad, teamMomentLoad } from '../moments/moments.ts';
import { type Home, RENEWAL_WINDOW_DAYS } from './home.schema.ts';

/** Renewals shown and summed: a member's book rarely renews more accounts than this in 90 days. */
const RENEWALS_SHOWN = 500;

export async function getHome(db: Db, clock: Clock, actor: Actor): Promise<Home> {
  if (actor.type !== 'member' || !actor.id) throw new AppError('bad_request', 'The home page is a member’s: sign in as a member');
  const load = await myMomentLoad(db, clock, actor);
  const next = await listMyMoments(db, clock, actor, 'open', 8);
  const renewing = await listAccounts(db, clock, actor, {
    filter: { conditions: [{ field: 'next_renewal_date', op: 'within_days', value: RENEWAL_WINDOW_DAYS }] },
    sort: 'next_renewal_date',
    limit: RENEWALS_SHOWN,
    teamMemberId: actor.id,
  });
  const alerts = await listMomentAlerts(db, clock, actor);
  const team = isLead(actor) ? await teamMomentLoad(db, clock, actor.workspaceId) : null;
  return {
    member: { id: actor.id, name: actor.name },
    moments: { ...load, next },
    renewals: {
      withinDays: RENEWAL_WINDOW_DAYS,
      count: renewing.total,
      arr: renewing.items.reduce((sum, a) => sum + a.arr, 0),
      items: renewing.items.map((a) => ({ id: a.id, name: a.name, nextRenewalDate: a.nextRenewalDate as string, arr: a.arr, phase: a.phase })),
    },
    alerts,
    team,
  };
}
