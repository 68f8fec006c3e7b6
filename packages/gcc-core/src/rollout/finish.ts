import type { DeploymentStatus } from '@wrktalk/rollout-planner';
import type { Deployment } from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';
import { enqueueNotification } from '../notifications/outbox';
import { finishRollback } from './rollback';
import { tallyTasks } from './tally';

/** The fields of a deployment row {@link deploymentEnded} reads. */
export interface EndedDeployment {
  id: string;
  type: Deployment['type'];
  component: string;
  version: string;
  rollback_of: string | null;
}

/**
 * What follows a deployment reaching an end status (`completed`, `failed`, `aborted`; the caller wrote it), in the
 * caller's transaction, whichever orchestration ran it: an update is announced (`deployment_completed`); a rollback
 * finishes the deployment it rolled back and is announced as `rollback_finished` only (see {@link finishRollback}),
 * never as a completed deployment.
 * @returns client ids whose tasks changed
 */
export async function deploymentEnded(
  tx: Sql,
  d: EndedDeployment,
  status: DeploymentStatus,
  now: Date,
): Promise<string[]> {
  if (d.type === 'rollback' && d.rollback_of) {
    return finishRollback(tx, { ...d, rollback_of: d.rollback_of }, status, now);
  }
  const t = await tallyTasks(tx, d.id);
  await enqueueNotification(
    tx,
    {
      type: 'deployment_completed',
      deploymentId: d.id,
      deploymentType: d.type,
      rollbackOf: d.rollback_of,
      component: d.component,
      version: d.version,
      status,
      succeeded: t.succeeded,
      failed: t.failed,
      ...(t.skipped > 0 && { skipped: t.skipped }),
    },
    now,
  );
  return [];
}
