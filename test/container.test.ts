// The container files kept consistent with each other and with the configuration schema (the image itself is built
// and run by scripts/container-smoke.sh).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../src/config.ts';

const file = (name: string) => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: string[];
}

describe('container files', () => {
  const compose = parse(file('compose.yaml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };

  it('compose runs PostgreSQL with a named volume and a health check, a server without the worker, and a worker', () => {
    const { postgres, momentum, worker } = compose.services;
    expect(postgres?.volumes).toContain('pgdata:/var/lib/postgresql/data');
    expect(postgres?.healthcheck?.test?.join(' ')).toContain('pg_isready');
    expect(Object.keys(compose.volumes)).toContain('pgdata');
    expect(momentum?.command).toEqual(['serve', '--no-worker']);
    expect(worker?.command).toEqual(['worker']);
    for (const service of [momentum, worker]) {
      expect(Object.keys(service?.environment ?? {})).toEqual(expect.arrayContaining(['DATABASE_URL', 'MOMENTUM_SECRET', 'PUBLIC_URL', 'SMTP_URL']));
      expect(service?.depends_on?.postgres?.condition).toBe('service_healthy');
      // Every variable Momentum is given is one it reads.
      for (const key of Object.keys(service?.environment ?? {})) expect(Object.keys(configSchema.shape), key).toContain(key);
    }
  });

  it('every variable compose takes from .env is in .env.example, and .env never reaches the image', () => {
    const used = new Set([...file('compose.yaml').matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]));
    const example = new Set([...file('.env.example').matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
    expect([...used].filter((v) => !example.has(v))).toEqual([]);
    const ignored = file('.dockerignore').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.env', '.git', 'node_modules', '.momentum']));
  });

  it('the image runs as a non-root user under tini, checks /readyz, and keeps embedded data under /data', () => {
    const dockerfile = file('Dockerfile');
    expect(dockerfile).toMatch(/^USER momentum$/m);
    expect(dockerfile).toMatch(/ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "\/app\/bin\/momentum.js"\]/);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/readyz/);
    expect(dockerfile).toMatch(/MOMENTUM_DATA_DIR=\/data/);
  });
});
