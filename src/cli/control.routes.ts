import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { defineRoutes } from '../http/types.ts';
import { AppError } from '../lib/errors.ts';
import type { CommandIO } from './command.ts';
import { remoteCommands } from './commands.ts';

/**
 * Lets a CLI command run inside this server when both use the same embedded data dir (PGlite admits one
 * process). Authenticated by the control token `serve` wrote into the data dir's lock file.
 * The reply streams NDJSON lines: {out}, {err}, {progress}, and finally {exit}.
 */
export const controlRoutes = defineRoutes((app, deps) => {
  app.post(
    '/control/run',
    {
      config: { access: 'control' },
      schema: { hide: true, body: z.strictObject({ command: z.string().max(50), args: z.unknown() }) },
    },
    async (request, reply) => {
      const spec = remoteCommands.find((c) => c.name === request.body.command);
      if (!spec) throw new AppError('bad_request', `Unknown command ${request.body.command}`);
      const parsed = spec.args.safeParse(request.body.args);
      if (!parsed.success) throw new AppError('validation_failed', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const stream = new PassThrough();
      const line = (value: unknown) => stream.write(`${JSON.stringify(value)}\n`);
      const io: CommandIO = {
        out: (text) => line({ out: text }),
        err: (text) => line({ err: text }),
        progress: (label, done, total) => line({ progress: { label, done, total } }),
      };
      spec
        .run({ db: deps.db, clock: deps.clock, config: deps.config }, io, parsed.data)
        .then((code) => line({ exit: code }))
        .catch((error: Error) => {
          line({ err: error.message });
          line({ exit: 1 });
        })
        .finally(() => stream.end());
      return reply.type('application/x-ndjson').send(stream);
    },
  );
});
