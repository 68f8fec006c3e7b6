import type { KyInstance } from 'ky';
import type { z } from 'zod';
import { GccHttpError } from './errors/http-error';
import { GccNetworkError } from './errors/network-error';
import { GccResponseError, type ResponseIssue } from './errors/response-error';
import { GccTimeoutError } from './errors/timeout-error';
import type { CompiledGccClientOptions, GccSend, GccSendResponse } from './options';
import { ProblemSchema } from './schemas';

/** HTTP methods the GCC contract uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One call of the contract, as the resource methods describe it to the transport. */
export interface CallSpec<T> {
  method: HttpMethod;
  /** Path below the base URL, with path parameters already encoded (use {@link path}). */
  path: string;
  query?: Record<string, string | number | boolean | undefined> | undefined;
  body?: unknown;
  /** @default 'application/json' when there is a body */
  contentType?: string;
  /** Send an `Idempotency-Key` (given, or generated when `true`); makes a POST safe to retry. */
  idempotencyKey?: string | true | undefined;
  headers?: Record<string, string | undefined>;
  /** Schema of the success body; `'text'` for a text body. */
  schema: z.ZodType<T> | 'text';
  /** Added to the timeout of this call (long-poll). */
  extraTimeoutMs?: number;
  /** Return `undefined` data for a 304 instead of throwing. */
  allowNotModified?: boolean;
  /** Error statuses whose body is read as a normal answer (e.g. `/readyz` answers 503 with its checks); not retried. */
  acceptStatuses?: number[];
  signal?: AbortSignal | undefined;
}

/** Response headers, read by name (a fetch `Headers` or what a {@link GccSend} function returns). */
export type ResponseHeaders = GccSendResponse['headers'];

/** What a call returns: the validated body (absent on 304), the status and the headers. */
export interface CallResult<T> {
  data: T | undefined;
  status: number;
  headers: ResponseHeaders;
}

/** A call with its URL, headers and body worked out, ready for either transport. */
interface PreparedCall<T> {
  spec: CallSpec<T>;
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
  retryPost: boolean;
}

/** Builds a path from a template literal, encoding every interpolated value. */
export function path(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce(
    (acc, s, i) => acc + s + (i < values.length ? encodeURIComponent(values[i]!) : ''),
    '',
  );
}

const RETRY_STATUS = [408, 429, 500, 502, 503, 504];
const SAFE_METHODS = ['get', 'put', 'delete', 'head', 'options'] as const;

