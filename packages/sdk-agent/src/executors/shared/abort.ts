import { setTimeout as delay } from 'node:timers/promises';
import { ExecutorError } from '../../executor';

/** Throws a retryable `timeout` error when `signal` is aborted (step timeout or agent stopping). */
export function throwIfAborted(executor: string, signal: AbortSignal): void {
  if (signal.aborted) {
    throw new ExecutorError({
      executor,
      code: 'timeout',
      message: `aborted: ${reasonText(signal.reason)}`,
      retryable: true,
      cause: signal.reason,
    });
  }
}

/** Waits `ms`, ending early with a `timeout` error when `signal` aborts. */
export async function sleep(executor: string, ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throwIfAborted(executor, signal);
  }
}

/** A signal aborted by `parent` or after `ms`, whichever comes first. */
export function withDeadline(parent: AbortSignal, ms: number): AbortSignal {
  return AbortSignal.any([parent, AbortSignal.timeout(ms)]);
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'signal aborted' : String(reason);
}
