/** Base class of every error thrown by `@wrktalk/sdk-gcc`. */
export class GccError extends Error {
  /** HTTP method of the request that failed. */
  readonly method: string;
  /** Full URL of the request that failed. */
  readonly url: string;

  constructor(message: string, init: { method: string; url: string; cause?: unknown }) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'GccError';
    this.method = init.method;
    this.url = init.url;
  }
}

/** Describes a request as `METHOD /path` for error messages. */
export function describeRequest(method: string, url: string): string {
  try {
    const u = new URL(url);
    return `${method} ${u.pathname}${u.search}`;
  } catch {
    return `${method} ${url}`;
  }
}

/** True when `value` is an error of this SDK (checks `name` too, so it works across copies of the package). */
export function isGccError(value: unknown): value is GccError {
  return (
    value instanceof GccError ||
    (value instanceof Error &&
      ['GccError', 'GccHttpError', 'GccNetworkError', 'GccTimeoutError', 'GccResponseError'].includes(
        value.name,
      ))
  );
}
