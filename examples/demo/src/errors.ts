/** A demo option that cannot be used (bad number, unknown scenario); the message names the option. */
export class DemoOptionsError extends Error {
  override readonly name = 'DemoOptionsError';
  constructor(
    /** The option, as spelled on the command line (e.g. `--clients`). */
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}

/** Whether `error` is a {@link DemoOptionsError} (also across module copies: checks `name`). */
export function isDemoOptionsError(error: unknown): error is DemoOptionsError {
  return (
    error instanceof DemoOptionsError || (error as { name?: unknown } | null)?.name === 'DemoOptionsError'
  );
}

/** The rollout did not reach an end the demo can summarise in time (a stuck stage, a paused deployment). */
export class DemoTimeoutError extends Error {
  override readonly name = 'DemoTimeoutError';
  constructor(
    /** What the demo was waiting for. */
    readonly waitingFor: string,
    /** How long it waited, in ms. */
    readonly waitedMs: number,
  ) {
    super(`Timed out after ${Math.round(waitedMs / 1000)} s waiting for ${waitingFor}`);
  }
}

/** Whether `error` is a {@link DemoTimeoutError}. */
export function isDemoTimeoutError(error: unknown): error is DemoTimeoutError {
  return (
    error instanceof DemoTimeoutError || (error as { name?: unknown } | null)?.name === 'DemoTimeoutError'
  );
}
