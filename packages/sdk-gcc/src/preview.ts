import { resolveStrategy, stageSizes } from '@wrktalk/rollout-planner';
import type { Schemas } from './schemas';
import { type StrategyDefaults, strategyFromWire } from './strategy';

/**
 * The stages the planner plans for `matched` clients under a deployment's effective strategy, as
 * `previewDeployment` shows them: the planner's own `stageSizes` (what the worker places tasks by), so a preview
 * cannot disagree with the rollout.
 */
export function plannedStages(
  strategy: Schemas['Strategy'],
  matched: number,
  defaults: StrategyDefaults = {},
): Schemas['PlannedStage'][] {
  return stageSizes(matched, resolveStrategy(strategyFromWire(strategy, defaults))).map((s) => ({
    index: s.index,
    kind: s.kind,
    size: s.size,
    wait_seconds: s.waitSeconds,
  }));
}

/** An auto-approve policy as a deployment keeps it, from its stored form. */
export function policyRuleOf(
  p: Pick<Schemas['AutoApprovePolicy'], 'id' | 'components' | 'label_selector'>,
): Schemas['AutoApprovePolicyRule'] {
  return { id: p.id, components: p.components, label_selector: p.label_selector };
}

/** The planner's form of a deployment's auto-approve policies (`ApprovalPolicy.autoApprovePolicies`). */
export function plannerPoliciesOf(
  rules: readonly Schemas['AutoApprovePolicyRule'][] | undefined,
): { id: string; components?: string[]; labelSelector?: string }[] {
  return (rules ?? []).map((r) => ({
    id: r.id,
    ...(r.components !== null && { components: r.components }),
    ...(r.label_selector !== null && { labelSelector: r.label_selector }),
  }));
}
