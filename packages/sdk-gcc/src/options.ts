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
  if (options?.idempotencyKey !== undefined && typeof options.idempotencyKey !== 'function') {
    problems.push('idempotencyKey: must be a function');
  }
  if (problems.length > 0) throw new GccOptionsError(problems);
  return {
    baseUrl,
    token: typeof token === 'string' ? () => token : token,
    fetch: options.fetch ?? defaults.fetch,
    retry,
    timeoutMs,
    validateResponses: options.validateResponses ?? defaults.validateResponses,
    headers: { ...(options.headers ?? {}) },
    idempotencyKey: options.idempotencyKey ?? defaults.idempotencyKey,
  };
}
