/** Every status a deployment task can be in (wire strings, shared with the GCC contract). */
export const TASK_STATUSES = [
  'pending',
  'pending_approval',
  'approved',
  'queued',
  'in_progress',
  'success',
  'failed',
  'timed_out',
  'overdue',
  'rolled_back',
  'rejected',
  'expired',
  'cancelled',
] as const;

/** Status of one deployment task. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Every approval status a task can carry. */
export const APPROVAL_STATUSES = ['not_required', 'pending', 'approved', 'rejected', 'expired'] as const;

/** Approval status of one deployment task. */
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** Every recorded reason a task became approved. */
export const APPROVAL_SOURCES = ['client', 'auto_policy', 'deadline', 'admin_force', 'not_required'] as const;

/** Who or what approved a task: the client user, an auto-approve policy, the deadline, an admin, or nobody needed to. */
export type ApprovalSource = (typeof APPROVAL_SOURCES)[number];

/**
 * Each approval source by name, for code and SQL parameters that must not spell the wire strings again. A client's
 * own auto-approve preference is an `autoPolicy` approval (policy id {@link CLIENT_PREFERENCE_POLICY}) wherever it is
 * applied, at creation or later by the worker.
 */
export const APPROVAL_SOURCE = {
  client: 'client',
  autoPolicy: 'auto_policy',
  deadline: 'deadline',
  adminForce: 'admin_force',
  notRequired: 'not_required',
} as const satisfies Record<string, ApprovalSource>;

/** Policy id recorded when a client's own auto-approve preference approved a task (admin policies use their own id). */
export const CLIENT_PREFERENCE_POLICY = 'client_preference';

/** Approval sources where nobody was asked: a policy or the deployment's "approval not required" decided at once. */
export const UNASKED_APPROVAL_SOURCES = [
  APPROVAL_SOURCE.autoPolicy,
  APPROVAL_SOURCE.notRequired,
] as const satisfies readonly ApprovalSource[];

/** Every status a deployment can be in. */
export const DEPLOYMENT_STATUSES = [
  'created',
  'running',
  'paused',
  'completed',
  'failed',
  'aborted',
  'rolling_back',
  'rolled_back',
] as const;

/** Status of one deployment. */
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** Kind of target a client runs on. */
export const TARGET_KINDS = ['argocd', 'kubernetes', 'docker'] as const;

/** Kind of target a client runs on: an Argo CD application, plain Kubernetes, or a docker host. */
export type TargetKind = (typeof TARGET_KINDS)[number];

// ---- Named task-status sets: the one copy of these rules; gcc-core (services, worker, SQL) and the sdk-gcc fake
// import them instead of listing statuses again.

/** Task statuses that take a task out of the rollout for good: never counted in a stage, never blocking it. */
export const DROPPED_TASK_STATUSES = [
  'rejected',
  'expired',
  'cancelled',
] as const satisfies readonly TaskStatus[];

/** Task statuses that count as a failure of the update (retried while attempts are left). */
export const FAILED_TASK_STATUSES = ['failed', 'timed_out'] as const satisfies readonly TaskStatus[];

/**
 * Task statuses a task never leaves within its rollout (a later rollback may still move `success` to `rolled_back`):
 * the rollout no longer needs the task's client for approvals, eligibility or concurrency.
 */
export const SETTLED_TASK_STATUSES = [
  'success',
  'rolled_back',
  ...DROPPED_TASK_STATUSES,
] as const satisfies readonly TaskStatus[];

/**
 * Task statuses after which nothing more happens to a task unless it is retried: settled, or failed for now.
 * A deployment whose tasks are all finished is done (completed, or failed when one of them failed).
 */
export const FINISHED_TASK_STATUSES = [
  ...SETTLED_TASK_STATUSES,
  ...FAILED_TASK_STATUSES,
] as const satisfies readonly TaskStatus[];

/** Task statuses that wait for an approval: not yet visible to the client's CT, or visible and unanswered. */
export const AWAITING_APPROVAL_TASK_STATUSES = [
  'pending',
  'pending_approval',
] as const satisfies readonly TaskStatus[];

/** Task statuses an agent (or the GCC's fast path) may pick up: queued, or overdue and queued again on pickup. */
export const PICKUP_READY_TASK_STATUSES = ['queued', 'overdue'] as const satisfies readonly TaskStatus[];

/** Task statuses that mean the deployment touched the client, so a rollback covers it. */
export const ROLLBACK_COVERED_TASK_STATUSES = [
  'success',
  ...FAILED_TASK_STATUSES,
  'in_progress',
] as const satisfies readonly TaskStatus[];

/** Task statuses a rollback trigger or an abort cancels: not yet started on the client. */
export const CANCELLABLE_TASK_STATUSES = [
  'pending',
  'pending_approval',
  'approved',
  'queued',
  'overdue',
] as const satisfies readonly TaskStatus[];

/** True when `status` is one of `set` (typed for the `as const` sets above). */
export function isTaskStatusIn(set: readonly TaskStatus[], status: TaskStatus): boolean {
  return set.includes(status);
}
