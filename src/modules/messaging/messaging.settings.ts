import type { Selectable } from 'kysely';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Actor } from '../../lib/actor.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomToken, safeEqual } from '../../lib/crypto.ts';
import { invalid } from '../../lib/errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { getWorkspace } from '../workspaces/workspaces.ts';
import type { SenderSettings, SenderSettingsUpdate } from './messaging.schema.ts';
import type { SenderSettingsTable } from './messaging.table.ts';

export const DEFAULT_RATE_PER_MINUTE = 600;

/** What composing and sending a message needs: the stored settings with defaults filled in, and the workspace identity. */
export interface SenderIdentity {
  workspaceName: string;
  postalAddress: string;
  marketingFrom: { name: string; address: string };
  transactionalFrom: { name: string; address: string };
  replyTo: string | null;
  ratePerMinute: number;
  dkim: { domainName: string; keySelector: string; privateKey: string } | null;
  bounceAddress: string | null;
  marketingPausedAt: Date | null;
  marketingPausedReason: string | null;
}

async function findRow(db: Db | Tx, workspaceId: string): Promise<Selectable<SenderSettingsTable> | undefined> {
  return (db as Db).selectFrom('sender_settings').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

/** The host links point to: the default sender address is no-reply at it. */
function publicHost(config: Pick<Config, 'publicUrl'>): string {
  try {
    const host = new URL(config.publicUrl).hostname;
    return host.includes('.') && !/^\d+\.\d+\.\d+\.\d+$/.test(host) ? host : 'localhost.localdomain';
  } catch {
    return 'localhost.localdomain';
  }
}

export async function senderIdentity(db: Db | Tx, config: Pick<Config, 'publicUrl'>, workspaceId: string): Promise<SenderIdentity> {
  const [row, workspace] = await Promise.all([findRow(db, workspaceId), getWorkspace(db as Db, workspaceId)]);
  const fallback = `no-reply@${publicHost(config)}`;
  const marketingFrom = { name: row?.from_name || workspace.name, address: row?.from_address || fallback };
  return {
    workspaceName: workspace.name,
    postalAddress: workspace.postalAddress,
    marketingFrom,
    transactionalFrom: {
      name: row?.transactional_from_name || marketingFrom.name,
      address: row?.transactional_from_address || marketingFrom.address,
    },
    replyTo: row?.reply_to || null,
    ratePerMinute: row?.rate_per_minute ?? DEFAULT_RATE_PER_MINUTE,
    dkim:
      row?.dkim_domain && row.dkim_selector && row.dkim_private_key
        ? { domainName: row.dkim_domain, keySelector: row.dkim_selector, privateKey: row.dkim_private_key }
        : null,
    bounceAddress: row?.bounce_address || null,
    marketingPausedAt: row?.marketing_paused_at ?? null,
    marketingPausedReason: row?.marketing_paused_reason ?? null,
  };
}

function toSettings(row: Selectable<SenderSettingsTable> | undefined, postalAddress: string, config: Pick<Config, 'publicUrl'>, workspaceId: string) {
  const settings: SenderSettings = {
    fromName: row?.from_name ?? '',
    fromAddress: row?.from_address ?? '',
    transactionalFromName: row?.transactional_from_name ?? '',
    transactionalFromAddress: row?.transactional_from_address ?? '',
    replyTo: row?.reply_to ?? '',
    postalAddress,
    ratePerMinute: row?.rate_per_minute ?? DEFAULT_RATE_PER_MINUTE,
    dkimDomain: row?.dkim_domain ?? '',
    dkimSelector: row?.dkim_selector ?? '',
    dkimPrivateKey: row?.dkim_private_key ? 'set' : 'unset',
    bounceAddress: row?.bounce_address ?? '',
    webhookSecret: row?.webhook_secret ? 'set' : 'unset',
    webhookUrl: `${config.publicUrl}/hooks/messaging/${workspaceId}/bounces`,
    defaultFromAddress: `no-reply@${publicHost(config)}`,
    marketingPausedAt: row?.marketing_paused_at?.toISOString() ?? null,
    marketingPausedReason: row?.marketing_paused_reason ?? null,
    updatedAt: row?.updated_at.toISOString() ?? null,
  };
  return settings;
}

export async function getSenderSettings(db: Db, config: Pick<Config, 'publicUrl'>, actor: Actor): Promise<SenderSettings> {
  const [row, workspace] = await Promise.all([findRow(db, actor.workspaceId), getWorkspace(db, actor.workspaceId)]);
  return toSettings(row, workspace.postalAddress, config, actor.workspaceId);
}

/**
 * Saves the sender settings (audited, secrets never in the audit entry). The DKIM key and webhook secret are
 * write-only: `null` clears them, absent keeps them. `rotateWebhookSecret` makes a new provider-webhook secret,
 * returned in this answer only.
 */
export async function updateSenderSettings(
  db: Db,
  clock: Clock,
  config: Pick<Config, 'publicUrl'>,
  actor: Actor,
  input: SenderSettingsUpdate,
): Promise<{ settings: SenderSettings; webhookSecret: string | null }> {
  if (input.dkimPrivateKey) checkPrivateKey(input.dkimPrivateKey);
  return inTransaction(db, async (tx) => {
    const before = await findRow(tx, actor.workspaceId);
    const workspace = await getWorkspace(tx, actor.workspaceId);
    const now = clock.now();
    const webhookSecret = input.rotateWebhookSecret ? `mws_${randomToken(24)}` : null;
    const values = {
      from_name: input.fromName ?? before?.from_name ?? '',
      from_address: input.fromAddress ?? before?.from_address ?? '',
      transactional_from_name: input.transactionalFromName ?? before?.transactional_from_name ?? '',
      transactional_from_address: input.transactionalFromAddress ?? before?.transactional_from_address ?? '',
      reply_to: input.replyTo ?? before?.reply_to ?? '',
      rate_per_minute: input.ratePerMinute ?? before?.rate_per_minute ?? DEFAULT_RATE_PER_MINUTE,
      dkim_domain: input.dkimDomain ?? before?.dkim_domain ?? '',
      dkim_selector: input.dkimSelector ?? before?.dkim_selector ?? '',
      dkim_private_key: input.dkimPrivateKey === undefined ? (before?.dkim_private_key ?? null) : input.dkimPrivateKey,
      bounce_address: input.bounceAddress ?? before?.bounce_address ?? '',
      imap_url: before?.imap_url ?? null,
      webhook_secret: webhookSecret ?? before?.webhook_secret ?? null,
      marketing_paused_at: input.resumeMarketing ? null : (before?.marketing_paused_at ?? null),
      marketing_paused_reason: input.resumeMarketing ? null : (before?.marketing_paused_reason ?? null),
      updated_at: now,
    };
    if ((values.dkim_domain || values.dkim_selector || values.dkim_private_key) && !(values.dkim_domain && values.dkim_selector && values.dkim_private_key)) {
      const missing = !values.dkim_domain ? 'dkimDomain' : !values.dkim_selector ? 'dkimSelector' : 'dkimPrivateKey';
      throw invalid(`body.${missing}`, 'DKIM needs a domain, a selector and a private key together (or none of them)');
    }
    await tx
      .insertInto('sender_settings')
      .values({ workspace_id: actor.workspaceId, ...values })
      .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
      .execute();
    const postalAddress = input.postalAddress ?? workspace.postalAddress;
    if (input.postalAddress !== undefined && input.postalAddress !== workspace.postalAddress) {
      await tx.updateTable('workspaces').set({ postal_address: input.postalAddress }).where('id', '=', actor.workspaceId).execute();
    }
    const visible = (row: typeof values | undefined, postal: string) =>
      row
        ? {
            ...toSettings({ workspace_id: actor.workspaceId, ...row, webhook_secret: row.webhook_secret }, postal, config, actor.workspaceId),
            updatedAt: undefined,
          }
        : null;
    await recordAudit(tx, clock, actor, {
      action: 'sender_settings.updated',
      entityType: 'sender_settings',
      entityId: actor.workspaceId,
      before: visible(before, workspace.postalAddress),
      after: { ...visible(values, postalAddress), webhookSecret: webhookSecret ? 'rotated' : (visible(values, postalAddress)?.webhookSecret ?? 'unset') },
    });
    return { settings: toSettings({ workspace_id: actor.workspaceId, ...values }, postalAddress, config, actor.workspaceId), webhookSecret };
  });
}

function checkPrivateKey(pem: string): void {
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) throw invalid('body.dkimPrivateKey', 'must be a PEM private key (-----BEGIN PRIVATE KEY----- ...)');
}

/** Whether a provider webhook call carries the workspace's secret. */
export async function checkWebhookSecret(db: Db, workspaceId: string, presented: string | undefined): Promise<boolean> {
  if (!presented) return false;
  const row = await findRow(db, workspaceId);
  return !!row?.webhook_secret && safeEqual(row.webhook_secret, presented);
}

/** Stops (or resumes) every marketing send of a workspace; transactional mail still goes. */
export async function setMarketingPause(db: Db | Tx, clock: Clock, workspaceId: string, reason: string | null): Promise<void> {
  const now = clock.now();
  const pause = { marketing_paused_at: reason ? now : null, marketing_paused_reason: reason, updated_at: now };
  await (db as Db)
    .insertInto('sender_settings')
    .values({ workspace_id: workspaceId, ...pause })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(pause))
    .execute();
}
