import type { Client } from '../clients/client';
import type { ApprovalSource, ApprovalStatus, DeploymentStatus, TaskStatus } from '../statuses';

/** The persisted minimum of one deployment task; everything else is derived. Times are epoch ms. */
export interface TaskRow {
  /** Task id. */
  id: string;
  /** Client the task updates. */
  clientId: string;
  /** Task status. */
  status: TaskStatus;
  /** Approval status. */
  approvalStatus: ApprovalStatus;
  /** Who or what approved the task, once approved. */
  approvalSource?: ApprovalSource | null;
  /** When the task was approved. */
  approvedAt: number | null;
  /** Not eligible before this instant. */
  requestedStartTime: number | null;
  /** Stage the task was placed in; null while unplaced. */
  stage: number | null;
  /** Attempts started (pickups) so far. */
  attempt: number;
  /** When the current lease of an in-progress task lapses. */
  leaseExpiresAt: number | null;
  /** When the task was last queued (pickup timeout counts from here). */
  queuedAt: number | null;
  /** When the task last finished. */
  finishedAt: number | null;
}

/** The persisted history of one started stage. */
export interface StageRecord {
  /** 0-based stage index. */
  index: number;
  /** When the stage started. */
  startedAt: number;
  /** When every task of the stage had settled; null while running. */
  finishedAt: number | null;
  /** When the next stage may start (finish + soak time); null while running. */
  waitUntil: number | null;
  /** Kind the stage started as; when absent, the kind of its slot in the plan. */
  kind?: 'canary' | 'batch' | 'trailing';
  /** Set by an admin who resumed after a threshold pause: the stage's threshold is no longer judged. */
  thresholdOverridden?: boolean;
  /** Why the stage holds (settled with too few successes), as last recorded; null or absent when it does not. */
  holdReason?: string | null;
  /** Set by an admin who resumed while the stage held: it finishes as it is. */
  holdOverridden?: boolean;
}

/** What `decide` reads: a deployment's status, tasks, stage history and the target clients. */
export interface DeploymentSnapshot {
  /** Deployment status. */
  status: DeploymentStatus;
  /** The deployment's requested start time (epoch ms): a `created` deployment does not start before it. */
  startAt?: number | null;
  /** Every task of the deployment, in creation order (that order breaks ties). */
  tasks: readonly TaskRow[];
  /** Stage history in index order. */
  stages: readonly StageRecord[];
  /** The target clients: a list (fastest when aligned with `tasks`, `clients[i]` for `tasks[i]`; any order works) or a map by id. */
  clients: readonly Client[] | ReadonlyMap<string, Client>;
}
