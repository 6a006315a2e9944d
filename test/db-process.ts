import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/client.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { fixedClock } from '../src/lib/clock.ts';
import { sweep } from '../src/modules/engine/engine.ts';

// A child process for concurrency tests (test/processes.ts): `node test/db-process.ts DATABASE_URL OPERATION [AS_OF]`.
// It connects, prints "ready", waits for "go" on stdin, runs the operation once and prints "result JSON":
//   migrate       migrateToLatest: the names it applied
//   sweep AS_OF   the engine's sweep (every workspace) as of AS_OF: what it opened, by rule, and how many it engaged
const [url, operation, asOf] = process.argv.slice(2);
if (!url || !operation) throw new Error('usage: db-process.ts DATABASE_URL migrate|sweep [AS_OF]');

const database = await openDatabase({ databaseUrl: url, poolSize: 4 });
await sql`select 1`.execute(database.db);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;
lines.close();

let result: unknown;
if (operation === 'migrate') result = await migrateToLatest(database.db);
else if (operation === 'sweep' && asOf) {
  const report = await sweep(database.db, fixedClock(new Date(asOf)));
  result = { opened: report.opened, engaged: report.engaged };
} else throw new Error(`unknown operation ${operation}`);
process.stdout.write(`result ${JSON.stringify(result)}\n`);
await database.close();
