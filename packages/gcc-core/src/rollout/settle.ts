import {
  type DeploymentStatus,
  FAILED_TASK_STATUSES,
  FINISHED_TASK_STATUSES,
} from '@wrktalk/rollout-planner';
import type { Task } from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';
import { audit } from '../services/audit-log';
import { notifyWorker } from '../services/context';
import { nextDeploymentStatus } from '../services/transitions';
import { deploymentEnded } from './finish';

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
