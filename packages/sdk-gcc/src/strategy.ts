import {
  type FailureThreshold,
  type ApprovalPolicy as PlannerApprovalPolicy,
  type ResolvedFailureThreshold,
  type ResolvedStrategy,
  resolveStrategy,
  type Strategy,
  validatePolicy,
} from '@wrktalk/rollout-planner';
import type { FieldError } from './params';
import type { Schemas } from './schemas';

/** A strategy as the contract spells it (snake_case, every field optional in a request). */
export type WireStrategy = Schemas['Strategy'];
/** The effective strategy of a deployment: every field filled in. */
export type EffectiveStrategy = Required<WireStrategy>;
type WireThreshold = Schemas['FailureThreshold'];
type WireApproval = Schemas['ApprovalPolicy'];

/** Defaults the GCC supplies itself rather than the planner (its `leaseSeconds` option). */
export interface StrategyDefaults {
  /** Lease when the strategy gives none. @default the planner's default (900) */
  leaseSeconds?: number;
  /**
   * The strategy a request's fields are laid over (each field the request gives replaces the base's), e.g. the
   * planner's `immediateStrategy` for a GCC in `immediate` mode. @default the planner's `defaultStrategy`
   */
  base?: Strategy;
}

const thresholdIn = (t: WireThreshold): FailureThreshold => ({
  ...(t.max_failures !== undefined && { maxFailures: t.max_failures }),
  ...(t.max_failure_ratio !== undefined && { maxFailureRatio: t.max_failure_ratio }),
  ...(t.min_finished !== undefined && { minFinished: t.min_finished }),
});

const thresholdOut = (t: ResolvedFailureThreshold): WireThreshold => ({
  ...(t.maxFailures !== undefined && { max_failures: t.maxFailures }),
  ...(t.maxFailureRatio !== undefined && { max_failure_ratio: t.maxFailureRatio }),
  min_finished: t.minFinished,
});

/**
 * The planner's `Strategy` of a wire strategy (a request's or a stored one). Values are carried over as given,
 * wrong ones included, so `validateDeploymentPolicy` reports them where the client wrote them.
 */
export function strategyFromWire(s: WireStrategy | undefined, defaults: StrategyDefaults = {}): Strategy {
  return {
    ...(s?.stages && {
      stages: s.stages.map((st) => ({
        kind: st.kind,
        ...(st.count !== undefined && { count: st.count }),
        ...(st.percent !== undefined && { percent: st.percent }),
        waitSeconds: st.wait_seconds ?? 0,
      })),
    }),
    ...(s?.max_batch_size != null && { maxBatchSize: s.max_batch_size }),
    ...(s?.canary_label !== undefined && { canaryLabel: s.canary_label }),
    ...(s?.max_concurrency_per_instance !== undefined && {
      maxConcurrencyPerInstance: s.max_concurrency_per_instance,
    }),
    ...(s?.failure_threshold && { failureThreshold: thresholdIn(s.failure_threshold) }),
    ...(s?.canary_failure_threshold && { canaryFailureThreshold: thresholdIn(s.canary_failure_threshold) }),
    ...(s?.on_failure !== undefined && { onFailure: s.on_failure }),
    ...(s?.rollback && {
      rollback: {
        scope: s.rollback.scope ?? 'failed_stage',
        ...(s.rollback.batch_size != null && { batchSize: s.rollback.batch_size }),
        ...(s.rollback.wait_seconds !== undefined && { waitSeconds: s.rollback.wait_seconds }),
        ...(s.rollback.require_approval !== undefined && { requireApproval: s.rollback.require_approval }),
      },
    }),
    ...(s?.pickup_timeout_seconds !== undefined && { pickupTimeoutSeconds: s.pickup_timeout_seconds }),
    ...((s?.lease_seconds ?? defaults.leaseSeconds) !== undefined && {
      leaseSeconds: s?.lease_seconds ?? defaults.leaseSeconds,
    }),
    ...(s?.max_attempts !== undefined && { maxAttempts: s.max_attempts }),
    ...(s?.canary_min_successes !== undefined && { canaryMinSuccesses: s.canary_min_successes }),
    ...(s?.stage_fill_seconds !== undefined && { stageFillSeconds: s.stage_fill_seconds }),
    ...(s?.stage_hold_timeout_seconds !== undefined && {
      stageHoldTimeoutSeconds: s.stage_hold_timeout_seconds,
    }),
    ...(s?.join_running_stage !== undefined && { joinRunningStage: s.join_running_stage }),
  };
}

/** The wire form of a resolved strategy, every field present (what a `Deployment` carries). */
export function strategyToWire(r: ResolvedStrategy): EffectiveStrategy {
  return {
    stages: r.stages.map((st) => ({
      kind: st.kind,
      ...(st.count !== undefined && { count: st.count }),
      ...(st.percent !== undefined && { percent: st.percent }),
      wait_seconds: st.waitSeconds ?? 0,
    })),
    max_batch_size: r.maxBatchSize ?? null,
    canary_label: r.canaryLabel,
    max_concurrency_per_instance: r.maxConcurrencyPerInstance,
    failure_threshold: thresholdOut(r.failureThreshold),
    canary_failure_threshold: thresholdOut(r.canaryFailureThreshold),
    on_failure: r.onFailure,
    rollback: {
      scope: r.rollback.scope,
      batch_size: r.rollback.batchSize ?? null,
      wait_seconds: r.rollback.waitSeconds,
      require_approval: r.rollback.requireApproval,
    },
    pickup_timeout_seconds: r.pickupTimeoutSeconds,
    lease_seconds: r.leaseSeconds,
    max_attempts: r.maxAttempts,
    canary_min_successes: r.canaryMinSuccesses,
    stage_fill_seconds: r.stageFillSeconds,
    stage_hold_timeout_seconds: r.stageHoldTimeoutSeconds,
    join_running_stage: r.joinRunningStage,
  };
}

/** The effective strategy of a wire strategy: every default filled in by the planner, in wire form. */
export function effectiveStrategy(
  s: WireStrategy | undefined,
  defaults: StrategyDefaults = {},
): EffectiveStrategy {
  const given = strategyFromWire(s, defaults);
  return strategyToWire(
    resolveStrategy(defaults.base === undefined ? given : { ...defaults.base, ...given }),
  );
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
      i === 1 && segments[0] === 'approval' && APPROVAL_RENAMED[seg] !== undefined
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
