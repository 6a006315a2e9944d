import type { Selectable } from 'kysely';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, isUniqueViolation, notFound, parseBody } from '../../lib/errors.ts';
import { isUuid, newId } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import { PREFERENCES_URL_PLACEHOLDER, UNSUBSCRIBE_URL_PLACEHOLDER } from '../messaging/messaging.compose.ts';
import { enqueueMessages } from '../messaging/messaging.outbox.ts';
import { getWorkspace } from '../workspaces/workspaces.ts';
import { loadContexts, loadVariableTree, sampleContext, variableChecker } from './templates.data.ts';
import { type CompiledTemplate, compileTemplate, parseCompiled, type Rendered, renderParsed, type TemplateSource } from './templates.render.ts';
import {
  type Template,
  type TemplateCreate,
  type TemplatePreview,
  type TemplatePreviewRequest,
  type TemplateTestResult,
  type TemplateUpdate,
  templateCreateSchema,
  templatePreviewRequestSchema,
  templateUpdateSchema,
} from './templates.schema.ts';
import type { TemplatesTable } from './templates.table.ts';

export type { Rendered } from './templates.render.ts';

type Row = Selectable<TemplatesTable>;

function toTemplate(row: Row): Template {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    kind: row.kind,
    subject: row.subject,
    bodyFormat: row.body_format,
    body: row.body,
    text: row.text_part,
    variables: row.variables,
    archived: row.archived_at !== null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Validates and compiles a template's content against the workspace's variables (custom fields, metrics). */
async function compileFor(db: Db | Tx, workspaceId: string, source: TemplateSource): Promise<CompiledTemplate> {
  return compileTemplate(source, variableChecker(await loadVariableTree(db, workspaceId)));
}

async function findRow(db: Db | Tx, workspaceId: string, ref: string): Promise<Row | undefined> {
  return db
    .selectFrom('templates')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where(isUuid(ref) ? 'id' : 'key', '=', ref)
    .executeTakeFirst();
}

async function getRow(db: Db | Tx, workspaceId: string, ref: string): Promise<Row> {
  const row = await findRow(db, workspaceId, ref);
  if (!row) throw notFound('Template');
  return row;
}

export async function listTemplates(db: Db, actor: Actor, options: { includeArchived?: boolean } = {}): Promise<Template[]> {
  let q = db.selectFrom('templates').selectAll().where('workspace_id', '=', actor.workspaceId);
  if (!options.includeArchived) q = q.where('archived_at', 'is', null);
  return (await q.orderBy('name').execute()).map(toTemplate);
}

/** A template by id or key. */
export async function getTemplate(db: Db | Tx, actor: Actor, ref: string): Promise<Template> {
  return toTemplate(await getRow(db, actor.workspaceId, ref));
}

/** A template by id or key, or nothing (other modules check references: streams, model files). */
export async function findTemplate(db: Db | Tx, workspaceId: string, ref: string): Promise<Template | undefined> {
  const row = await findRow(db, workspaceId, ref);
  return row ? toTemplate(row) : undefined;
}

function duplicateKey(error: unknown): never {
  if (isUniqueViolation(error)) throw new AppError('conflict', 'Another template already has this key', [{ path: 'body.key', message: 'is already used' }]);
  throw error;
}

/** Creates a template: refused (naming the field and line) when its Liquid, variables or MJML are wrong. */
export async function createTemplate(db: Db, clock: Clock, actor: Actor, input: TemplateCreate): Promise<Template> {
  const body = parseBody(templateCreateSchema, input);
  const compiled = await compileFor(db, actor.workspaceId, body);
  const now = clock.now();
  return inTransaction(db, async (tx) => {
    const row = await tx
      .insertInto('templates')
      .values({
        workspace_id: actor.workspaceId,
        id: newId(),
        key: body.key,
        name: body.name,
        kind: body.kind,
        subject: body.subject,
        body_format: body.bodyFormat,
        body: body.body,
        text_part: body.text,
        compiled_html: compiled.html,
        compiled_text: compiled.text,
        variables: compiled.variables,
        created_at: now,
        updated_at: now,
        archived_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(duplicateKey);
    const template = toTemplate(row);
    await recordAudit(tx, clock, actor, { action: 'template.created', entityType: 'template', entityId: row.id, after: template });
    return template;
  });
}

export async function updateTemplate(db: Db, clock: Clock, actor: Actor, ref: string, input: TemplateUpdate): Promise<Template> {
  const body = parseBody(templateUpdateSchema, input);
  const before = await getRow(db, actor.workspaceId, ref);
  const source: TemplateSource = {
    subject: body.subject ?? before.subject,
    bodyFormat: body.bodyFormat ?? before.body_format,
    body: body.body ?? before.body,
    text: body.text !== undefined ? body.text : before.text_part,
  };
  const compiled = await compileFor(db, actor.workspaceId, source);
  const now = clock.now();
  return inTransaction(db, async (tx) => {
    const row = await tx
      .updateTable('templates')
      .set({
        ...(body.name !== undefined && { name: body.name }),
        ...(body.kind !== undefined && { kind: body.kind }),
        ...(body.archived !== undefined && { archived_at: body.archived ? (before.archived_at ?? now) : null }),
        subject: source.subject,
        body_format: source.bodyFormat,
        body: source.body,
        text_part: source.text,
        compiled_html: compiled.html,
        compiled_text: compiled.text,
        variables: compiled.variables,
        updated_at: now,
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const after = toTemplate(row);
    const action = body.archived === true && !before.archived_at ? 'template.archived' : 'template.updated';
    await recordAudit(tx, clock, actor, { action, entityType: 'template', entityId: row.id, before: toTemplate(before), after });
    return after;
  });
}

/** Deletes a template no campaign uses (a used one can be archived instead). */
export async function deleteTemplate(db: Db, clock: Clock, actor: Actor, ref: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const before = await getRow(tx, actor.workspaceId, ref);
    const used = await tx
      .selectFrom('campaigns')
      .select('name')
      .where('workspace_id', '=', actor.workspaceId)
      .where('template_id', '=', before.id)
      .executeTakeFirst();
    if (used) throw new AppError('conflict', `Campaign "${used.name}" uses this template: archive it instead`);
    await tx.deleteFrom('templates').where('workspace_id', '=', actor.workspaceId).where('id', '=', before.id).execute();
    await recordAudit(tx, clock, actor, { action: 'template.deleted', entityType: 'template', entityId: before.id, before: toTemplate(before) });
  });
}

/** Fills links.* for one contact (messaging's signed unsubscribe and preference links). */
export type LinkBuilder = (contactId: string) => { unsubscribe: string; preferences: string };

export interface RenderOptions {
  /**
   * The contact's links.unsubscribe and links.preferences. By default, messaging's placeholders, replaced by signed
   * links for each message when it is composed (the unsubscribe link names the message, which does not exist yet here).
   */
  links?: LinkBuilder | undefined;
  /** The clock metric windows are computed at (default: now). */
  clock?: Clock | undefined;
}

const systemNow: Clock = { now: () => new Date() };
const placeholderLinks = { unsubscribe: UNSUBSCRIBE_URL_PLACEHOLDER, preferences: PREFERENCES_URL_PLACEHOLDER };

/**
 * Renders a template (id or key) for many contacts at once: one query for their data, the template parsed once.
 * Per contact id: the subject, HTML and text, or `missing` (the variables this contact has no value for, e.g.
 * contact.title; the send is excluded as missing_data). Unknown contact ids are reported missing `contact`.
 * Throws not_found for an unknown template. Streams, the engine and campaigns call it.
 */
export async function renderTemplate(
  db: Db | Tx,
  workspaceId: string,
  templateRef: string,
  contactIds: string[],
  options: RenderOptions = {},
): Promise<Map<string, Rendered>> {
  const row = await getRow(db, workspaceId, templateRef);
  const parsed = parseCompiled({ subject: row.subject, html: row.compiled_html, text: row.compiled_text });
  const contexts = await loadContexts(db, options.clock ?? systemNow, workspaceId, contactIds);
  const out = new Map<string, Rendered>();
  for (const contactId of contactIds) {
    const context = contexts.get(contactId);
    if (!context) {
      out.set(contactId, { missing: ['contact'] });
      continue;
    }
    context.links = options.links ? options.links(contactId) : placeholderLinks;
    out.set(contactId, await renderParsed(parsed, context));
  }
  return out;
}

/** Preview links: real ones need a message to belong to. */
const previewLinks = { unsubscribe: '#unsubscribe-link', preferences: '#preferences-link' };

/**
 * Renders a draft (saved or not) as a chosen contact, or a sample contact: validation errors are thrown as at save
 * (naming field and line); data the contact lacks is listed, and the message is rendered with those left blank.
 */
export async function previewTemplate(
  db: Db,
  clock: Clock,
  actor: Actor,
  input: TemplatePreviewRequest,
  links: { unsubscribe: string; preferences: string } = previewLinks,
): Promise<TemplatePreview> {
  const body = parseBody(templatePreviewRequestSchema, input);
  const tree = await loadVariableTree(db, actor.workspaceId);
  const compiled = await compileTemplate(body, variableChecker(tree));
  let context: Record<string, unknown>;
  let contact: TemplatePreview['contact'];
  if (body.contactId) {
    const loaded = (await loadContexts(db, clock, actor.workspaceId, [body.contactId])).get(body.contactId);
    if (!loaded)
      throw new AppError('validation_failed', 'contactId: no such contact', [{ path: 'body.contactId', message: 'is not a contact of this workspace' }]);
    context = loaded;
    const c = loaded.contact as { name: string; email: string };
    contact = { id: body.contactId, name: c.name, email: c.email };
  } else {
    context = sampleContext(tree, await getWorkspace(db, actor.workspaceId));
    contact = { id: null, name: 'Sam Sample (sample contact)', email: 'sam.sample@example.com' };
  }
  context.links = links;
  const parsed = parseCompiled(compiled);
  let rendered = await renderParsed(parsed, context);
  const missing = 'missing' in rendered ? rendered.missing : [];
  if ('missing' in rendered) {
    // Show what the message would look like with the gaps left blank, and say what is missing.
    const filled = structuredClone(context);
    for (const path of missing) if (!path.startsWith('(')) setBlank(filled, path);
    rendered = await renderParsed(parsed, filled);
  }
  const ok = 'missing' in rendered ? null : rendered;
  return { contact, subject: ok?.subject ?? null, html: ok?.html ?? null, text: ok?.text ?? null, missing, variables: compiled.variables };
}

function setBlank(context: Record<string, unknown>, path: string): void {
  const parts = path.split('.');
  let node = context;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1) as string] = '';
}

/**
 * Sends a saved template, rendered as a chosen contact (or the sample contact), to the signed-in member through the
 * outbox (purpose member/test: the gate checks the member is active). Each call is a new message.
 */
export async function sendTestTemplate(
  db: Db,
  clock: Clock,
  actor: Actor,
  ref: string,
  input: { contactId?: string | null | undefined },
): Promise<TemplateTestResult> {
  if (actor.type !== 'member' || !actor.id) throw new AppError('bad_request', 'A test send goes to the signed-in member: sign in to the console to send one');
  const memberId = actor.id;
  const template = await getTemplate(db, actor, ref);
  const source = { subject: template.subject, bodyFormat: template.bodyFormat, body: template.body, text: template.text };
  const preview = await previewTemplate(db, clock, actor, { ...source, contactId: input.contactId ?? null }, placeholderLinks);
  if (preview.missing.length > 0 || preview.subject === null || preview.html === null || preview.text === null) {
    return { queued: false, to: actor.name, messageId: null, reason: `${preview.contact.name} has no value for ${preview.missing.join(', ')}` };
  }
  const content = { subject: `[Test] ${preview.subject}`, html: preview.html, text: preview.text };
  return inTransaction(db, async (tx) => {
    const result = await enqueueMessages(tx, clock, actor.workspaceId, [
      {
        recipientId: memberId,
        purpose: { kind: 'member', topic: 'test' },
        source: { type: 'test', id: template.id, label: template.name },
        dedupeKey: `test:${template.id}:${memberId}:${newId()}`,
        content,
      },
    ]);
    const queued = result.queued === 1;
    const reason = queued ? null : `not sent: ${Object.keys(result.excluded).join(', ') || 'refused'}`;
    const outcome: TemplateTestResult = { queued, to: actor.name, messageId: result.ids[0] ?? null, reason };
    await recordAudit(tx, clock, actor, {
      action: 'template.test_sent',
      entityType: 'template',
      entityId: template.id,
      after: { ...outcome, asContact: preview.contact.id },
    });
    return outcome;
  });
}
