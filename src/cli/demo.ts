import { z } from 'zod';
import { DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, demoSignInWorks, seedDemo } from '../modules/demo/demo.ts';
import { findFirstWorkspace } from '../modules/workspaces/workspaces.ts';
import { defineCommand, type Runtime } from './command.ts';
import { terminalIO } from './terminal.ts';

/** `momentum demo`: seeds the demo workspace (idempotent) and prints its sign-in. */
export const demoCommand = defineCommand({
  name: 'demo',
  args: z.object({}),
  async run(rt, io) {
    const started = performance.now();
    const result = await seedDemo(rt.db, rt.clock, io, rt.config);
    if (result.created) {
      const s = result.summary;
      const what = s ? `: ${s.accounts} accounts, ${s.productEvents.toLocaleString('en')} product events over 90 days, ${s.openMoments} open moments` : '';
      io.err(`Seeded the demo workspace in ${((performance.now() - started) / 1000).toFixed(1)} s${what}.`);
    } else io.err('The demo workspace already exists; nothing was changed.');
    if (result.created || (await demoSignInWorks(rt.db))) io.out(`Sign in as ${result.email} / ${result.password}`);
    else io.out(`Sign in as ${result.email} (its demo password has been changed).`);
    return 0;
  },
});

/**
 * Used by `serve` on start: seeds the demo into a database with no workspace at all, and returns the demo
 * sign-in while it still works (so a fresh `npm start` prints it, and a changed password is never printed).
 */
export async function ensureDemo(rt: Runtime): Promise<{ email: string; password: string } | undefined> {
  if (!(await findFirstWorkspace(rt.db))) {
    const io = terminalIO();
    io.err('Empty database: seeding the demo workspace...');
    try {
      const result = await seedDemo(rt.db, rt.clock, io, rt.config);
      return { email: result.email, password: result.password };
    } finally {
      io.done();
    }
  }
  return (await demoSignInWorks(rt.db)) ? { email: DEMO_ADMIN_EMAIL, password: DEMO_ADMIN_PASSWORD } : undefined;
}
