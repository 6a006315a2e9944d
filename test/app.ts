import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Db } from '../src/db/client.ts';
import type { AppDeps } from '../src/http/types.ts';
import type { Clock } from '../src/lib/clock.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** The real app, without a listening socket: requests go through app.inject. */
export async function createTestApp(db: Db, clock: Clock, deps: Partial<AppDeps> = {}) {
  const config = loadConfig({}, { MOMENTUM_SECRET: 'test-secret-that-is-long-enough-0123456789', MOMENTUM_DATA_DIR: '/tmp/momentum-test-unused' });
  const app = await buildApp({ db, clock, config, ...deps });
  await app.ready();
  const call = async (method: Method, url: string, options: { key?: string; cookie?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    // Requests signed in by cookie come from the console, which always sends its header (auth.ts CONSOLE_HEADER).
    if (options.cookie) {
      headers.cookie = options.cookie;
      headers['x-momentum-client'] ??= 'console';
    }
    const response: LightMyRequestResponse = await app.inject({
      method,
      url,
      headers,
      ...(options.body !== undefined && { payload: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
      ...(options.body !== undefined && typeof options.body !== 'string' && { headers: { ...headers, 'content-type': 'application/json' } }),
    });
    return { status: response.statusCode, body: safeJson(response.body), headers: response.headers, raw: response.body };
  };
  return { app, call, close: () => app.close() };
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
