/** One stage of a strategy; a stage with neither `count` nor `percent` takes the rest and must be last. */
export interface StageSpec {
  /** `canary` stages come first and use the canary failure threshold. */
  kind: 'canary' | 'batch';
  /** Exact number of clients. */
  count?: number;
  /** Share of the fleet, in (0, 100]; rounded, at least one client while clients remain. */
  percent?: number;
  /** Soak time after the stage finished before the next one starts. @default 0 */
  waitSeconds?: number;
}

/** When a stage counts as failed. */
export interface FailureThreshold {
  /** Most failures tolerated in the stage (a count). */
  maxFailures?: number;
  /** Largest failed/finished ratio tolerated, judged once `minFinished` tasks finished. @default 0.1 */
  maxFailureRatio?: number;
  /** Finished tasks needed before the ratio is judged. @default 5 */
  minFinished?: number;
}

/** How a rollback deployment runs. */
export interface RollbackStrategy {
  /** Which clients are rolled back. @default 'failed_stage' */
  scope: 'failed_stage' | 'deployment';
  /** Clients per rollback wave; unset means one wave. */
  batchSize?: number;
  /** Wait between rollback waves. @default 0 */
  waitSeconds?: number;
  /** Ask an admin before the rollback runs. @default false */
  requireApproval?: boolean;
}

/** A rollout strategy as a user writes it; every field has a default. */
export interface Strategy {
  /** Stages in order. @default defaultStrategy.stages (4%, 10%, 20%, 30%, rest) */
  stages?: StageSpec[];
  /** Largest stage; bigger stages are split into consecutive stages of this size. @default unlimited */
  maxBatchSize?: number;
  /** Clients matching this label selector are placed first. @default 'canary=true' */
  canaryLabel?: string;
  /**
   * Most tasks of one shared Argo CD instance queued or in progress at once (the rest of a stage is released as
   * slots free up), and most clients per batched job. Plain Kubernetes and Docker clients are not limited: each
   * updates its own cluster or host. @default 10
   */
  maxConcurrencyPerInstance?: number;
  /** Threshold of batch stages. @default { maxFailureRatio: 0.1, minFinished: 5 } */
  failureThreshold?: FailureThreshold;
  /** Threshold of canary stages. @default { maxFailures: 0 } */
  canaryFailureThreshold?: FailureThreshold;
  /** What crossing a threshold does. @default 'rollback' */
  onFailure?: 'pause' | 'rollback';
  /** Rollback settings. @default { scope: 'failed_stage', waitSeconds: 0, requireApproval: false } */
  rollback?: RollbackStrategy;
  /** A queued task nobody picked up for this long becomes overdue (not failed). @default 900 */
  pickupTimeoutSeconds?: number;
  /** Lease the GCC grants an in-progress task at pickup and each heartbeat; a lapsed lease times the task out. @default 900 */
  leaseSeconds?: number;
  /** Attempts per task, including the first. @default 2 */
  maxAttempts?: number;
  /**
   * Successes a canary stage needs before it can finish (capped at the tasks placed in it). Every other stage needs
   * one: a stage whose tasks all went overdue holds the rollout instead of succeeding with nothing validated. @default 1
   */
  canaryMinSuccesses?: number;
  /**
   * A planned stage starts once it can be filled to its planned size, or no approval is outstanding any more, or this
   * long after it could first have started with fewer clients; 0 starts it with whoever is approved. @default 3600
   */
  stageFillSeconds?: number;
  /**
   * A started stage that still holds (settled with too few successes) this long after it started pauses the
   * deployment with the reason; an admin's resume then accepts the stage as it is. @default 3600
   */
  stageHoldTimeoutSeconds?: number;
  /**
   * Approvals that arrive while a stage runs join it, up to its planned size, and are released at once (instead of
   * waiting for the next stage). With one stage of 100 % this releases every approval as it comes: the
   * {@link immediateStrategy}. @default false
   */
  joinRunningStage?: boolean;
}

/** A fully resolved failure threshold (`maxFailures` stays optional: no count limit). */
export interface ResolvedFailureThreshold {
  /** Most failures tolerated, or undefined for no count limit. */
  maxFailures?: number;
  /** Largest failed/finished ratio, or undefined for no ratio limit. */
  maxFailureRatio?: number;
  /** Finished tasks needed before the ratio is judged. */
  minFinished: number;
}

/** A strategy with every default filled in. */
export interface ResolvedStrategy {
  /** Stages in order. */
  stages: StageSpec[];
  /** Largest stage, or undefined for unlimited. */
  maxBatchSize?: number;
  /** Canary label selector. */
  canaryLabel: string;
  /** Most clients in one job per instance. */
  maxConcurrencyPerInstance: number;
  /** Threshold of batch stages. */
  failureThreshold: ResolvedFailureThreshold;
  /** Threshold of canary stages. */
  canaryFailureThreshold: ResolvedFailureThreshold;
  /** What crossing a threshold does. */
  onFailure: 'pause' | 'rollback';
  /** Rollback settings. */
  rollback: Required<Omit<RollbackStrategy, 'batchSize'>> & { batchSize?: number };
  /** Pickup timeout in seconds. */
  pickupTimeoutSeconds: number;
  /** Lease length in seconds. */
  leaseSeconds: number;
  /** Attempts per task. */
  maxAttempts: number;
  /** Successes a canary stage needs (capped at its placed tasks). */
  canaryMinSuccesses: number;
  /** Longest wait, in seconds, for a planned stage to fill to its planned size. */
  stageFillSeconds: number;
  /** Seconds after its start at which a holding stage pauses the deployment. */
  stageHoldTimeoutSeconds: number;
  /** Whether approvals that arrive while a stage runs join it (up to its planned size). */
  joinRunningStage: boolean;
}

