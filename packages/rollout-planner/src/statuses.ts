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
