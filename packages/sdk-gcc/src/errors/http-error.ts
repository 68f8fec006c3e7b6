import type { Problem } from '../schemas';
import { describeRequest, GccError } from './gcc-error';

/** The GCC answered with a 4xx or 5xx status. Carries the RFC 9457 problem details when the server sent them. */
export class GccHttpError extends GccError {
  /** HTTP status code. */
  readonly status: number;
  /** The problem+json body, or `undefined` when the answer was not problem+json (a proxy's HTML page, say). */
  readonly problem: Problem | undefined;
  /** Stable machine-readable code from the problem (`release_conflict`, `validation_failed`, …), if any. */
  readonly code: string | undefined;
  /** First 500 characters of a body that was not problem+json, for logs. */
  readonly bodySnippet: string | undefined;

  constructor(init: {
    method: string;
    url: string;
    status: number;
    problem?: Problem | undefined;
    bodySnippet?: string | undefined;
  }) {
    const { method, url, status, problem } = init;
    const code = problem?.code;
    const detail = problem?.detail ?? problem?.title;
    const message =
      `Request failed with status code ${status}${code ? ` (${code})` : ''}: ${describeRequest(method, url)}` +
      (detail ? ` — ${detail}` : '');
    super(message, { method, url });
    this.name = 'GccHttpError';
    this.status = status;
    this.problem = problem;
    this.code = code;
    this.bodySnippet = init.bodySnippet;
  }
}

/** True when `value` is a {@link GccHttpError}. */
export function isGccHttpError(value: unknown): value is GccHttpError {
  return value instanceof GccHttpError || (value instanceof Error && value.name === 'GccHttpError');
}
