import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { randomToken } from './lib/crypto.ts';

/** Every environment variable Momentum reads. docs/configuration.md is generated from these descriptions. */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('HTTP port.'),
  HOST: z.string().default('127.0.0.1').describe('HTTP bind address. Use 0.0.0.0 to accept connections from other machines.'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional()
    .describe('PostgreSQL server to use, e.g. postgres://user:pass@host:5432/momentum. Unset: the embedded database (PGlite) under MOMENTUM_DATA_DIR.'),
  MOMENTUM_DATA_DIR: z.string().default('./.momentum').describe('Embedded database, generated secret and local files (outbox).'),
  SMTP_URL: z
    .string()
    .optional()
    .describe('smtp://user:pass@host:port to send mail. Unset: each message is written as an .eml file under the data dir outbox/.'),
  PUBLIC_URL: z.string().url().optional().describe('Base of links in emails (confirm, unsubscribe, portal). Default http://HOST:PORT.'),
  MOMENTUM_SECRET: z
    .string()
    .min(32)
    .optional()
    .describe(
      'Signs tokens and sessions (32+ characters). Default on the embedded database: generated once into the data dir. Required with DATABASE_URL: every copy of the server and worker must share it.',
    ),
  DATABASE_WAIT_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(60)
    .describe(
      'How long `serve`, `worker` and `migrate` wait for PostgreSQL to answer at start (it may still be starting), retrying with a message, before they fail.',
    ),
  METRICS_TOKEN: z
    .string()
    .min(16)
    .optional()
    .describe('Bearer token (16+ characters) that `GET /metrics` (Prometheus) requires on the main port. Unset: `/metrics` answers 404 there.'),
  METRICS_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe(
      'A second port, on HOST, serving only `GET /metrics` without a token, from `serve` and from `worker` (which has no other HTTP server). Reachable only by Prometheus: never publish it.',
    ),
  RATE_LIMIT_API_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(0)
    .default(6000)
    .describe(
      'Requests per minute that one caller may make to `/api/v1`: per API key, per console session, per client address when signed out. Past it: 429 with Retry-After. Counted by each server copy on its own. 0: no limit.',
    ),
  RATE_LIMIT_INGEST_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(0)
    .default(60000)
    .describe(
      'Requests per minute that one write key may make to the ingestion endpoints (`/v1/track`, `/v1/batch` ...). A Segment SDK sends a batch of up to 100 events per request. Past it: 429 with Retry-After. Counted by each server copy on its own. 0: no limit.',
    ),
  WEBHOOKS_ALLOW_PRIVATE: z
    .string()
    .default('false')
    .refine((v) => v === 'true' || v === 'false' || v.split(',').every((r) => isAddressRange(r.trim())), {
      error: 'must be true, false, or a comma-separated list of addresses or CIDR ranges (e.g. 10.0.0.0/8,127.0.0.1)',
    })
    .describe(
      'Outbound webhooks (endpoints and automated-moment calls) refuse private, loopback, link-local and metadata addresses, checked on every DNS resolution and redirect. `true` allows every such address; a comma-separated list of addresses or CIDR ranges (e.g. `10.1.2.0/24,127.0.0.1`) allows those only. Default `false`. Set it only when receivers really run on a private network.',
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Server log level.'),
  LOG_FORMAT: z
    .enum(['pretty', 'json'])
    .optional()
    .describe(
      'Log lines for people (`pretty`: one readable line per event, requests only at debug level) or for collectors (`json`). Default: pretty when the output is a terminal, json otherwise.',
    ),
});

export type Env = z.infer<typeof configSchema>;

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  smtpUrl: string | undefined;
  publicUrl: string;
  secret: string;
  databaseWaitSeconds: number;
  logLevel: Env['LOG_LEVEL'];
  logFormat: 'pretty' | 'json';
  metricsToken: string | undefined;
  metricsPort: number | undefined;
  /** Requests per minute per caller; 0 means no limit. */
  rateLimits: { apiPerMinute: number; ingestPerMinute: number };
  /** Private addresses outbound webhooks may reach: true (all), or a list of addresses and CIDR ranges (none when empty). */
  webhooksAllowPrivate: true | string[];
}

export class ConfigError extends Error {}

/** Reads and validates the environment; the only code that touches process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Env> = {}): Config {
  const picked = Object.fromEntries(Object.keys(configSchema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]));
  const parsed = configSchema.safeParse({ ...picked, ...overrides });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  // A secret generated per copy would make each server reject the others' sessions and links.
  if (e.DATABASE_URL && !e.MOMENTUM_SECRET) {
    throw new ConfigError(
      'Invalid configuration:\n  MOMENTUM_SECRET: is required with DATABASE_URL. Every server and worker on one PostgreSQL database must sign sessions and links with the same secret: generate one (e.g. `openssl rand -base64 48`) and set it on every copy.',
    );
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    throw new ConfigError('Invalid configuration:\n  METRICS_PORT: must differ from PORT (metrics are served on a port of their own).');
  }
  const dataDir = resolve(e.MOMENTUM_DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    smtpUrl: e.SMTP_URL,
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, ''),
    secret: e.MOMENTUM_SECRET ?? dataDirSecret(dataDir),
    databaseWaitSeconds: e.DATABASE_WAIT_SECONDS,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    metricsToken: e.METRICS_TOKEN,
    metricsPort: e.METRICS_PORT,
    rateLimits: { apiPerMinute: e.RATE_LIMIT_API_PER_MINUTE, ingestPerMinute: e.RATE_LIMIT_INGEST_PER_MINUTE },
    webhooksAllowPrivate:
      e.WEBHOOKS_ALLOW_PRIVATE === 'true' ? true : e.WEBHOOKS_ALLOW_PRIVATE === 'false' ? [] : e.WEBHOOKS_ALLOW_PRIVATE.split(',').map((r) => r.trim()),
  };
}

/** An address (`127.0.0.1`, `::1`) or a CIDR range (`10.0.0.0/8`). */
function isAddressRange(text: string): boolean {
  return ipaddr.isValid(text) || ipaddr.isValidCIDR(text);
}

function dataDirSecret(dataDir: string): string {
  const file = join(dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomToken(48);
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // A file where the folder should be, a folder that cannot be written: said once, without a stack trace.
    throw new ConfigError(`Invalid configuration:\n  MOMENTUM_DATA_DIR: ${dataDir} cannot be used as a data dir (${(error as Error).message}).`);
  }
  return secret;
}

/** Test runs: the PostgreSQL server for the suite's second pass, when this test project targets it. */
export function testDatabase(env: NodeJS.ProcessEnv = process.env): { kind: 'pglite' } | { kind: 'postgres'; url: string } {
  if (env.MOMENTUM_TEST_DB === 'postgres' && env.TEST_DATABASE_URL) return { kind: 'postgres', url: env.TEST_DATABASE_URL };
  return { kind: 'pglite' };
}

/** Test runs: where a browser for end-to-end tests is (Debian's chromium by default). */
export function testBrowserPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH || '/usr/bin/chromium';
}
