/** Release sets: what every executor does when part of a set has no previous version to revert to. */

import { ExecutorError, type InstructionComponent } from '../../executor';

/**
 * The components of a set without a previous version: `invalid_config` when none has one, else the caller reverts
 * the others and throws {@link partialRevertError} after.
 */
export function withoutPrevious(executor: string, components: readonly InstructionComponent[]): string[] {
  const missing = components.filter((c) => !c.previousVersion).map((c) => c.component);
  if (missing.length === components.length) {
    throw new ExecutorError({
      executor,
      code: 'invalid_config',
      message:
        components.length === 1
          ? 'no previous version to revert to'
          : `no previous version to revert ${missing.join(', ')} to`,
    });
  }
  return missing;
}

/** The error after reverting only part of a set: the rest had no previous version. */
export function partialRevertError(
  executor: string,
  missing: readonly string[],
  reverted: readonly string[],
) {
  return new ExecutorError({
    executor,
    code: 'invalid_config',
    message: `no previous version to revert ${missing.join(', ')} to (reverted ${reverted.join(', ')})`,
  });
}
