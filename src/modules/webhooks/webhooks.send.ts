import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import ipaddr from 'ipaddr.js';
import { Webhook } from 'standardwebhooks';

/** Which private addresses outbound webhooks may reach (config WEBHOOKS_ALLOW_PRIVATE): true, or addresses and CIDR ranges. */
export type PrivateTargets = true | readonly string[];

export interface SendOptions {
  allowPrivate: PrivateTargets;
  /** Bound on one attempt, connection to last byte (default 10 s). */
  timeoutMs?: number | undefined;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 3;
/** What is kept of a response body (the delivery log shows it). */
export const RESPONSE_BODY_LIMIT = 2000;
/** A response longer than this is not read to its end (the attempt is judged by its status). */
const RESPONSE_READ_LIMIT = 64 * 1024;

/** A new signing secret in the Standard Webhooks form: `whsec_` and the base64 of 24 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * The one signing function (Standard Webhooks): `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature`, one `v1,<base64 HMAC-SHA256>` per secret, space-separated (two during a rotation's grace period).
 */
export function signWebhook(secrets: readonly string[], messageId: string, at: Date, body: string): Record<string, string> {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(messageId, at, body));
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

export class RefusedTarget extends Error {}

/** Whether an address may be called: public unicast, or private but allowed by the setting. */
export function isAllowedAddress(address: string, allowPrivate: PrivateTargets): boolean {
  if (!ipaddr.isValid(address)) return false;
  const ip = ipaddr.process(address);
  if (ip.range() === 'unicast') return true;
  if (allowPrivate === true) return true;
  return allowPrivate.some((range) => {
    const [base, bits] = range.includes('/') ? ipaddr.parseCIDR(range) : [ipaddr.process(range), ip.kind() === 'ipv4' ? 32 : 128];
    const net = base.kind() === 'ipv6' && (base as ipaddr.IPv6).isIPv4MappedAddress() ? (base as ipaddr.IPv6).toIPv4Address() : base;
    return net.kind() === ip.kind() && ip.match(net, bits);
  });
}

/**
 * Resolves a URL's host and checks every address it resolves to; returns the address to connect to (pinned, so a
 * second resolution cannot answer differently: DNS rebinding). Throws RefusedTarget for a private target.
 */
export async function resolveTarget(url: URL, allowPrivate: PrivateTargets): Promise<{ address: string; family: 4 | 6 }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RefusedTarget(`${url.protocol} URLs are not allowed: use http or https`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host)
    ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv4' ? 4 : 6 }]
    : await lookup(host, { all: true, verbatim: true }).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot resolve ${host}: ${error.code ?? error.message}`);
      });
  const refused = addresses.find((a) => !isAllowedAddress(a.address, allowPrivate));
  if (refused || addresses.length === 0) {
    throw new RefusedTarget(
      `${host} resolves to ${refused?.address ?? 'nothing'}, a private, loopback, link-local or metadata address: refused (see WEBHOOKS_ALLOW_PRIVATE)`,
    );
  }
  const first = addresses[0] as { address: string; family: number };
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

export interface SendResult {
  /** The HTTP status of the last response; null when none came (refused, timeout, connection error). */
  status: number | null;
  ms: number;
  body: string | null;
  /** Why no acceptable answer came: a refused target, a timeout, a connection error, a redirect refused. */
  error: string | null;
  /** The target (or a redirect's) resolved to an address that is not allowed: retrying would not change it. */
  refused: boolean;
  /** The URL the last request went to (after redirects). */
  url: string;
  requestHeaders: Record<string, string>;
}

function postOnce(url: URL, target: { address: string; family: 4 | 6 }, headers: Record<string, string>, body: string, deadline: number) {
  return new Promise<{ status: number; location: string | undefined; body: string }>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        // Connect to the address checked above, whatever a new resolution would say.
        lookup: (_host, options, callback) => {
          if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
          else (callback as (e: null, a: string, f: number) => void)(null, target.address, target.family);
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            location: response.headers.location,
            body: Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_BODY_LIMIT),
          });
        };
        response.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_BODY_LIMIT) chunks.push(chunk);
          size += chunk.length;
          if (size > RESPONSE_READ_LIMIT) {
            finish();
            response.destroy();
          }
        });
        response.on('end', finish);
        response.on('error', reject);
      },
    );
    const timer = setTimeout(() => request.destroy(new Error('timed out')), Math.max(0, deadline - Date.now()));
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}

/**
 * POSTs a JSON body with the given headers, checking the target's addresses before each request and each redirect
 * (at most 3, re-posted with the same body and signature). Never throws: the result says what happened.
 */
export async function postWebhook(rawUrl: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<SendResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  const deadline = started + timeoutMs;
  const requestHeaders = { 'content-type': 'application/json', 'user-agent': 'Momentum-Webhooks/1', ...headers };
  let url = new URL(rawUrl);
  const result = (status: number | null, responseBody: string | null, error: string | null, refused = false): SendResult => ({
    status,
    refused,
    ms: Date.now() - started,
    body: responseBody,
    error,
    url: url.toString(),
    requestHeaders,
  });
  for (let hop = 0; ; hop++) {
    try {
      const target = await resolveTarget(url, options.allowPrivate);
      const response = await postOnce(url, target, requestHeaders, body, deadline);
      const redirect = response.status >= 300 && response.status < 400 && response.location;
      if (!redirect) return result(response.status, response.body, null);
      if (hop >= MAX_REDIRECTS) return result(response.status, response.body, `more than ${MAX_REDIRECTS} redirects`);
      url = new URL(response.location as string, url);
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof RefusedTarget) return result(null, null, hop > 0 ? `redirect to ${url.toString()} refused: ${message}` : message, true);
      return result(null, null, message === 'timed out' ? `timed out after ${timeoutMs / 1000} s` : message);
    }
  }
}
