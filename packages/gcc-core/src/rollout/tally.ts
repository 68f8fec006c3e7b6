import { DROPPED_TASK_STATUSES, FAILED_TASK_STATUSES, TASK_STATUSES } from '@wrktalk/rollout-planner';
import type { Schemas } from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';

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
