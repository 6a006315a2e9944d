import type { Db } from '../../db/client.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { hasAccountEvent, type MomentumEventInput, recordMomentumEvents } from '../events/events.ts';
import type { Persona } from './contacts.schema.ts';

/** The personas whose change is an event: "a change in leadership or executive sponsorship at your customer". */
const keyRoles = {
  executive_sponsor: { event: 'Sponsor Changed', label: 'Executive sponsor' },
  champion: { event: 'Champion Changed', label: 'Champion' },
} as const;
type KeyRole = keyof typeof keyRoles;

const isKeyRole = (persona: string | undefined): persona is KeyRole => persona === 'executive_sponsor' || persona === 'champion';

/** The part of a contact this needs (a Contact, before or after a write). */
export interface PersonState {
  id: string;
  accountId: string | null;
  name: string;
  email: string;
  title: string | null;
  persona: Persona;
  leftAt: string | null;
}

interface KeyPerson {
  id: string;
  accountId: string;
  role: KeyRole;
  name: string;
  email: string;
  title: string | null;
}

/** What the accounts a write may touch looked like before it; null when the write cannot change a key person. */
export interface KeyPeopleWatch {
  accountIds: string[];
  before: KeyPerson[];
  contactBefore: PersonState | undefined;
}

async function loadKeyPeople(db: Db, workspaceId: string, accountIds: string[]): Promise<KeyPerson[]> {
  const rows = await db
    .selectFrom('contacts')
    .select(['id', 'account_id', 'persona', 'name', 'email', 'title'])
    .where('workspace_id', '=', workspaceId)
    .where('account_id', 'in', accountIds)
    .where('persona', 'in', Object.keys(keyRoles))
    .where('left_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, accountId: r.account_id as string, role: r.persona as KeyRole, name: r.name, email: r.email, title: r.title }));
}

/**
 * Call before a contact write: reads the key people of the accounts it may touch, but only when the contact is or
 * may become a sponsor or champion (most writes cost nothing).
 */
export async function watchKeyPeople(
  db: Db,
  actor: Actor,
  before: PersonState | undefined,
  input: { accountId?: string | null | undefined; persona?: Persona | undefined },
): Promise<KeyPeopleWatch | null> {
  if (!isKeyRole(before?.persona) && !isKeyRole(input.persona)) return null;
  const accountIds = [...new Set([before?.accountId, input.accountId === undefined ? before?.accountId : input.accountId])].filter(
    (id): id is string => typeof id === 'string',
  );
  if (accountIds.length === 0) return null;
  return { accountIds, before: await loadKeyPeople(db, actor.workspaceId, accountIds), contactBefore: before };
}

function reasonOf(before: PersonState | undefined, after: PersonState | undefined): string {
  if (!after) return 'deleted';
  if (!before) return 'created';
  if (!before.leftAt && after.leftAt) return 'left';
  if (before.leftAt && !after.leftAt) return 'returned';
  if (before.accountId !== after.accountId) return 'moved';
  if (before.persona !== after.persona) return 'persona_changed';
  return 'title_changed';
}

const ref = (p: KeyPerson | undefined) => (p ? { id: p.id, name: p.name, email: p.email, title: p.title } : null);

/**
 * Call after the write, in the same transaction: records Sponsor Changed / Champion Changed per account and role whose
 * key people changed (and Sponsor Missing when none is left). Derived from the state before and after, so a repeated
 * write (a re-import, a retried request) records nothing, and a persona that flips back and forth in one batch of
 * writes records each change once.
 */
export async function recordKeyPeopleChanges(
  db: Db,
  clock: Clock,
  actor: Actor,
  watch: KeyPeopleWatch | null,
  after: PersonState | undefined,
): Promise<number> {
  if (!watch) return 0;
  const current = await loadKeyPeople(db, actor.workspaceId, watch.accountIds);
  const reason = reasonOf(watch.contactBefore, after);
  const events: MomentumEventInput[] = [];
  for (const accountId of watch.accountIds) {
    for (const role of Object.keys(keyRoles) as KeyRole[]) {
      const { event, label } = keyRoles[role];
      const was = watch.before.filter((p) => p.accountId === accountId && p.role === role);
      const is = current.filter((p) => p.accountId === accountId && p.role === role);
      const removed = was.filter((p) => !is.some((q) => q.id === p.id));
      const added = is.filter((p) => !was.some((q) => q.id === p.id));
      const retitled = is.find((p) => was.some((q) => q.id === p.id && q.title !== p.title));
      let change: string;
      let oldPerson: KeyPerson | undefined;
      let newPerson: KeyPerson | undefined;
      let summary: string;
      if (removed.length > 0 || added.length > 0) {
        oldPerson = removed[0];
        newPerson = added[0];
        change = oldPerson && newPerson ? 'replaced' : newPerson ? 'added' : 'removed';
        summary =
          oldPerson && newPerson
            ? `${label} replaced: ${oldPerson.name} → ${newPerson.name}`
            : newPerson
              ? `${label} added: ${newPerson.name}`
              : `${label} removed: ${oldPerson?.name} (${reason.replace('_', ' ')})`;
      } else if (retitled) {
        change = 'title_changed';
        oldPerson = was.find((q) => q.id === retitled.id);
        newPerson = retitled;
        summary = `${label} ${retitled.name}: title ${oldPerson?.title ?? '(none)'} → ${retitled.title ?? '(none)'}`;
      } else continue;
      // The first sponsor an account ever gets (a new customer's contacts arriving) is its data being filled in,
      // not a change in sponsorship: models tell them apart with `initial`.
      const initial = was.length === 0 && change === 'added' && !(await hasAccountEvent(db, actor.workspaceId, accountId, event));
      if (initial) summary = `${label} on record: ${newPerson?.name}`;
      const properties = { role, change, initial, oldContact: ref(oldPerson), newContact: ref(newPerson), reason, remaining: is.length, summary };
      const contactId = (newPerson ?? (reason === 'deleted' ? undefined : oldPerson))?.id ?? null;
      // Unique per write: a change is recorded because the state changed, so a repeated write records nothing anyway.
      const key = `${event}:${accountId}:${change}:${newId()}`;
      events.push({ accountId, contactId, name: event, properties, key });
      if (role === 'executive_sponsor' && was.length > 0 && is.length === 0) {
        const missing = `No executive sponsor left (${oldPerson?.name} ${reason.replace('_', ' ')})`;
        events.push({
          accountId,
          contactId,
          name: 'Sponsor Missing',
          properties: { oldContact: ref(oldPerson), reason, summary: missing },
          key: `Sponsor Missing:${key}`,
        });
      }
    }
  }
  return recordMomentumEvents(db, clock, actor, 'contacts', events);
}
