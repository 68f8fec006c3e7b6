import {
  effectiveWireStrategy,
  type ApprovalPolicy as PlannerApprovalPolicy,
  strategyFromWire as plannerStrategyFromWire,
  strategyToWire as plannerStrategyToWire,
  type ResolvedStrategy,
  type Strategy,
  validatePolicy,
  type WireStrategyDefaults,
  wireStrategyPath,
} from '@wrktalk/rollout-planner';
import type { FieldError } from './params';
import type { Schemas } from './schemas';

// The wire <-> planner strategy mapping is the planner's (`@wrktalk/rollout-planner`, `strategy/wire.ts`), so the
// GCC, this SDK and the planner's CLI read a strategy one way. Here it is typed with the contract's generated types;
// test/strategy.test-d.ts checks the planner's wire types against them.

/** A strategy as the contract spells it (snake_case, every field optional in a request). */
export type WireStrategy = Schemas['Strategy'];
/** The effective strategy of a deployment: every field filled in. */
export type EffectiveStrategy = Required<WireStrategy>;
type WireApproval = Schemas['ApprovalPolicy'];

/** Defaults the GCC supplies itself rather than the planner (its `leaseSeconds` option, a base strategy). */
export type StrategyDefaults = WireStrategyDefaults;

/**
 * The planner's `Strategy` of a wire strategy (a request's or a stored one). Values are carried over as given,
 * wrong ones included, so `validateDeploymentPolicy` reports them where the client wrote them.
 */
export function strategyFromWire(s: WireStrategy | undefined, defaults: StrategyDefaults = {}): Strategy {
  return plannerStrategyFromWire(s, defaults);
}

/** The wire form of a resolved strategy, every field present (what a `Deployment` carries). */
export function strategyToWire(r: ResolvedStrategy): EffectiveStrategy {
  return plannerStrategyToWire(r);
}

/** The effective strategy of a wire strategy: every default filled in by the planner, in wire form. */
export function effectiveStrategy(
  s: WireStrategy | undefined,
  defaults: StrategyDefaults = {},
): EffectiveStrategy {
  return effectiveWireStrategy(s, defaults);
}

/** The planner's approval policy of a wire one (the deadline as epoch ms; an unparseable one as NaN). */
export function approvalFromWire(a: WireApproval | undefined): PlannerApprovalPolicy {
  return {
    ...(a?.required !== undefined && { requireApproval: a.required }),
    ...(a?.deadline !== undefined && {
      approvalDeadline: a.deadline === null ? null : Date.parse(a.deadline),
    }),
    ...(a?.on_deadline !== undefined && { onDeadline: a.on_deadline }),
  };
}

/** Planner fields of the approval policy whose wire name is not their snake_case form. */
const APPROVAL_RENAMED: Record<string, string> = {
  requireApproval: 'required',
  approvalDeadline: 'deadline',
};

/** A planner problem path (`strategy.stages[1].percent`) as a JSON pointer into the request (`/strategy/stages/1/percent`). */
export function pointerOf(plannerPath: string): string {
  if (plannerPath === '') return '';
  const segments = plannerPath.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== '');
  return segments
    .map((seg, i) =>
      segments[0] === 'strategy'
        ? wireStrategyPath(seg)
        : i === 1 && segments[0] === 'approval' && APPROVAL_RENAMED[seg] !== undefined
          ? APPROVAL_RENAMED[seg]
          : seg.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
    )
    .map((seg) => `/${seg.replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('');
}

/** Why a deployment request's strategy or approval policy cannot be accepted: the problem+json to answer. */
export interface DeploymentPolicyProblems {
  /** `invalid_selector` when every problem is the canary label's syntax, else `validation_failed`. */
  code: 'validation_failed' | 'invalid_selector';
  /** One readable line. */
  detail: string;
  /** Every problem, each located by a JSON pointer into the request. */
  errors: FieldError[];
}

/**
 * Runs the planner's `validatePolicy` on a deployment request's strategy and approval policy and returns every
 * problem located in the request (`/strategy/stages/1/percent`, `/strategy/lease_seconds`, …), or null when the
 * deployment can be planned. The GCC and the sdk-gcc fake both answer with this, so they agree on every input.
 */
export function validateDeploymentPolicy(input: {
  strategy?: WireStrategy | undefined;
  approval?: WireApproval | undefined;
}): DeploymentPolicyProblems | null {
  const errors: FieldError[] = [];
  const approval = approvalFromWire(input.approval);
  if (typeof input.approval?.deadline === 'string' && Number.isNaN(approval.approvalDeadline)) {
    errors.push({ path: '/approval/deadline', message: 'must be an RFC 3339 date-time' });
    delete approval.approvalDeadline;
  }
  // The component comes from the release and is checked with it; the planner's check of it is not this request's.
  const problems = validatePolicy({
    component: '-',
    ...(input.strategy !== undefined && { strategy: strategyFromWire(input.strategy) }),
    approval,
  });
  for (const p of problems) errors.push({ path: pointerOf(p.path), message: p.message });
  if (errors.length === 0) return null;
  const selectorOnly = errors.every((e) => e.path === '/strategy/canary_label');
  const first = errors[0]!;
  return {
    code: selectorOnly ? 'invalid_selector' : 'validation_failed',
    detail:
      errors.length === 1
        ? `${first.path}: ${first.message}`
        : `${errors.length} problems, the first: ${first.path}: ${first.message}`,
    errors,
  };
}
