import { GccOptionsError, isGccOptionsError } from '../errors/options-error';

/**
 * The Argo CD fast path options are not valid; `problems` has one line per problem, each with its path. A
 * {@link GccOptionsError}, the error model of every gcc-core option.
 */
export class ArgoCdFastPathConfigError extends GccOptionsError {
  override readonly name: string = 'ArgoCdFastPathConfigError';

  constructor(problems: readonly string[]) {
    super(problems, 'Argo CD fast path options');
  }
}

/** True for an {@link ArgoCdFastPathConfigError} (also across package copies: checks `name`). */
export function isArgoCdFastPathConfigError(value: unknown): value is ArgoCdFastPathConfigError {
  return (
    value instanceof ArgoCdFastPathConfigError ||
    (isGccOptionsError(value) && value.name === 'ArgoCdFastPathConfigError')
  );
}