function snippet(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function toIssues(error: z.ZodError): ResponseIssue[] {
  return error.issues.map((i) => ({
    path: i.path.length
      ? `/${i.path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`
      : '',
    message: i.message,
  }));
}

function isJsonType(contentType: string | null): boolean {
  return !!contentType && /^application\/([\w.+-]*\+)?json\b/i.test(contentType);
}

type Ky = typeof import('ky');
let kyModule: Promise<Ky> | undefined;
/** ky is imported on first use only: its import builds a fetch `Request`, which in Node loads undici (~10 MB). */
const loadKy = (): Promise<Ky> => {
  kyModule ??= import('ky');
  return kyModule;
};

/** Marks an attempt aborted by its own timeout (as opposed to the caller's signal). */
const ATTEMPT_TIMEOUT = Symbol('attempt timeout');

/** Delay before retry number `retryCount` (1-based): the server's `Retry-After` (429, 503), else ky's backoff. */
function retryDelayMs(
  retryCount: number,
  retry: CompiledGccClientOptions['retry'],
  response: GccSendResponse | undefined,
): number {
  const retryAfter =
    response && (response.status === 429 || response.status === 503)
      ? response.headers.get('retry-after')
      : null;
  if (retryAfter) {
    let after = Number(retryAfter) * 1000;
    if (Number.isNaN(after)) after = Date.parse(retryAfter) - Date.now();
    else if (after >= Date.parse('2024-01-01')) after -= Date.now();
    if (!Number.isNaN(after)) return Math.max(0, Math.min(after, retry.maxRetryAfterMs));
  }
  return Math.min(retry.backoffLimitMs, Math.random() * 300 * 2 ** (retryCount - 1));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The transport: ky over fetch with the client's retry, timeout and auth (default), or the same rules over a
 * {@link GccSend} function (option `send`); every failure is mapped to a typed error.
 */
export class Transport {
  #ky: Promise<{ ky: KyInstance; mod: Ky }> | undefined;
  readonly #options: CompiledGccClientOptions;

  constructor(options: CompiledGccClientOptions) {
    this.#options = options;
  }

  #kyInstance(): Promise<{ ky: KyInstance; mod: Ky }> {
    this.#ky ??= loadKy().then((mod) => {
      const { retry, fetch } = this.#options;
      const ky = mod.default.create({
        fetch,
        throwHttpErrors: true,
        retry: {
          limit: retry.limit,
          methods: [...SAFE_METHODS],
          statusCodes: RETRY_STATUS,
          afterStatusCodes: [429, 503],
          maxRetryAfter: retry.maxRetryAfterMs,
          backoffLimit: retry.backoffLimitMs,
          jitter: true,
          retryOnTimeout: true,
          shouldRetry: ({ error }) => (error.name === 'AbortError' ? false : undefined),
        },
        hooks: {
          beforeRequest: [
            async (request) => {
              const token = await this.#options.token?.();
              if (token) request.headers.set('authorization', `Bearer ${token}`);
            },
          ],
        },
      });
      return { ky, mod };
    });
    return this.#ky;
  }

  /** Performs one contract call. Throws a typed `Gcc*Error` for anything but a valid success answer. */
  async call<T>(spec: CallSpec<T>): Promise<CallResult<T>> {
    const url = new URL(this.#options.baseUrl + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.#options.headers)) headers[k.toLowerCase()] = v;
    headers.accept =
      spec.schema === 'text'
        ? 'text/plain, application/problem+json'
        : 'application/json, application/problem+json';
    for (const [k, v] of Object.entries(spec.headers ?? {}))
      if (v !== undefined) headers[k.toLowerCase()] = v;
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['content-type'] = spec.contentType ?? 'application/json';
    }
    const retryPost = spec.idempotencyKey !== undefined;
    if (retryPost) {
      headers['idempotency-key'] =
        spec.idempotencyKey === true ? this.#options.idempotencyKey() : (spec.idempotencyKey as string);
    }
    const timeoutMs = this.#options.timeoutMs + (spec.extraTimeoutMs ?? 0);
    const request = { spec, method: spec.method, url, headers, body, timeoutMs, retryPost };
    return this.#options.send ? this.#callSend(this.#options.send, request) : this.#callKy(request);
  }

  async #callKy<T>(r: PreparedCall<T>): Promise<CallResult<T>> {
    const { spec, method, url, timeoutMs } = r;
    const { ky, mod } = await this.#kyInstance();
    let response: Response;
    try {
      response = await ky(url, {
        method,
        headers: r.headers,
        body: r.body,
        timeout: timeoutMs,
        signal: spec.signal,
        ...(r.retryPost ? { retry: { methods: [...SAFE_METHODS, 'post', 'patch'] } } : {}),
        ...(spec.acceptStatuses ? { retry: { limit: 0 } } : {}),
      });
    } catch (error) {
      if (error instanceof mod.HTTPError) {
        if (spec.allowNotModified && error.response.status === 304) {
          return { data: undefined, status: 304, headers: error.response.headers };
        }
        if (spec.acceptStatuses?.includes(error.response.status)) {
          return this.#readSuccess(spec, method, url.href, error.response);
        }
        throw await this.#httpError(method, url.href, error.response);
      }
      if (error instanceof mod.TimeoutError) {
        throw new GccTimeoutError({ method, url: url.href, timeoutMs, cause: error });
      }
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw new GccNetworkError({ method, url: url.href, cause: error });
    }
    return this.#readSuccess(spec, method, url.href, response);
  }

  /** The same rules as the ky path (retried methods and statuses, Retry-After, backoff, timeout per attempt). */
  async #callSend<T>(send: GccSend, r: PreparedCall<T>): Promise<CallResult<T>> {
    const { spec, method, url, timeoutMs } = r;
    const { retry } = this.#options;
    const retryable = r.retryPost || (SAFE_METHODS as readonly string[]).includes(method.toLowerCase());
    const limit = spec.acceptStatuses || !retryable ? 0 : retry.limit;
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < limit;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(ATTEMPT_TIMEOUT), timeoutMs);
      const onAbort = () => controller.abort(spec.signal?.reason);
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        if (spec.signal?.aborted) throw spec.signal.reason;
        const token = await this.#options.token?.();
        const headers = token ? { ...r.headers, authorization: `Bearer ${token}` } : r.headers;
        let response: GccSendResponse;
        try {
          response = await send({ method, url: url.href, headers, body: r.body, signal: controller.signal });
        } catch (error) {
          if (spec.signal?.aborted) throw spec.signal.reason;
          const timedOut = controller.signal.aborted && controller.signal.reason === ATTEMPT_TIMEOUT;
          if (canRetry) {
            await sleep(retryDelayMs(attempt + 1, retry, undefined), spec.signal);
            continue;
          }
          if (timedOut) throw new GccTimeoutError({ method, url: url.href, timeoutMs, cause: error });
          throw new GccNetworkError({ method, url: url.href, cause: error });
        }
        const { status } = response;
        if (status >= 200 && status < 300) return await this.#readSuccess(spec, method, url.href, response);
        if (spec.allowNotModified && status === 304) {
          return { data: undefined, status: 304, headers: response.headers };
        }
        if (spec.acceptStatuses?.includes(status)) {
          return await this.#readSuccess(spec, method, url.href, response);
        }
        if (canRetry && RETRY_STATUS.includes(status)) {
          await response.text().catch(() => undefined);
          await sleep(retryDelayMs(attempt + 1, retry, response), spec.signal);
          continue;
        }
        throw await this.#httpError(method, url.href, response);
      } finally {
        clearTimeout(timer);
        spec.signal?.removeEventListener('abort', onAbort);
      }
    }
  }

  async #readSuccess<T>(
    spec: CallSpec<T>,
    method: string,
    url: string,
    response: GccSendResponse,
  ): Promise<CallResult<T>> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new GccNetworkError({ method, url, cause: error });
    }
    const base = { method, url, status: response.status, bodySnippet: snippet(text) };
    if (spec.schema === 'text')
      return { data: text as T, status: response.status, headers: response.headers };
    if (!isJsonType(response.headers.get('content-type'))) {
      throw new GccResponseError({
        ...base,
        reason: `expected JSON, got ${response.headers.get('content-type') ?? 'no content type'}`,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new GccResponseError({ ...base, reason: 'malformed JSON', cause: error });
    }
    if (!this.#options.validateResponses)
      return { data: json as T, status: response.status, headers: response.headers };
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      throw new GccResponseError({
        ...base,
        reason: 'body does not match the contract',
        issues: toIssues(parsed.error),
        cause: parsed.error,
      });
    }
    return { data: parsed.data, status: response.status, headers: response.headers };
  }

  async #httpError(method: string, url: string, response: GccSendResponse): Promise<GccHttpError> {
    let text = '';
    try {
      text = await response.text();
    } catch {
      // The body could not be read; the status alone still tells what happened.
    }
    if (isJsonType(response.headers.get('content-type'))) {
      try {
        const parsed = ProblemSchema.safeParse(JSON.parse(text));
        if (parsed.success)
          return new GccHttpError({ method, url, status: response.status, problem: parsed.data });
      } catch {
        // Not JSON after all: reported through bodySnippet below.
      }
    }
    return new GccHttpError({
      method,
      url,
      status: response.status,
      bodySnippet: snippet(text) || undefined,
    });
  }
}
