import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, type ErrorDetail, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import type { CustomFieldsTable } from './customfields.table.ts';

export type CustomEntity = 'account' | 'contact';
export type CustomFieldType = CustomFieldsTable['type'];

export interface CustomField {
  id: string;
  entity: CustomEntity;
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
  required: boolean;
}

interface Row {
  id: string;
  entity: CustomEntity;
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
  required: boolean;
}

const toField = (r: Row): CustomField => ({ id: r.id, entity: r.entity, key: r.key, label: r.label, type: r.type, options: r.options, required: r.required });

export async function listCustomFields(db: Db, workspaceId: string, entity?: CustomEntity): Promise<CustomField[]> {
  let q = db.selectFrom('custom_fields').selectAll().where('workspace_id', '=', workspaceId);
  if (entity) q = q.where('entity', '=', entity);
  return (await q.orderBy('entity').orderBy('key').execute()).map(toField);
}

export interface CreateCustomFieldInput {
  entity: CustomEntity;
  key: string;
  label: string;
  type: CustomFieldType;
  options?: string[] | undefined;
  required?: boolean | undefined;
}

export async function createCustomField(db: Db, clock: Clock, actor: Actor, input: CreateCustomFieldInput): Promise<CustomField> {
  if (input.type === 'select' && !input.options?.length) {
    throw new AppError('validation_failed', 'options: a select field needs at least one option', [
      { path: 'body.options', message: 'required for select fields' },
    ]);
  }
  return inTransaction(db, async (tx) => {
    try {
      const row = await tx
        .insertInto('custom_fields')
        .values({
          workspace_id: actor.workspaceId,
          id: newId(),
          entity: input.entity,
          key: input.key,
          label: input.label,
          type: input.type,
          options: input.type === 'select' ? (input.options ?? []) : [],
          required: input.required ?? false,
          created_at: clock.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const field = toField(row);
      await recordAudit(tx, clock, actor, { action: 'custom_field.created', entityType: 'custom_field', entityId: field.id, after: field });
      return field;
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError('conflict', `A ${input.entity} field with key "${input.key}" already exists`, [{ path: 'body.key', message: 'already exists' }]);
      }
      throw error;
    }
  });
}

export interface UpdateCustomFieldInput {
  label?: string | undefined;
  options?: string[] | undefined;
  required?: boolean | undefined;
}

/**
 * Changes a field's label, its options (select fields) or whether it is required; its key, type and entity stay. An
 * option still held by records cannot be removed (they would hold a value the field no longer offers). Making a field
 * required checks nothing existing: records without a value must get one at their next edit of custom attributes.
 */
export async function updateCustomField(db: Db, clock: Clock, actor: Actor, id: string, input: UpdateCustomFieldInput): Promise<CustomField> {
  return inTransaction(db, async (tx) => {
    const row = await tx
      .selectFrom('custom_fields')
      .selectAll()
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound('Custom field');
    const before = toField(row);
    let options = before.options;
    if (input.options) {
      if (before.type !== 'select')
        throw new AppError('validation_failed', 'options: only select fields have options', [
          { path: 'body.options', message: 'only select fields have options' },
        ]);
      options = [...new Set(input.options)];
      if (options.length === 0)
        throw new AppError('validation_failed', 'options: a select field needs at least one option', [
          { path: 'body.options', message: 'required for select fields' },
        ]);
      const removed = before.options.filter((o) => !options.includes(o));
      if (removed.length > 0) {
        const table = before.entity === 'account' ? sql.raw('accounts') : sql.raw('contacts');
        const used = await sql<{ option: string; n: number }>`
          select custom->>${before.key} as option, count(*)::int as n from ${table}
          where workspace_id = ${actor.workspaceId}::uuid and custom->>${before.key} = any(${removed}::text[]) group by 1 order by 1`.execute(tx);
        if (used.rows.length > 0) {
          const what = used.rows.map((r) => `"${r.option}" (${r.n} ${before.entity}${r.n === 1 ? '' : 's'})`).join(', ');
          throw new AppError('conflict', `Still in use: ${what}. Change those ${before.entity}s first, then remove the option`, [
            { path: 'body.options', message: `still in use: ${what}` },
          ]);
        }
      }
    }
    const updated = await tx
      .updateTable('custom_fields')
      .set({ label: input.label ?? before.label, options, required: input.required ?? before.required })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const after = toField(updated);
    await recordAudit(tx, clock, actor, { action: 'custom_field.updated', entityType: 'custom_field', entityId: id, before, after });
    return after;
  });
}

export async function deleteCustomField(db: Db, clock: Clock, actor: Actor, id: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const row = await tx.deleteFrom('custom_fields').where('workspace_id', '=', actor.workspaceId).where('id', '=', id).returningAll().executeTakeFirst();
    if (!row) throw notFound('Custom field');
    await recordAudit(tx, clock, actor, { action: 'custom_field.deleted', entityType: 'custom_field', entityId: id, before: toField(row) });
  });
}

/**
 * Validates custom attribute values against the workspace's definitions and returns them typed.
 * `existing` is the stored object when updating: required fields may then be omitted. Null clears a value.
 */
export function checkCustomValues(
  fields: CustomField[],
  values: Record<string, unknown>,
  existing: Record<string, unknown> | undefined,
  pathPrefix = 'custom',
): Record<string, unknown> {
  const details: ErrorDetail[] = [];
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const result: Record<string, unknown> = { ...(existing ?? {}) };
  for (const [key, raw] of Object.entries(values)) {
    const field = byKey.get(key);
    const path = `${pathPrefix}.${key}`;
    if (!field) {
      details.push({ path, message: 'is not a custom field of this workspace (define it under Settings > Custom fields)' });
      continue;
    }
    if (raw === null || raw === '') {
      delete result[key];
      continue;
    }
    const coerced = coerce(field, raw);
    if ('error' in coerced) details.push({ path, message: coerced.error });
    else result[key] = coerced.value;
  }
  for (const field of fields) {
    if (field.required && (result[field.key] === undefined || result[field.key] === null)) {
      details.push({ path: `${pathPrefix}.${field.key}`, message: 'is required' });
    }
  }
  if (details.length > 0) throw new AppError('validation_failed', details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
  return result;
}

function coerce(field: CustomField, raw: unknown): { value: unknown } | { error: string } {
  switch (field.type) {
    case 'text':
      return typeof raw === 'string' && raw.length <= 2000 ? { value: raw } : { error: 'must be text of at most 2000 characters' };
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      return Number.isFinite(n) ? { value: n } : { error: 'must be a number' };
    }
    case 'boolean':
      if (typeof raw === 'boolean') return { value: raw };
      if (typeof raw === 'string' && /^(true|false|yes|no|1|0)$/i.test(raw.trim())) return { value: /^(true|yes|1)$/i.test(raw.trim()) };
      return { error: 'must be true or false' };
    case 'date':
      return typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(raw))
        ? { value: raw }
        : { error: 'must be a date as YYYY-MM-DD' };
    case 'select':
      return typeof raw === 'string' && field.options.includes(raw) ? { value: raw } : { error: `must be one of: ${field.options.join(', ')}` };
  }
}
