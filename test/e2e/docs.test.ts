// The API reference at /docs, as a visitor's browser loads it: everything from this server (it works offline and
// tells no one of the visit), and none of the hosted vendor's buttons.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ConsoleSession, openConsoleSession, shots } from './console-session.ts';

let session: ConsoleSession;

beforeAll(async () => {
  session = await openConsoleSession('docs');
});
afterAll(async () => {
  await session?.close();
});

describe('API reference', () => {
  test('/docs loads only from this server and shows no hosted-vendor buttons (Ask AI, Deploy, Generate SDK)', async () => {
    const { page, baseUrl } = session;
    const outside: string[] = [];
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(baseUrl) && !url.startsWith('data:') && !url.startsWith('blob:')) outside.push(url);
    });
    await page.goto(`${baseUrl}/docs/`);
    await page.getByRole('heading', { name: 'Momentum API' }).first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(shots, 'docs.png') });
    expect(outside).toEqual([]);
    for (const vendor of [/ask ai/i, /generate sdk/i, /deploy/i]) expect(await page.getByText(vendor).count(), String(vendor)).toBe(0);
    expect(session.pageErrors).toEqual([]);
  });
});
