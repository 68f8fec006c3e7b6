import ky, { HTTPError, type KyInstance, TimeoutError } from 'ky';
import type { z } from 'zod';
import { GccHttpError } from './errors/http-error';
import { GccNetworkError } from './errors/network-error';
import { GccResponseError, type ResponseIssue } from './errors/response-error';
import { GccTimeoutError } from './errors/timeout-error';
import type { CompiledGccClientOptions } from './options';
import { ProblemSchema } from './schemas';

/** HTTP methods the GCC contract uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH';

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

/** What a call returns: the validated body (absent on 304), the status and the headers. */
export interface CallResult<T> {
  data: T | undefined;
  status: number;
  headers: Headers;
}

/** Builds a path from a template literal, encoding every interpolated value. */
export function path(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce(
    (acc, s, i) => acc + s + (i < values.length ? encodeURIComponent(values[i]!) : ''),
    '',
  );
}

const RETRY_STATUS = [408, 429, 500, 502, 503, 504];
const SAFE_METHODS = ['get', 'put', 'head', 'options'] as const;

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

/** The transport: ky with the client's retry, timeout and auth, mapping every failure to a typed error. */
export class Transport {
  readonly #ky: KyInstance;
  readonly #options: CompiledGccClientOptions;

  constructor(options: CompiledGccClientOptions) {
    this.#options = options;
    const { retry } = options;
    this.#ky = ky.create({
      fetch: options.fetch,
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
  }

  /** Performs one contract call. Throws a typed `Gcc*Error` for anything but a valid success answer. */
  async call<T>(spec: CallSpec<T>): Promise<CallResult<T>> {
    const url = new URL(this.#options.baseUrl + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers = new Headers(this.#options.headers);
    headers.set(
      'accept',
      spec.schema === 'text'
        ? 'text/plain, application/problem+json'
        : 'application/json, application/problem+json',
    );
    for (const [k, v] of Object.entries(spec.headers ?? {})) if (v !== undefined) headers.set(k, v);
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers.set('content-type', spec.contentType ?? 'application/json');
    }
    const retryPost = spec.idempotencyKey !== undefined;
    if (retryPost) {
      headers.set(
        'idempotency-key',
        spec.idempotencyKey === true ? this.#options.idempotencyKey() : (spec.idempotencyKey as string),
      );
    }
    const timeoutMs = this.#options.timeoutMs + (spec.extraTimeoutMs ?? 0);
    const method = spec.method;
    let response: Response;
    try {
      response = await this.#ky(url, {
        method,
        headers,
        body,
        timeout: timeoutMs,
        signal: spec.signal,
        ...(retryPost ? { retry: { methods: [...SAFE_METHODS, 'post', 'patch'] } } : {}),
        ...(spec.acceptStatuses ? { retry: { limit: 0 } } : {}),
      });
    } catch (error) {
      if (error instanceof HTTPError) {
        if (spec.allowNotModified && error.response.status === 304) {
          return { data: undefined, status: 304, headers: error.response.headers };
        }
        if (spec.acceptStatuses?.includes(error.response.status)) {
          return this.#readSuccess(spec, method, url.href, error.response);
        }
        throw await this.#httpError(method, url.href, error.response);
      }
      if (error instanceof TimeoutError) {
        throw new GccTimeoutError({ method, url: url.href, timeoutMs, cause: error });
      }
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw new GccNetworkError({ method, url: url.href, cause: error });
    }
    return this.#readSuccess(spec, method, url.href, response);
  }

  async #readSuccess<T>(
    spec: CallSpec<T>,
    method: string,
    url: string,
    response: Response,
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

  async #httpError(method: string, url: string, response: Response): Promise<GccHttpError> {
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
