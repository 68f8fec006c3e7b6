import type { Batch } from '../plan/group-batches';
import type { ApprovalSource } from '../statuses';

/** Start the deployment (created -> running); not before its requested start time. */
export interface StartAction {
  /** Discriminant. */
  type: 'start';
}
/** Leases lapsed: in_progress -> timed_out (`lease_expired`). */
export interface MarkTimedOutAction {
  /** Discriminant. */
  type: 'mark_timed_out';
  /** Tasks to mark. */
  taskIds: string[];
}
/** Nobody picked the task up in time: queued -> overdue (`pickup_timeout`); not a failure. */
export interface MarkOverdueAction {
  /** Discriminant. */
  type: 'mark_overdue';
  /** Tasks to mark. */
  taskIds: string[];
}
/** Approve without a human; record `source` and `policyId`. */
export interface AutoApproveAction {
  /** Discriminant. */
  type: 'auto_approve';
  /** Tasks to approve. */
  taskIds: string[];
  /** Approval source to record. */
  source: ApprovalSource;
  /** Policy that approved (`client` for the client's own setting), or null. */
  policyId: string | null;
}
/** The approval deadline passed: pending -> expired. */
export interface ExpireAction {
  /** Discriminant. */
  type: 'expire';
  /** Tasks to expire. */
  taskIds: string[];
}
/** Try again: failed|timed_out -> queued. */
export interface RetryAction {
  /** Discriminant. */
  type: 'retry';
  /** Tasks to retry. */
  taskIds: string[];
}
/** Cancel tasks that have not started (after a rollback was triggered). */
export interface CancelAction {
  /** Discriminant. */
  type: 'cancel';
  /** Tasks to cancel. */
  taskIds: string[];
  /** Why. */
  reason: string;
}
/** Record that every task of a stage settled, and when the next stage may start. */
export interface FinishStageAction {
  /** Discriminant. */
  type: 'finish_stage';
  /** Stage index. */
  stage: number;
  /** When the next stage may start. */
  waitUntil: number;
}
/**
 * The current stage settled with fewer successes than it needs (see `requiredSuccesses`): it holds, nothing further
 * is released. Record the reason shown to the operator; `null` when the stage no longer holds (an overdue client
 * came back). Emitted only when the recorded reason changes.
 */
export interface HoldStageAction {
  /** Discriminant. */
  type: 'hold_stage';
  /** Stage index. */
  stage: number;
  /** Readable reason, or null to clear it. */
  reason: string | null;
}
/** Start stage `stage`: record it and place these tasks in it (follow with `enqueue`). */
export interface StartStageAction {
  /** Discriminant. */
  type: 'start_stage';
  /** Stage index. */
  stage: number;
  /** Stage kind; `trailing` for late approvals after the last planned stage. */
  kind: 'canary' | 'batch' | 'trailing';
  /** Tasks placed in the stage. */
  taskIds: string[];
  /** Batched jobs per Argo CD instance / target kind (client ids). */
  batches: Batch[];
}
/**
 * Approvals that came while stage `stage` runs join it (a strategy with `joinRunningStage`): place these tasks in
 * it (follow with `enqueue`). Their batches add to the stage's.
 */
export interface JoinStageAction {
  /** Discriminant. */
  type: 'join_stage';
  /** Stage index. */
  stage: number;
  /** Tasks placed in the stage. */
  taskIds: string[];
  /** Batched jobs per Argo CD instance / target kind (client ids) of the joining tasks. */
  batches: Batch[];
}

/**
 * Queue tasks for their agents: approved -> queued. At most `maxConcurrencyPerInstance` tasks per shared Argo CD
 * instance are queued or in progress at once; the rest of a stage follows as slots free up.
 */
export interface EnqueueAction {
  /** Discriminant. */
  type: 'enqueue';
  /** Tasks to queue. */
  taskIds: string[];
  /**
   * `stage`: the first tasks of the stage started in the same tick; `slot`: placed tasks released because a slot of
   * their instance freed up (or left placed by a worker that stopped between two writes).
   */
  release: 'stage' | 'slot';
}
/**
 * Pause the deployment (running -> paused): a stage crossed its threshold and the strategy says pause, or a stage
 * still held when its hold timeout came.
 */
export interface PauseAction {
  /** Discriminant. */
  type: 'pause';
  /** `threshold`: the stage failed; `hold`: it holds (too few successes), it did not fail. */
  cause: 'threshold' | 'hold';
  /** Stage that crossed its threshold or holds. */
  stage: number;
  /** Readable reason. */
  reason: string;
}
/** A stage crossed its threshold: start a rollback deployment for these clients (running -> rolling_back). */
export interface TriggerRollbackAction {
  /** Discriminant. */
  type: 'trigger_rollback';
  /** Scope the clients were chosen by. */
  scope: 'failed_stage' | 'deployment';
  /** Stage that crossed its threshold. */
  stage: number;
  /** Clients to roll back (succeeded, failed, timed out or still in progress). */
  clientIds: string[];
  /** Clients per rollback wave (from `strategy.rollback.batchSize`); null means one wave. */
  batchSize: number | null;
  /** Wait between rollback waves, in seconds. */
  waitSeconds: number;
  /** Whether an admin must approve the rollback before it runs. */
  requireApproval: boolean;
  /** Readable reason. */
  reason: string;
}
/** Every task settled: running -> completed. */
export interface CompleteAction {
  /** Discriminant. */
  type: 'complete';
}
/** The deployment cannot go on: running -> failed. */
export interface FailAction {
  /** Discriminant. */
  type: 'fail';
  /** Readable reason. */
  reason: string;
}
/** Nothing more to do before `at` (epoch ms) unless an event arrives; always the last action. */
export interface WaitUntilAction {
  /** Discriminant. */
  type: 'wait_until';
  /** Next instant a time rule changes something. */
  at: number;
}

/** One action for the worker; apply them in order, then write once. */
export type DecideAction =
  | StartAction
  | MarkTimedOutAction
  | MarkOverdueAction
  | AutoApproveAction
  | ExpireAction
  | RetryAction
  | CancelAction
  | FinishStageAction
  | HoldStageAction
  | StartStageAction
  | JoinStageAction
  | EnqueueAction
  | PauseAction
  | TriggerRollbackAction
  | CompleteAction
  | FailAction
  | WaitUntilAction;
