import { type ResolvedFailureThreshold, resolveStrategy, type Strategy } from '@wrktalk/rollout-planner';
import type { Schemas } from '@wrktalk/sdk-gcc';
import { type FieldError, validationFailed } from '../errors/gcc-error';
import { parseSelectorOrThrow } from './support';

type WireStrategy = Schemas['Strategy'];
type WireThreshold = Schemas['FailureThreshold'];

const thresholdIn = (t: WireThreshold | undefined) =>
  t === undefined
    ? undefined
    : {
        ...(t.max_failures !== undefined && { maxFailures: t.max_failures }),
        ...(t.max_failure_ratio !== undefined && { maxFailureRatio: t.max_failure_ratio }),
        ...(t.min_finished !== undefined && { minFinished: t.min_finished }),
      };

const thresholdOut = (t: ResolvedFailureThreshold): WireThreshold => ({
  ...(t.maxFailures !== undefined && { max_failures: t.maxFailures }),
  ...(t.maxFailureRatio !== undefined && { max_failure_ratio: t.maxFailureRatio }),
  min_finished: t.minFinished,
});

/**
 * Checks the rules of a requested strategy the JSON schema cannot express (count XOR percent, only the last stage
 * may take the rest, a parseable canary label), each problem located under `/strategy`.
 */
export function checkStrategy(s: WireStrategy | undefined): void {
  if (!s) return;
  const errors: FieldError[] = [];
  const stages = s.stages ?? [];
  stages.forEach((stage, i) => {
    if (stage.count !== undefined && stage.percent !== undefined) {
      errors.push({ path: `/strategy/stages/${i}`, message: 'count and percent are mutually exclusive' });
    }
    if (stage.count === undefined && stage.percent === undefined && i !== stages.length - 1) {
      errors.push({
        path: `/strategy/stages/${i}`,
        message: 'only the last stage may omit count and percent',
      });
    }
  });
  if (errors.length) throw validationFailed(errors);
  if (s.canary_label !== undefined) parseSelectorOrThrow(s.canary_label, '/strategy/canary_label');
}

/** A stored (wire) strategy as the planner's `Strategy`. */
export function plannerStrategy(s: WireStrategy | undefined, defaults: { leaseSeconds: number }): Strategy {
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
    leaseSeconds: s?.lease_seconds ?? defaults.leaseSeconds,
    ...(s?.max_attempts !== undefined && { maxAttempts: s.max_attempts }),
  };
}

/** The effective strategy (every default filled in by the planner), in wire form. */
export function effectiveStrategy(
  s: WireStrategy | undefined,
  defaults: { leaseSeconds: number },
): Required<WireStrategy> {
  const input = plannerStrategy(s, defaults);
  const r = resolveStrategy(input);
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
  };
}
