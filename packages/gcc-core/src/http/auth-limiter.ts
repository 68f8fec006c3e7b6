import { PROBLEM_TYPES, problemTypeUri } from '@wrktalk/sdk-gcc';
import type { Request, Response } from 'express';
import type { OptionProblems } from '../errors/options-error';

/** The limit on failed authentications per source (see `GccOptions.authFailureLimit`). */
export interface AuthFailureLimit {
  /** Rejected bearer tokens from one source that block it. @default 100 */
  max?: number;
  /** The window the failures are counted in, and how long a source stays blocked. @default 60 */
  windowSeconds?: number;
  /** Sources tracked at once; beyond it the oldest entry is forgotten (bounded memory). @default 10_000 */
  maxSources?: number;
}

/** {@link AuthFailureLimit} with every default filled in. */
export type CompiledAuthFailureLimit = Required<AuthFailureLimit>;

export const AUTH_FAILURE_LIMIT_DEFAULTS: CompiledAuthFailureLimit = {
  max: 100,
  windowSeconds: 60,
  maxSources: 10_000,
};

/**
 * Checks `authFailureLimit` into `p` (problems under `authFailureLimit.<field>`): the limit with its defaults, or
 * false when it is off.
 */
export function compileAuthFailureLimit(
  p: OptionProblems,
  value: AuthFailureLimit | false | undefined,
): CompiledAuthFailureLimit | false {
  if (value === false) return false;
  if (value === undefined) return { ...AUTH_FAILURE_LIMIT_DEFAULTS };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    p.add(
      'authFailureLimit',
      `must be false or { max, windowSeconds, maxSources }, got ${JSON.stringify(value)}`,
    );
    return false;
  }
  for (const k of Object.keys(value)) {
    if (!(k in AUTH_FAILURE_LIMIT_DEFAULTS)) p.add(`authFailureLimit.${k}`, 'is not an option');
  }
  const d = AUTH_FAILURE_LIMIT_DEFAULTS;
  return {
    max: p.integer('authFailureLimit.max', value.max, d.max, 1, 1_000_000),
    windowSeconds: p.integer(
      'authFailureLimit.windowSeconds',
      value.windowSeconds,
      d.windowSeconds,
      1,
      86_400,
    ),
    maxSources: p.integer('authFailureLimit.maxSources', value.maxSources, d.maxSources, 1, 10_000_000),
  };
}

interface Entry {
  /** When the counting window started (ms). */
  start: number;
  failures: number;
  /** When the block ends (ms), 0 while not blocked. */
  blockedUntil: number;
}

/**
 * Counts failed bearer-token checks per source (the client address as Express sees it, `req.ip`): after `max` of them
 * within `windowSeconds`, the source is blocked for `windowSeconds`: every API request from it is answered
 * 429 `rate_limited` with `Retry-After` and no token is checked, valid ones included. A success neither counts
 * nor resets the count. At most `maxSources` sources are tracked; the oldest entry is dropped for a new one.
 */
export class AuthFailureLimiter {
  private readonly entries = new Map<string, Entry>();
  /** The latest end of any block (ms): when `now` is past it, nothing is blocked and the check is one comparison. */
  private blockedHorizon = 0;
  private readonly windowMs: number;

  constructor(
    readonly limit: CompiledAuthFailureLimit,
    private readonly now: () => number,
  ) {
    this.windowMs = limit.windowSeconds * 1000;
  }

  /** Sources tracked now (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** Whether some source may be blocked now (cheap; lets the hot path skip resolving `req.ip`). */
  anyBlocked(): boolean {
    return this.blockedHorizon > this.now();
  }

  /** Seconds until `source` may try again (rounded up, at least 1), or 0 when it is not blocked. */
  retryAfter(source: string): number {
    const now = this.now();
    if (this.blockedHorizon <= now) return 0;
    const e = this.entries.get(source);
    if (!e || e.blockedUntil <= now) return 0;
    return Math.max(1, Math.ceil((e.blockedUntil - now) / 1000));
  }

  /** Records one failed authentication of `source`; true when this failure blocked it. */
  fail(source: string): boolean {
    const now = this.now();
    let e = this.entries.get(source);
    if (e && e.blockedUntil <= now && now - e.start >= this.windowMs) {
      this.entries.delete(source);
      e = undefined;
    }
    if (!e) {
      if (this.entries.size >= this.limit.maxSources) this.evict(now);
      e = { start: now, failures: 0, blockedUntil: 0 };
      this.entries.set(source, e);
    }
    e.failures++;
    if (e.blockedUntil <= now && e.failures >= this.limit.max) {
      e.blockedUntil = now + this.windowMs;
      // The next failure after the block starts a new window.
      e.start = now;
      e.failures = 0;
      if (e.blockedUntil > this.blockedHorizon) this.blockedHorizon = e.blockedUntil;
      return true;
    }
    return false;
  }

  /** Drops expired entries, then (still full) the oldest ones, to make room for one. */
  private evict(now: number): void {
    for (const [k, e] of this.entries) {
      if (e.blockedUntil <= now && now - e.start >= this.windowMs) this.entries.delete(k);
    }
    // Map order is insertion order: the first entries are the oldest.
    for (const k of this.entries.keys()) {
      if (this.entries.size < this.limit.maxSources) break;
      this.entries.delete(k);
    }
  }
}

/** The source a request is counted under: `req.ip` (which honours the host's `trust proxy` setting). */
export function sourceOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** Answers 429 `rate_limited` (problem+json) with `Retry-After: seconds`. */
export function sendRateLimited(
  res: Response,
  seconds: number,
  instance: string,
  requestId: string | undefined,
): void {
  const { status, title } = PROBLEM_TYPES.rate_limited;
  res.setHeader('Retry-After', String(seconds));
  res
    .status(status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: problemTypeUri('rate_limited'),
        title,
        status,
        detail: `Too many failed authentications from this address; retry after ${seconds} seconds.`,
        instance,
        code: 'rate_limited',
        ...(requestId && { request_id: requestId }),
      }),
    );
}
