/**
 * Options given to a gcc-core factory (`createGcc`, `createWorker`, …) are not valid. `problems` has one line per
 * problem, each starting with its path (`leaseSeconds: must be …`), all of them at once, like a compiler. A
 * `RangeError`, as the first-problem errors it replaces were.
 */
export class GccOptionsError extends RangeError {
  override readonly name: string = 'GccOptionsError';

  constructor(
    readonly problems: readonly string[],
    /** What was given, in words, for the message. @default 'GCC options' */
    subject = 'GCC options',
  ) {
    super(`Invalid ${subject}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Names of `GccOptionsError` and its subclasses, for the guard across package copies. */
const OPTIONS_ERROR_NAMES = new Set(['GccOptionsError', 'ArgoCdFastPathConfigError']);

/** True for a {@link GccOptionsError} or a subclass (also across package copies: checks `name` and `problems`). */
export function isGccOptionsError(value: unknown): value is GccOptionsError {
  return (
    value instanceof GccOptionsError ||
    (value instanceof Error &&
      OPTIONS_ERROR_NAMES.has(value.name) &&
      Array.isArray((value as { problems?: unknown }).problems))
  );
}

/** Collects the problems of one options object, so that all of them are reported together. */
export class OptionProblems {
  /** Problems in the order found, `path: message`. */
  readonly list: string[] = [];

  /** Records one problem at `path`. */
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }

  /**
   * An integer option within [min, max]: the value, or `fallback` when it is undefined. A bad value is recorded
   * and `fallback` returned, so checking goes on.
   */
  integer(
    path: string,
    value: unknown,
    fallback: number,
    min: number,
    max = Number.MAX_SAFE_INTEGER,
  ): number {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      this.add(path, `must be an integer ${range}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value as number;
  }

  /** Runs a nested options compiler and takes over its problems (already carrying their paths); undefined on problems. */
  nested<T>(compile: () => T): T | undefined {
    try {
      return compile();
    } catch (error) {
      if (!isGccOptionsError(error)) throw error;
      this.list.push(...error.problems);
      return undefined;
    }
  }
}
