import {
  type DeploymentCreate,
  type EffectiveStrategy,
  effectiveStrategy as effectiveWireStrategy,
  validateDeploymentPolicy,
  type WireStrategy,
} from '@wrktalk/sdk-gcc';
import { GccServiceError } from '../errors/gcc-service-error';

/**
 * Checks a deployment request's strategy and approval policy with the planner's `validatePolicy` (through the one
 * wire mapping in `@wrktalk/sdk-gcc`, which the sdk-gcc fake uses too) and throws `validation_failed` listing every
 * problem with its JSON pointer (`invalid_selector` when only the canary label does not parse).
 */
export function assertDeploymentPolicy(input: Pick<DeploymentCreate, 'strategy' | 'approval'>): void {
  const problems = validateDeploymentPolicy(input);
  if (problems) throw new GccServiceError(problems.code, problems.detail, problems.errors);
}

/**
 * The effective strategy of a rollback of a deployment whose (effective) strategy is `original`: one batch stage
 * after `waitSeconds`, at most `batchSize` clients per stage, pausing on failure (a failing rollback never rolls
 * itself back). It goes through the same planner validation as a requested strategy; a rollback of a deployment
 * stored before that validation existed, with values no tick could plan, is refused instead of created.
 */
export function rollbackStrategy(
  deploymentId: string,
  original: WireStrategy,
  rollback: { waitSeconds: number; batchSize: number | null },
  defaults: { leaseSeconds: number },
): EffectiveStrategy {
  const strategy: WireStrategy = {
    ...original,
    stages: [{ kind: 'batch', wait_seconds: rollback.waitSeconds }],
    max_batch_size: rollback.batchSize,
    on_failure: 'pause',
  };
  const problems = validateDeploymentPolicy({ strategy });
  if (problems) {
    throw new GccServiceError(
      'validation_failed',
      `The rollback of ${deploymentId} takes its strategy, which cannot be planned: ${problems.detail}`,
      problems.errors,
    );
  }
  return effectiveWireStrategy(strategy, defaults);
}
