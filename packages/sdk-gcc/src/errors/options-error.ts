/** `createGccClient` was given options that cannot work. Lists every problem, each with the option's path. */
export class GccOptionsError extends TypeError {
  /** Every problem found, as `path: message`. */
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    super(`Invalid GCC client options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'GccOptionsError';
    this.problems = problems;
  }
}

/** True when `value` is a {@link GccOptionsError}. */
export function isGccOptionsError(value: unknown): value is GccOptionsError {
  return value instanceof GccOptionsError || (value instanceof Error && value.name === 'GccOptionsError');
}
