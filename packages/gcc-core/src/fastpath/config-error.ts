/** The Argo CD fast path options are not valid; `problems` has one line per problem, each with its path. */
export class ArgoCdFastPathConfigError extends Error {
  override readonly name = 'ArgoCdFastPathConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid Argo CD fast path options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** True for an {@link ArgoCdFastPathConfigError} (also across package copies: checks `name`). */
export function isArgoCdFastPathConfigError(value: unknown): value is ArgoCdFastPathConfigError {
  return (
    value instanceof ArgoCdFastPathConfigError ||
    (value instanceof Error && value.name === 'ArgoCdFastPathConfigError' && 'problems' in value)
  );
}
