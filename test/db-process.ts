import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/client.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { fixedClock } from '../src/lib/clock.ts';
import { sweep } from '../src/modules/engine/engine.ts';

// A child process for concurrency tests (test/processes.ts): `node test/db-process.ts DATABASE_URL`. It connects and
// prints "ready", then runs each command it reads on stdin, one at a time, printing "result JSON" after each:
//   migrate        migrateToLatest: the names it applied
//   sweep AS_OF    the engine's sweep (every workspace) as of AS_OF: what it opened, by rule, and how many it engaged
//   exit           closes the database and ends
// An operation that fails ends the process with the error (exit code 1).
const [url] = process.argv.slice(2);
if (!url) throw new Error('usage: db-process.ts DATABASE_URL');

const database = await openDatabase({ databaseUrl: url, poolSize: 4 });
await sql`select 1`.execute(database.db);
process.stdout.write('ready\n');

for await (const line of createInterface({ input: process.stdin })) {
  const [operation, argument] = line.trim().split(' ');
  let result: unknown;
  if (operation === 'exit') break;
  if (operation === 'migrate') result = await migrateToLatest(database.db);
  else if (operation === 'sweep' && argument) {
    const report = await sweep(database.db, fixedClock(new Date(argument)));
    result = { opened: report.opened, engaged: report.engaged };
  } else throw new Error(`unknown command: ${line}`);
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
}
await database.close();
process.exit(0);
