// The console's one way to call the API: same-origin fetch with the session cookie, JSON in and out,
// and every failure turned into an ApiError carrying the API's {error:{code,message,details}} shape.

export interface ErrorDetail {
  path: string;
  message: string;
}

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

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  // The server accepts changes signed in by cookie only with this header (another site cannot send it).
  const headers: Record<string, string> = { accept: 'application/json', 'x-momentum-client': 'console' };
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
    throw new ApiError(0, 'network', 'Cannot reach the Momentum server. Check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
    const failure = new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `The server answered ${response.status}`,
      error?.details ?? [],
    );
    if (response.status === 401 && !options.ignoreUnauthenticated) {
      window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT, { detail: { message: failure.message } }));
    }
    throw failure;
  }
  return json as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}) => request<T>('POST', path, { ...options, body: body ?? {} }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  delete: <T = void>(path: string) => request<T>('DELETE', path),
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
