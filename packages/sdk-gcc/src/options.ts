import { GccOptionsError } from './errors/options-error';

/** Retry behaviour for requests that are safe to repeat (GET, PUT, and POSTs carrying an `Idempotency-Key`). */
export interface GccRetryOptions {
  /**
   * How many times a failed request is retried (network error, timeout, 408, 429, 500, 502, 503, 504).
   * @default 2
   */
  limit?: number;
  /**
   * Upper bound of one backoff delay, in ms. Delays grow as 300 ms × 2^(n-1) with full jitter.
   * @default 10_000
   */
  backoffLimitMs?: number;
  /**
   * Longest `Retry-After` the client is willing to wait, in ms; a longer one fails the request at once.
   * @default 60_000
   */
  maxRetryAfterMs?: number;
}

/** One request as {@link GccClientOptions.send} receives it. Header names are lower case. */
export interface GccSendRequest {
  method: string;
  /** Absolute URL, query included. */
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Aborts the request: the caller's signal and the per-attempt timeout. Reject with `signal.reason`, as fetch does. */
  signal: AbortSignal;
}

/** What {@link GccClientOptions.send} resolves with: the part of a fetch `Response` the client reads. */
export interface GccSendResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/**
 * A minimal HTTP function: one request, one answer, any status (never throws for a 4xx/5xx). `fetch` fits:
 * `send: ({ url, ...init }) => fetch(url, init)`. Reject for network failures and with `signal.reason` on abort.
 */
export type GccSend = (request: GccSendRequest) => Promise<GccSendResponse>;

/** Options of {@link createGccClient}. */
export interface GccClientOptions {
  /** Base URL of the GCC, for example `https://gcc.wrktalk.com` (the `/api/v1` prefix is added by the client). */
  baseUrl: string;
  /** Bearer token (admin, ci, approver or agent). A function is called before every request (token rotation). */
  token?: string | (() => string | Promise<string>);
  /**
   * The fetch implementation, for tests, proxies or instrumentation.
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch;
  /**
   * Send requests through this function instead of ky and `fetch`. ky and, in Node, the global fetch (undici) are
   * then never loaded, which keeps a small daemon ~10–15 MB smaller (the agent uses a `node:http` one). Retries,
   * `Retry-After`, timeouts and errors behave as with the default. Give `send` or `fetch`, not both.
   * @default undefined (ky over `fetch`)
   */
  send?: GccSend;
  /**
   * Retry policy, or `false` to never retry.
   * @default { limit: 2, backoffLimitMs: 10_000, maxRetryAfterMs: 60_000 }
   */
  retry?: GccRetryOptions | false;
  /**
   * Timeout of one attempt, in ms. A long-poll adds its wait to this.
   * @default 30_000
   */
  timeoutMs?: number;
  /**
   * Validate every response body against the contract's schemas (zod).
   * @default true
   */
  validateResponses?: boolean;
  /**
   * Extra headers sent with every request (for example a user agent).
   * @default {}
   */
  headers?: Record<string, string>;
  /**
   * Produces `Idempotency-Key` values for POSTs that create something.
   * @default () => crypto.randomUUID()
   */
  idempotencyKey?: () => string;
}

/** {@link GccClientOptions} with every default applied and every value checked. */
export interface CompiledGccClientOptions {
  baseUrl: string;
  token: (() => string | Promise<string>) | undefined;
  fetch: typeof globalThis.fetch;
  send: GccSend | undefined;
  retry: Required<GccRetryOptions>;
  timeoutMs: number;
  validateResponses: boolean;
  headers: Record<string, string>;
  idempotencyKey: () => string;
}

/** Default options of {@link createGccClient}. */
export function defaultGccClientOptions(): Omit<CompiledGccClientOptions, 'baseUrl' | 'token'> {
  return {
    fetch: (...args) => globalThis.fetch(...args),
    send: undefined,
    retry: { limit: 2, backoffLimitMs: 10_000, maxRetryAfterMs: 60_000 },
    timeoutMs: 30_000,
    validateResponses: true,
    headers: {},
    idempotencyKey: () => globalThis.crypto.randomUUID(),
  };
}

function isNonNegativeInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/** Applies defaults and validates options; throws {@link GccOptionsError} listing every problem. */
export function compileGccClientOptions(options: GccClientOptions): CompiledGccClientOptions {
  const problems: string[] = [];
  const defaults = defaultGccClientOptions();
  let baseUrl = '';
  if (typeof options?.baseUrl !== 'string' || options.baseUrl === '') {
    problems.push('baseUrl: required, an absolute http(s) URL');
  } else {
    try {
      const u = new URL(options.baseUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push('baseUrl: must use http or https');
      else if (u.search || u.hash) problems.push('baseUrl: must not have a query or fragment');
      baseUrl = u.href.replace(/\/+$/, '');
    } catch {
      problems.push(`baseUrl: not a valid URL: ${JSON.stringify(options.baseUrl)}`);
    }
  }
  const { token } = options ?? {};
  if (token !== undefined && typeof token !== 'string' && typeof token !== 'function') {
    problems.push('token: must be a string or a function returning one');
  }
  if (typeof token === 'string' && /[\r\n]/.test(token)) problems.push('token: must not contain line breaks');
  const timeoutMs = options?.timeoutMs ?? defaults.timeoutMs;
  if (!isNonNegativeInt(timeoutMs) || timeoutMs === 0) problems.push('timeoutMs: must be a positive integer');
  const retry = { ...defaults.retry };
  if (options?.retry === false) {
    retry.limit = 0;
  } else if (options?.retry !== undefined) {
    for (const key of ['limit', 'backoffLimitMs', 'maxRetryAfterMs'] as const) {
      const v = options.retry[key];
      if (v === undefined) continue;
      if (!isNonNegativeInt(v)) problems.push(`retry.${key}: must be a non-negative integer`);
      else retry[key] = v;
    }
  }
  if (options?.fetch !== undefined && typeof options.fetch !== 'function')
    problems.push('fetch: must be a function');
  if (options?.send !== undefined && typeof options.send !== 'function')
    problems.push('send: must be a function');
  if (options?.send !== undefined && options?.fetch !== undefined)
    problems.push('send: give send or fetch, not both (send replaces ky and fetch)');
  if (options?.idempotencyKey !== undefined && typeof options.idempotencyKey !== 'function') {
    problems.push('idempotencyKey: must be a function');
  }
  if (problems.length > 0) throw new GccOptionsError(problems);
  return {
    baseUrl,
    token: typeof token === 'string' ? () => token : token,
    fetch: options.fetch ?? defaults.fetch,
    send: options.send,
    retry,
    timeoutMs,
    validateResponses: options.validateResponses ?? defaults.validateResponses,
    headers: { ...(options.headers ?? {}) },
    idempotencyKey: options.idempotencyKey ?? defaults.idempotencyKey,
  };
}
