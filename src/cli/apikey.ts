import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { systemActor } from '../lib/actor.ts';
import { createApiKey } from '../modules/apikeys/apikeys.ts';
import { findFirstWorkspace } from '../modules/workspaces/workspaces.ts';
import { defineCommand, UserError } from './command.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_DAYS = 3650;

/** `--expires-in DAYS`: a whole number of days, 1 to 3650. */
export function expiryDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new InvalidArgumentError(`must be a whole number of days from 1 to ${MAX_DAYS}`);
  return days;
}

export const apiKeyCreateCommand = defineCommand({
  name: 'apikey-create',
  args: z.object({
    name: z.string().trim().min(1).max(100),
    scope: z.enum(['admin', 'ingest']).default('admin'),
    expiresIn: z.number().int().min(1).max(MAX_DAYS).optional(),
  }),
  async run(rt, io, args) {
    const workspace = await findFirstWorkspace(rt.db);
    if (!workspace) throw new UserError('No workspace yet: run `momentum demo` or start the server once (`npm start`).');
    const expiresAt = args.expiresIn ? new Date(rt.clock.now().getTime() + args.expiresIn * DAY_MS).toISOString() : null;
    const { apiKey, secret } = await createApiKey(rt.db, rt.clock, systemActor(workspace.id, 'cli'), { name: args.name, scopes: [args.scope], expiresAt });
    const expiry = apiKey.expiresAt ? `, expires ${apiKey.expiresAt.slice(0, 16).replace('T', ' ')} UTC` : '';
    io.err(`Created ${args.scope} key "${apiKey.name}" (${apiKey.prefix}${expiry}) for workspace ${workspace.name}. It is shown only once:`);
    io.out(secret);
    return 0;
  },
});
