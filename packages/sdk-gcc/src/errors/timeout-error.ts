import { describeRequest, GccError } from './gcc-error';

/** The GCC did not answer within the client's timeout. */
export class GccTimeoutError extends GccError {
  /** The timeout that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(init: { method: string; url: string; timeoutMs: number; cause?: unknown }) {
    super(`Request timed out after ${init.timeoutMs} ms: ${describeRequest(init.method, init.url)}`, init);
    this.name = 'GccTimeoutError';
    this.timeoutMs = init.timeoutMs;
  }
}

/** True when `value` is a {@link GccTimeoutError}. */
export function isGccTimeoutError(value: unknown): value is GccTimeoutError {
  return value instanceof GccTimeoutError || (value instanceof Error && value.name === 'GccTimeoutError');
}
