import { describeRequest, GccError } from './gcc-error';

/** One reason a response body did not match the contract. */
export interface ResponseIssue {
  /** Where in the body, as a JSON pointer (`/items/0/status`); empty for the whole body. */
  path: string;
  /** What is wrong there. */
  message: string;
}

/**
 * The GCC answered with a success status but the body breaks the contract: not JSON, truncated JSON,
 * or JSON that does not match the schema of `openapi/gcc.yaml`.
 */
export class GccResponseError extends GccError {
  /** HTTP status of the response. */
  readonly status: number;
  /** Every problem found in the body. */
  readonly issues: readonly ResponseIssue[];
  /** First 500 characters of the body, for logs. */
  readonly bodySnippet: string;

  constructor(init: {
    method: string;
    url: string;
    status: number;
    reason: string;
    issues?: ResponseIssue[];
    bodySnippet: string;
    cause?: unknown;
  }) {
    const first = init.issues?.[0];
    super(
      `Invalid response (${init.reason}) with status code ${init.status}: ${describeRequest(init.method, init.url)}` +
        (first ? ` — ${first.path || '/'}: ${first.message}` : ''),
      init,
    );
    this.name = 'GccResponseError';
    this.status = init.status;
    this.issues = init.issues ?? [];
    this.bodySnippet = init.bodySnippet;
  }
}

/** True when `value` is a {@link GccResponseError}. */
export function isGccResponseError(value: unknown): value is GccResponseError {
  return value instanceof GccResponseError || (value instanceof Error && value.name === 'GccResponseError');
}