/** The default strategy: the customer's flow (canary 4% wait 10 min, 10% wait 10, 20% wait 5, 30% wait 5, rest). */
export const defaultStrategy: Readonly<ResolvedStrategy> = Object.freeze<ResolvedStrategy>({
  stages: [
    { kind: 'canary', percent: 4, waitSeconds: 600 },
    { kind: 'batch', percent: 10, waitSeconds: 600 },
    { kind: 'batch', percent: 20, waitSeconds: 300 },
    { kind: 'batch', percent: 30, waitSeconds: 300 },
    { kind: 'batch' },
  ],
  canaryLabel: 'canary=true',
  maxConcurrencyPerInstance: 10,
  failureThreshold: { maxFailureRatio: 0.1, minFinished: 5 },
  canaryFailureThreshold: { maxFailures: 0, minFinished: 5 },
  onFailure: 'rollback',
  rollback: { scope: 'failed_stage', waitSeconds: 0, requireApproval: false },
  pickupTimeoutSeconds: 900,
  leaseSeconds: 900,
  maxAttempts: 2,
  canaryMinSuccesses: 1,
  stageFillSeconds: 3600,
  stageHoldTimeoutSeconds: 3600,
  joinRunningStage: false,
});

/**
 * No stages to speak of: every approved client is updated as soon as its approval, start time and maintenance
 * window allow. One batch stage of every client that approvals join while it runs (`joinRunningStage`), started
 * with whoever is approved (`stageFillSeconds: 0`), one attempt per task, and the first failure pauses the
 * deployment for an admin (tasks already running finish; nothing new is released). What the GCC's
 * `orchestration: 'immediate'` gives deployments that name no strategy; run by the same worker as any other.
 */
export const immediateStrategy: Readonly<Strategy> = Object.freeze<Strategy>({
  stages: [{ kind: 'batch', percent: 100, waitSeconds: 0 }],
  failureThreshold: { maxFailures: 0, minFinished: 1 },
  onFailure: 'pause',
  maxAttempts: 1,
  stageFillSeconds: 0,
  joinRunningStage: true,
});

function resolveThreshold(
  given: FailureThreshold | undefined,
  fallback: ResolvedFailureThreshold,
): ResolvedFailureThreshold {
  if (given === undefined) return { ...fallback };
  const out: ResolvedFailureThreshold = { minFinished: given.minFinished ?? fallback.minFinished };
  if (given.maxFailures !== undefined) out.maxFailures = given.maxFailures;
  if (given.maxFailureRatio !== undefined) out.maxFailureRatio = given.maxFailureRatio;
  // A threshold given with neither limit keeps the default ratio, so a stage can always fail.
  if (out.maxFailures === undefined && out.maxFailureRatio === undefined) {
    out.maxFailureRatio = defaultStrategy.failureThreshold.maxFailureRatio;
  }
  return out;
}

/** Fills every default into a partial strategy; does not validate (see `validateStrategy`). */
export function resolveStrategy(partial: Strategy = {}): ResolvedStrategy {
  const d = defaultStrategy;
  const out: ResolvedStrategy = {
    stages: (partial.stages ?? d.stages).map((s) => ({ ...s })),
    canaryLabel: partial.canaryLabel ?? d.canaryLabel,
    maxConcurrencyPerInstance: partial.maxConcurrencyPerInstance ?? d.maxConcurrencyPerInstance,
    failureThreshold: resolveThreshold(partial.failureThreshold, d.failureThreshold),
    canaryFailureThreshold: resolveThreshold(partial.canaryFailureThreshold, d.canaryFailureThreshold),
    onFailure: partial.onFailure ?? d.onFailure,
    rollback: {
      scope: partial.rollback?.scope ?? d.rollback.scope,
      waitSeconds: partial.rollback?.waitSeconds ?? d.rollback.waitSeconds,
      requireApproval: partial.rollback?.requireApproval ?? d.rollback.requireApproval,
    },
    pickupTimeoutSeconds: partial.pickupTimeoutSeconds ?? d.pickupTimeoutSeconds,
    leaseSeconds: partial.leaseSeconds ?? d.leaseSeconds,
    maxAttempts: partial.maxAttempts ?? d.maxAttempts,
    canaryMinSuccesses: partial.canaryMinSuccesses ?? d.canaryMinSuccesses,
    stageFillSeconds: partial.stageFillSeconds ?? d.stageFillSeconds,
    stageHoldTimeoutSeconds: partial.stageHoldTimeoutSeconds ?? d.stageHoldTimeoutSeconds,
    joinRunningStage: partial.joinRunningStage ?? d.joinRunningStage,
  };
  if (partial.maxBatchSize !== undefined) out.maxBatchSize = partial.maxBatchSize;
  if (partial.rollback?.batchSize !== undefined) out.rollback.batchSize = partial.rollback.batchSize;
  return out;
}
