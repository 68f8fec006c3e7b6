import {
  type DeploymentEvent,
  type DeploymentStatus,
  DROPPED_TASK_STATUSES,
  FAILED_TASK_STATUSES,
  FINISHED_TASK_STATUSES,
  TASK_STATUSES,
  type TaskEvent,
  type TaskStatus,
  transition,
  transitionDeployment,
} from '@wrktalk/rollout-planner';
import type { Schemas, Task } from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';
import { GccServiceError } from '../errors/gcc-service-error';
import { deploymentEnded } from '../rollout/finish';
import { audit, iso, isoOf, notifyWorker } from './support';

/** Logs kept per task: the last 200 lines, each cut to 2000 characters (the contract's bounds). */
export const LOG_LINES = 200;
/** Longest kept log line, in characters. */
export const LOG_LINE_CHARS = 2000;

/** A task row as stored. */
export interface TaskRow {
  id: string;
  deployment_id: string;
  client_id: string;
  type: Task['type'];
  component: string;
  version: string;
  image_url: string;
  previous_version: string | null;
  status: TaskStatus;
  approval_status: Task['approval_status'];
  approval_source: Task['approval_source'];
  approved_at: Date | null;
  approved_by: string | null;
  rejected_reason: string | null;
  requested_start_time: Date | null;
  stage: number | null;
  attempt: number;
  queued_at: Date | null;
  lease_expires_at: Date | null;
  last_message: string | null;
  logs: string[];
  created_at: Date;
  updated_at: Date;
}

/** The wire form of a task row. */
export const taskOf = (r: TaskRow): Task => ({
  id: r.id,
  deployment_id: r.deployment_id,
  client_id: r.client_id,
  type: r.type,
  component: r.component,
  version: r.version,
  image_url: r.image_url,
  previous_version: r.previous_version,
  status: r.status,
  approval_status: r.approval_status,
  approval_source: r.approval_source,
  approved_at: iso(r.approved_at),
  approved_by: r.approved_by,
  rejected_reason: r.rejected_reason,
  requested_start_time: iso(r.requested_start_time),
  stage: r.stage,
  attempt: r.attempt,
  lease_expires_at: iso(r.lease_expires_at),
  last_message: r.last_message,
  logs: r.logs ?? [],
  created_at: isoOf(r.created_at),
  updated_at: isoOf(r.updated_at),
});

/** The planner's transition, or `illegal_transition` (with the task's current state) when it is not allowed. */
export function nextTaskStatus(task: Pick<TaskRow, 'id' | 'status'>, event: TaskEvent): TaskStatus {
  const r = transition(task.status, event);
  if (!r.ok) {
    throw new GccServiceError(
      'illegal_transition',
      `Task ${task.id} is ${task.status}: ${r.error.message}`,
      undefined,
      {
        task_status: task.status,
      },
    );
  }
  return r.state;
}

/** The planner's deployment transition, or `illegal_transition`. */
export function nextDeploymentStatus(
  d: { id: string; status: DeploymentStatus },
  event: DeploymentEvent,
): DeploymentStatus {
  const r = transitionDeployment(d.status, event);
  if (!r.ok) {
    throw new GccServiceError(
      'illegal_transition',
      `Deployment ${d.id} is ${d.status}: ${r.error.message}`,
      undefined,
      {
        deployment_status: d.status,
      },
    );
  }
  return r.state;
}

/** Every status from which `event` is legal, per the planner (for set-based updates). */
export const statusesAllowing = (event: TaskEvent): TaskStatus[] =>
  TASK_STATUSES.filter((s) => transition(s, event).ok);

/** Task counts with every status present. */
export function emptyCounts(): Schemas['TaskCounts'] {
  return Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Schemas['TaskCounts'];
}

/** Outcome counts of a deployment's tasks (or of one stage's), as notifications report them. */
export interface TaskTally {
  succeeded: number;
  /** failed or timed out */
  failed: number;
  /** rejected, expired or cancelled */
  skipped: number;
  total: number;
}

/** Counts a deployment's tasks (or one stage's) by outcome. */
export async function tallyTasks(tx: Sql, deploymentId: string, stage?: number): Promise<TaskTally> {
  const r = await tx.query<TaskTally>(
    `SELECT count(*) FILTER (WHERE status = 'success')::int AS succeeded,
            count(*) FILTER (WHERE status = ANY($3::text[]))::int AS failed,
            count(*) FILTER (WHERE status = ANY($4::text[]))::int AS skipped,
            count(*)::int AS total
       FROM deployment_tasks WHERE deployment_id = $1 AND ($2::int IS NULL OR stage = $2)`,
    [deploymentId, stage ?? null, FAILED_TASK_STATUSES, DROPPED_TASK_STATUSES],
  );
  return r.rows[0]!;
}

/** Merges a report's log lines into the kept ones, within {@link LOG_LINES} x {@link LOG_LINE_CHARS}. */
export function boundLogs(kept: readonly string[], added: readonly string[] | undefined): string[] {
  if (!added?.length) return [...kept];
  return [...kept, ...added.map((l) => l.slice(0, LOG_LINE_CHARS))].slice(-LOG_LINES);
}

/**
 * Finishes a running deployment once every task has settled (as the fake does: `failed` when any task failed or
 * timed out), and, for a rollback, the deployment it rolled back. Runs in the caller's transaction. A deployment the rollout
 * worker orchestrates is not settled here (its thresholds decide, not "any failure"): the worker is woken instead
 * (NOTIFY on `gcc_worker`, delivered on commit; the worker's sweep covers a missed one).
 * @returns client ids whose tasks changed
 */
export async function settleDeployment(tx: Sql, deploymentId: string, now: Date): Promise<string[]> {
  // Read without a lock first: an orchestrated deployment's row is the worker's lock and must not be taken here
  // (a status report holds its task's row; taking the deployment's after it could deadlock with a worker tick).
  const o = (
    await tx.query<{ orchestration: string }>('SELECT orchestration FROM deployments WHERE id = $1', [
      deploymentId,
    ])
  ).rows[0];
  if (o?.orchestration === 'worker') {
    await notifyWorker(tx, deploymentId);
    return [];
  }
  const d = (
    await tx.query<{
      id: string;
      status: DeploymentStatus;
      type: Task['type'];
      rollback_of: string | null;
      component: string;
      version: string;
    }>('SELECT id, status, type, rollback_of, component, version FROM deployments WHERE id = $1 FOR UPDATE', [
      deploymentId,
    ])
  ).rows[0];
  if (d?.status !== 'running') return [];
  const c = (
    await tx.query<{ open: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE NOT (status = ANY($2::text[])))::int AS open,
              count(*) FILTER (WHERE status = ANY($3::text[]))::int AS failed
       FROM deployment_tasks WHERE deployment_id = $1`,
      [deploymentId, FINISHED_TASK_STATUSES, FAILED_TASK_STATUSES],
    )
  ).rows[0]!;
  if (c.open > 0) return [];
  const failed = c.failed > 0;
  const status = nextDeploymentStatus(d, failed ? 'fail' : 'complete');
  await tx.query('UPDATE deployments SET status = $2, finished_at = $3, updated_at = $3 WHERE id = $1', [
    d.id,
    status,
    now,
  ]);
  await audit(tx, now, 'system', failed ? 'deployment.fail' : 'deployment.complete', 'deployment', d.id, {
    deploymentId: d.id,
    before: { status: d.status },
    after: { status },
  });
  // An update is announced; a rollback finishes the deployment it rolled back (the one place: `rollout/`).
  return deploymentEnded(tx, d, status, now);
}
