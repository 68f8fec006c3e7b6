/**
 * The state file cannot be used where it is configured: the path is a directory (or another non-file), or it cannot
 * be read, or its directory cannot be written. Thrown by `start()` / `runOnce()` before the agent polls (a
 * configuration error: the agent could not checkpoint a task, so it must not take one). Once running, a state file
 * that becomes unusable does not stop the agent: it reports an `error` event (phase `state-file`) and keeps polling.
 */
export class StateFileError extends Error {
  /** The configured state file path. */
  readonly path: string;
  /** The system error code behind it, when there is one (`EISDIR`, `EACCES`, `EROFS`, …). */
  readonly code: string | undefined;

  constructor(path: string, message: string, options: { code?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StateFileError';
    this.path = path;
    this.code = options.code;
  }
}

/** True when `value` is a {@link StateFileError}. */
export function isStateFileError(value: unknown): value is StateFileError {
  return value instanceof StateFileError || (value instanceof Error && value.name === 'StateFileError');
}
