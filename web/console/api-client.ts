// The console's one way to call the API: same-origin fetch with the session cookie, JSON in and out,
// and every failure turned into an ApiError carrying the API's {error:{code,message,details}} shape.

import type { ErrorDetail } from '../../src/lib/errors.ts';

export type { ErrorDetail };

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];

  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Fired on window when any call (but sign-in) gets a 401; the console shell sends the member to the sign-in page. */
export const UNAUTHENTICATED_EVENT = 'momentum:unauthenticated';

export type Query = Record<string, string | number | boolean | null | undefined | readonly string[]>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Sign-in handles its own 401 (a wrong password is not an expired session). */
  ignoreUnauthenticated?: boolean;
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(','));
    } else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Sent with every request: the server accepts changes signed in by cookie only with this header (another site cannot send it). */
const CONSOLE_HEADERS: Readonly<Record<string, string>> = { accept: 'application/json', 'x-momentum-client': 'console' };

/** The answer's JSON, or the ApiError it carries (a 401 also tells the console shell, unless the caller handles it). */
function readAnswer<T>(status: number, text: string, options: Pick<RequestOptions, 'ignoreUnauthenticated'>): T {
  if (status === 204) return undefined as T;
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (status < 200 || status >= 300) {
    const error = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
    const failure = new ApiError(status, error?.code ?? 'http_error', error?.message ?? `The server answered ${status}`, error?.details ?? []);
    if (status === 401 && !options.ignoreUnauthenticated) {
      window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT, { detail: { message: failure.message } }));
    }
    throw failure;
  }
  return json as T;
}

const networkError = () => new ApiError(0, 'network', 'Cannot reach the Momentum server. Check your connection and try again.');

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...CONSOLE_HEADERS };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(withQuery(`/api/v1${path}`, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw networkError();
  }
  return readAnswer<T>(response.status, await response.text(), options);
}

/**
 * POSTs and reads an NDJSON answer as it arrives: `{"progress":{done,total}}` lines go to onProgress, the
 * `{"result":…}` line is returned and an `{"error":…}` line thrown as an ApiError. Aborting the signal cancels the
 * server's work (it stops when the connection closes).
 */
async function postWithProgress<T>(path: string, body: unknown, onProgress: (done: number, total: number) => void, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method: 'POST',
      headers: { ...CONSOLE_HEADERS, accept: 'application/x-ndjson', 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(body),
      ...(signal && { signal }),
    });
  } catch (error) {
    if (signal?.aborted) throw new ApiError(0, 'aborted', 'Cancelled');
    throw error instanceof ApiError ? error : networkError();
  }
  if (!response.ok || !response.body) return readAnswer<T>(response.status, await response.text(), {});
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (value) buffered += value;
      let end = buffered.indexOf('\n');
      while (end >= 0) {
        const line = JSON.parse(buffered.slice(0, end)) as {
          progress?: { done: number; total: number };
          result?: T;
          error?: { code: string; message: string; details?: ErrorDetail[] };
        };
        buffered = buffered.slice(end + 1);
        if (line.progress) onProgress(line.progress.done, line.progress.total);
        if (line.error) throw new ApiError(response.status, line.error.code, line.error.message, line.error.details ?? []);
        if ('result' in line) return line.result as T;
        end = buffered.indexOf('\n');
      }
      if (done) break;
    }
  } catch (error) {
    if (signal?.aborted) throw new ApiError(0, 'aborted', 'Cancelled');
    throw error instanceof ApiError ? error : networkError();
  }
  throw new ApiError(0, 'network', 'The server stopped answering before the end. Try again.');
}

export interface UploadOptions {
  query?: Query;
  /** Called as the file goes out: bytes sent and the total (fetch cannot report upload progress, hence XMLHttpRequest). */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/** POSTs a file as the multipart/form-data field "file", with the console's headers. */
function upload<T>(path: string, file: Blob, options: UploadOptions = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', withQuery(`/api/v1${path}`, options.query));
    for (const [name, value] of Object.entries(CONSOLE_HEADERS)) xhr.setRequestHeader(name, value);
    const { onProgress, signal } = options;
    if (onProgress) xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      try {
        resolve(readAnswer<T>(xhr.status, xhr.responseText, {}));
      } catch (error) {
        reject(error);
      }
    };
    xhr.onerror = () => reject(networkError());
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'The upload was cancelled'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append('file', file);
    xhr.send(form);
  });
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}) => request<T>('POST', path, { ...options, body: body ?? {} }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  delete: <T = void>(path: string) => request<T>('DELETE', path),
  upload,
  postWithProgress,
};

/**
 * Field errors for a form: each detail's path without the request part ("body.email" -> "email").
 * Keys are dotted paths ("team.csm", "filter.conditions.0.value"); a message for a parent path is kept too.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const detail of error.details) {
    const key = detail.path.replace(/^(body|querystring|params)\.?/, '');
    if (key && !out[key]) out[key] = detail.message;
  }
  return out;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong';
}
