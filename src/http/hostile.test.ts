// Every /api/v1 route in the OpenAPI document, called with input a careless or hostile caller sends: no answer is
// a 5xx, and nothing is written.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { testClock } from '../../test/factories.ts';
import { apiSuite } from '../../test/suite.ts';

const suite = apiSuite(testClock());

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  $ref?: string;
}
interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** A body shaped like the schema, every string set to `text`. */
function shaped(schema: JsonSchema | undefined, text: string, components: Record<string, JsonSchema>, depth = 0): unknown {
  if (!schema || depth > 6) return text;
  if (schema.$ref) return shaped(components[schema.$ref.split('/').at(-1) ?? ''], text, components, depth + 1);
  if (schema.anyOf?.[0]) return shaped(schema.anyOf[0], text, components, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'object' || schema.properties) {
    return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, shaped(v, text, components, depth + 1)]));
  }
  if (type === 'array') return [shaped(schema.items, text, components, depth + 1)];
  if (type === 'number' || type === 'integer') return 1;
  if (type === 'boolean') return true;
  return text;
}

const writeCount = async () => (await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(suite.database.db)).rows[0]?.n ?? 0;

describe('hostile input to every /api/v1 route', () => {
  it('never answers 5xx and writes nothing for NUL characters, lone surrogates, malformed JSON, wrong types and oversized bodies', async () => {
    const doc = (await suite.api.call('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, JsonSchema> };
    };
    const before = await writeCount();
    const failures: string[] = [];
    let requests = 0;
    const id = '0b7c2f44-5f7a-4c55-9d1e-2b7d3c1f9a10';
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1')) continue;
      for (const [method, op] of Object.entries(methods)) {
        const url = path.replace(/\{[^}]+\}/g, id);
        const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        const schema = op.requestBody?.content?.['application/json']?.schema;
        const cases: { label: string; url: string; body?: string }[] = [
          ...queryNames.map((q) => ({ label: `?${q}=NUL`, url: `${url}?${q}=a%00b` })),
          ...queryNames.map((q) => ({ label: `?${q}=lone surrogate`, url: `${url}?${q}=%ED%A0%80` })),
        ];
        if (method !== 'get' && method !== 'delete') {
          cases.push(
            { label: 'NUL in every string', url, body: JSON.stringify(shaped(schema, 'a\u0000b', doc.components.schemas)) },
            { label: 'lone surrogate in every string', url, body: JSON.stringify(shaped(schema, 'a\ud800b', doc.components.schemas)) },
            { label: 'numbers for strings', url, body: JSON.stringify(shaped(schema, 7 as unknown as string, doc.components.schemas)) },
            { label: 'malformed JSON', url, body: '{"name": ' },
            { label: 'JSON array', url, body: '[1,2,3]' },
            { label: '1.1 MB string', url, body: JSON.stringify({ name: 'x'.repeat(1_100_000) }) },
          );
        }
        for (const c of cases) {
          requests++;
          const res = await suite.api.app.inject({
            method: method.toUpperCase() as 'GET',
            url: c.url,
            headers: { authorization: `Bearer ${suite.key}`, ...(c.body !== undefined && { 'content-type': 'application/json' }) },
            ...(c.body !== undefined && { payload: c.body }),
          });
          // Signing out without a session is a no-op that succeeds; every other write must be refused.
          const wrote = method !== 'get' && res.statusCode < 300 && path !== '/api/v1/auth/sign-out';
          if (res.statusCode >= 500 || wrote) failures.push(`${method.toUpperCase()} ${path} ${c.label}: ${res.statusCode} ${res.body.slice(0, 160)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(200);
    expect(await writeCount()).toBe(before);
  });

  it('names the field that carries a NUL character', async () => {
    const res = await suite.api.call('POST', '/api/v1/accounts', { key: suite.key, body: { name: 'Acme\u0000Corp' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'body.name', message: 'must not contain a NUL character (\\u0000)' }]);
    const search = await suite.api.call('GET', '/api/v1/accounts?q=%00', { key: suite.key });
    expect(search.status).toBe(400);
    expect(search.body.error.details[0].path).toBe('querystring.q');
  });
});
