// The container smoke test's ingestion: sends Segment batches until the server goes away, writing the messageId of
// every event the server acknowledged (HTTP 200) to a file; with --verify, counts those the API cannot find.
//   node ingest-load.mjs URL INGEST_KEY ACKED_FILE SECONDS
//   node ingest-load.mjs --verify URL ADMIN_KEY ACKED_FILE
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);

if (args[0] === '--verify') {
  const [, url, key, file] = args;
  const acked = new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean));
  const seen = new Set();
  let cursor;
  do {
    const query = new URLSearchParams({ name: 'Smoke Event', limit: '500', ...(cursor && { cursor }) });
    const res = await fetch(`${url}/api/v1/events?${query}`, { headers: { authorization: `Bearer ${key}` } });
    if (!res.ok) throw new Error(`GET /api/v1/events answered ${res.status}`);
    const page = await res.json();
    for (const e of page.items) seen.add(e.messageId);
    cursor = page.nextCursor;
  } while (cursor);
  console.log([...acked].filter((id) => !seen.has(id)).length);
} else {
  const [url, key, file, seconds] = args;
  writeFileSync(file, '');
  const auth = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const until = Date.now() + Number(seconds) * 1000;
  let n = 0;
  while (Date.now() < until) {
    const batch = Array.from({ length: 50 }, () => ({
      type: 'track',
      event: 'Smoke Event',
      userId: `smoke-user-${n % 7}`,
      messageId: `smoke-${process.pid}-${n++}`,
      properties: { n },
    }));
    try {
      const res = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ batch }),
      });
      if (res.ok) appendFileSync(file, `${batch.map((m) => m.messageId).join('\n')}\n`);
    } catch {
      // The server stopped (connection refused or reset): what was not acknowledged may or may not be stored.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
