import {
  DROPPED_TASK_STATUSES,
  isTaskStatusIn,
  requiredSuccesses,
  resolveStrategy,
  type StageSlot,
  stageSizes,
  type TaskStatus,
} from '@wrktalk/rollout-planner';
import type { Schemas } from '@wrktalk/sdk-gcc';
import { strategyFromWire } from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';
import { iso } from '../services/iso-time';
import { emptyCounts } from './tally';

/** A `deployment_stages` row. */
export interface StageRow {
  stage_index: number;
  kind: 'canary' | 'batch' | 'trailing';
  placed: number;
  jobs: number;
  started_at: Date;
  finished_at: Date | null;
  wait_until: Date | null;
  failed_at: Date | null;
  failure_reason: string | null;
  threshold_overridden: boolean;
  hold_reason: string | null;
  hold_overridden: boolean;
}

/** A deployment's tasks counted by stage (null: not placed in a stage yet) and status. */
export interface StageTallyRow {
  stage: number | null;
  status: TaskStatus;
  n: number;
}

/**
 * The task counts of each of `deploymentIds` by stage and status, in one grouped read: what a deployment's view needs
 * (its counts by status and its stages' counts) without reading its tasks twice.
 */
export async function stageTallies(sql: Sql, deploymentIds: string[]): Promise<Map<string, StageTallyRow[]>> {
  const out = new Map<string, StageTallyRow[]>(deploymentIds.map((id) => [id, []]));
  if (deploymentIds.length === 0) return out;
  const r = await sql.query<StageTallyRow & { deployment_id: string }>(
    `SELECT deployment_id, stage, status, count(*)::int AS n FROM deployment_tasks
     WHERE deployment_id = ANY($1::text[]) GROUP BY deployment_id, stage, status`,
    [deploymentIds],
  );
  for (const { deployment_id, ...row } of r.rows) out.get(deployment_id)?.push(row);
  return out;
}

/** A deployment's task counts by status, from its stage tally. */
export function countsOfTally(tally: readonly StageTallyRow[]): Schemas['TaskCounts'] {
  const counts = emptyCounts();
  for (const row of tally) counts[row.status] += row.n;
  return counts;
}

/**
 * The stages of an orchestrated deployment as the contract shows them: every started stage from its record, then
 * the planned stages not started yet (sizes from the strategy over the live target count, as the planner derives
 * them), each with its tasks' counts. `tally` is the deployment's {@link stageTallies} entry when the caller has it
 * (read once for the counts and the stages, or known from the statement that wrote the tasks); read here otherwise.
 */
export async function stageSummaries(
  sql: Sql,
  deployment: { id: string; strategy: Schemas['Strategy'] },
  now: Date,
  defaults: { leaseSeconds: number },
  tally?: readonly StageTallyRow[],
): Promise<Schemas['StageSummary'][]> {
  const [records, counts] = await Promise.all([
    sql.query<StageRow>('SELECT * FROM deployment_stages WHERE deployment_id = $1 ORDER BY stage_index', [
      deployment.id,
    ]),
    tally ?? stageTallies(sql, [deployment.id]).then((m) => m.get(deployment.id)!),
  ]);
  let live = 0;
  const byStage = new Map<number, Schemas['TaskCounts']>();
  for (const c of counts) {
    if (!isTaskStatusIn(DROPPED_TASK_STATUSES, c.status)) live += c.n;
    if (c.stage === null) continue;
    let tc = byStage.get(c.stage);
    if (!tc) {
      tc = emptyCounts();
      byStage.set(c.stage, tc);
    }
    tc[c.status] += c.n;
  }
  // A stored strategy the planner cannot read (written around the API's validation, e.g. in SQL) must not turn the
  // deployment list into a 500: its started stages are still shown, its planned ones are not.
  let strategy = resolveStrategy();
  let slots: StageSlot[] = [];
  try {
    strategy = resolveStrategy(strategyFromWire(deployment.strategy, defaults));
    slots = stageSizes(live, strategy);
  } catch {
    slots = [];
  }
  const out: Schemas['StageSummary'][] = [];
  const started = records.rows;
  for (const r of started) {
    const slot = slots[r.stage_index];
    const waiting = r.finished_at !== null && r.wait_until !== null && r.wait_until.getTime() > now.getTime();
    // Settled with too few successes and not accepted by an admin: the stage holds the rollout.
    const holding = r.finished_at === null && r.hold_reason !== null && !r.hold_overridden;
    out.push({
      index: r.stage_index,
      kind: r.kind === 'trailing' ? 'batch' : r.kind,
      capacity: r.kind === 'trailing' || !slot ? r.placed : Math.max(slot.size, r.placed),
      status:
        r.failed_at !== null && !r.threshold_overridden
          ? 'failed'
          : holding
            ? 'holding'
            : r.finished_at === null
              ? 'running'
              : waiting
                ? 'waiting'
                : 'succeeded',
      required_successes: requiredSuccesses(r.kind, r.placed, strategy),
      reason: r.failure_reason ?? r.hold_reason,
      started_at: iso(r.started_at),
      finished_at: iso(r.finished_at),
      wait_until: iso(r.wait_until),
      task_counts: byStage.get(r.stage_index) ?? emptyCounts(),
    });
  }
  for (const slot of slots.slice(started.length)) {
    out.push({
      index: slot.index,
      kind: slot.kind,
      capacity: slot.size,
      status: 'pending',
      required_successes: 0,
      reason: null,
      started_at: null,
      finished_at: null,
      wait_until: null,
      task_counts: emptyCounts(),
    });
  }
  return out;
}
