import { describeRequest, GccError } from './gcc-error';

/** The GCC could not be reached (DNS, refused connection, reset, TLS) after all allowed retries. */
export class GccNetworkError extends GccError {
  constructor(init: { method: string; url: string; cause: unknown }) {
    const reason = init.cause instanceof Error ? (init.cause.cause ?? init.cause) : init.cause;
    const text = reason instanceof Error ? reason.message : String(reason);
    super(`Network error: ${describeRequest(init.method, init.url)} — ${text}`, init);
    this.name = 'GccNetworkError';
  }
}

/** True when `value` is a {@link GccNetworkError}. */
export function isGccNetworkError(value: unknown): value is GccNetworkError {
  return value instanceof GccNetworkError || (value instanceof Error && value.name === 'GccNetworkError');
}
