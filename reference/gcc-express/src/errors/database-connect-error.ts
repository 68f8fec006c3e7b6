/**
 * The PostgreSQL in `DATABASE_URL` could not be reached or logged in to at start (refused, unknown host, bad
 * credentials, unknown database, a URL the driver cannot read). The message names the URL with its password
 * redacted and what to check; the driver's error is the `cause`. The CLI exits 1.
 */
export class DatabaseConnectError extends Error {
  override readonly name = 'DatabaseConnectError';
  constructor(
    /** The URL, password redacted. */
    readonly url: string,
    /** What went wrong, in words (e.g. `connection refused by 127.0.0.1:5433`). */
    readonly reason: string,
    /** What to check or do. */
    readonly check: string,
    /** Where the URL came from. @default 'DATABASE_URL' */
    readonly variable = 'DATABASE_URL',
    options?: { cause?: unknown },
  ) {
    super(`cannot connect to the PostgreSQL in ${variable} (${url}): ${reason}.\nCheck ${check}.`, options);
  }
}

/** Whether `error` is a {@link DatabaseConnectError} (also across module copies: checks `name`). */
export function isDatabaseConnectError(error: unknown): error is DatabaseConnectError {
  return (
    error instanceof DatabaseConnectError ||
    (error as { name?: unknown } | null)?.name === 'DatabaseConnectError'
  );
}
