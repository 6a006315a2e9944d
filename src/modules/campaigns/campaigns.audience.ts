// A campaign's audience: the contacts (in id order, so a send can resume after the last one handed over) of the
// accounts in its segment, with its personas; and the audience preview (who will receive it, who is excluded and why).
import { type Expression, type SqlBool, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';
import { systemActor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { compileFilter } from '../accounts/accounts.queries.ts';
import { type ExclusionReason, gate } from '../consent/consent.gate.ts';
import { listCustomFields } from '../customfields/customfields.ts';
import { findSegment } from '../segments/segments.ts';
import { renderTemplate } from '../templates/templates.ts';
import type { AudiencePreview } from './campaigns.schema.ts';

export interface Audience {
  workspaceId: string;
  segmentId: string | null;
  personas: string[];
}

/** The segment's filter as SQL over `accounts`; undefined when the segment no longer exists. */
export async function audienceFilter(db: Db | Tx, clock: Clock, audience: Audience): Promise<Expression<SqlBool> | undefined> {
  if (!audience.segmentId) return sql<SqlBool>`true`;
  const segment = await findSegment(db as Db, systemActor(audience.workspaceId), audience.segmentId);
  if (!segment) return undefined;
  return compileFilter(segment.filter, await listCustomFields(db, audience.workspaceId, 'account'), clock);
}

/** The next audience contacts after `afterId` (id order). */
export async function audienceBatch(db: Db | Tx, filter: Expression<SqlBool>, audience: Audience, afterId: string | null, limit: number): Promise<string[]> {
  let q = (db as Db)
    .selectFrom('contacts')
    .innerJoin('accounts', (j) => j.onRef('accounts.workspace_id', '=', 'contacts.workspace_id').onRef('accounts.id', '=', 'contacts.account_id'))
    .select('contacts.id')
    .where('contacts.workspace_id', '=', audience.workspaceId)
    .where(filter);
  if (audience.personas.length > 0) q = q.where('contacts.persona', 'in', audience.personas);
  if (afterId) q = q.where('contacts.id', '>', afterId);
  return (await q.orderBy('contacts.id').limit(limit).execute()).map((r) => r.id);
}

/** Allowed contacts rendered to find missing data; beyond it, the missing-data count is scaled from those rendered. */
const PREVIEW_RENDER_CAP = 5000;
const PREVIEW_BATCH = 2000;

/**
 * Counts a campaign's audience as the send would treat it: the gate's decision for the list (read-only), then the
 * template rendered for those allowed, whose missing data excludes them too. Nothing is written.
 */
export async function previewAudienceOf(
  db: Db,
  clock: Clock,
  audience: Audience,
  filter: Expression<SqlBool>,
  listId: string,
  templateId: string,
): Promise<AudiencePreview & { sampled: boolean }> {
  const excluded: Partial<Record<ExclusionReason, number>> = {};
  const missingData: Record<string, number> = {};
  const examples: AudiencePreview['examples'] = [];
  const exampleIds = new Map<string, { reason: ExclusionReason; detail: string }>();
  let total = 0;
  let allowedTotal = 0;
  let rendered = 0;
  let renderedMissing = 0;
  let cursor: string | null = null;
  for (;;) {
    const ids = await audienceBatch(db, filter, audience, cursor, PREVIEW_BATCH);
    if (ids.length === 0) break;
    cursor = ids.at(-1) as string;
    total += ids.length;
    const allowed: string[] = [];
    for (const d of await gate(db, audience.workspaceId, { kind: 'list', listId }, ids)) {
      if (d.allowed) allowed.push(d.recipientId);
      else {
        excluded[d.reason] = (excluded[d.reason] ?? 0) + 1;
        if (exampleIds.size < 20) exampleIds.set(d.recipientId, { reason: d.reason, detail: d.detail });
      }
    }
    allowedTotal += allowed.length;
    const toRender = allowed.slice(0, Math.max(0, PREVIEW_RENDER_CAP - rendered));
    if (toRender.length > 0) {
      const results = await renderTemplate(db, audience.workspaceId, templateId, toRender, { clock });
      for (const [contactId, result] of results) {
        if (!('missing' in result)) continue;
        renderedMissing++;
        for (const path of result.missing) missingData[path] = (missingData[path] ?? 0) + 1;
        if (exampleIds.size < 20) exampleIds.set(contactId, { reason: 'missing_data', detail: `no value for ${result.missing.join(', ')}` });
      }
      rendered += toRender.length;
    }
  }
  const sampled = rendered < allowedTotal;
  const missing = sampled && rendered > 0 ? Math.round((renderedMissing * allowedTotal) / rendered) : renderedMissing;
  if (missing > 0) excluded.missing_data = missing;
  if (exampleIds.size > 0) {
    const people = await db
      .selectFrom('contacts')
      .select(['id', 'name', 'email'])
      .where('workspace_id', '=', audience.workspaceId)
      .where('id', 'in', [...exampleIds.keys()])
      .execute();
    for (const p of people) {
      const why = exampleIds.get(p.id);
      if (why) examples.push({ contactId: p.id, name: p.name, email: p.email, ...why });
    }
  }
  return { total, willReceive: allowedTotal - missing, excluded, missingData, examples, sampled };
}
