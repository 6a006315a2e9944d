import { z } from 'zod';
import { migrateToLatest } from '../db/migrate.ts';
import { defineCommand } from './command.ts';

export const migrateCommand = defineCommand({
  name: 'migrate',
  args: z.object({}),
  async run(rt, io) {
    const applied = await migrateToLatest(rt.db);
    io.out(applied.length === 0 ? 'Database is up to date.' : `Applied ${applied.length} migration(s): ${applied.join(', ')}`);
    return 0;
  },
});
