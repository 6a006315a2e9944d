import { z } from 'zod';
import { systemActor } from '../lib/actor.ts';
import { createApiKey } from '../modules/apikeys/apikeys.ts';
import { findFirstWorkspace } from '../modules/workspaces/workspaces.ts';
import { defineCommand, UserError } from './command.ts';

export const apiKeyCreateCommand = defineCommand({
  name: 'apikey-create',
  args: z.object({ name: z.string().trim().min(1).max(100), scope: z.enum(['admin', 'ingest']).default('admin') }),
  async run(rt, io, args) {
    const workspace = await findFirstWorkspace(rt.db);
    if (!workspace) throw new UserError('No workspace yet: run `momentum demo` or start the server once (`npm start`).');
    const { apiKey, secret } = await createApiKey(rt.db, rt.clock, systemActor(workspace.id, 'cli'), { name: args.name, scopes: [args.scope] });
    io.err(`Created ${args.scope} key "${apiKey.name}" (${apiKey.prefix}) for workspace ${workspace.name}. It is shown only once:`);
    io.out(secret);
    return 0;
  },
});
