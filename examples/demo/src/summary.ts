import {
  FAILED_TASK_STATUSES,
  isTaskStatusIn,
  TASK_STATUSES,
  type TaskStatus,
} from '@wrktalk/rollout-planner';
import type { Deployment, Task } from '@wrktalk/sdk-gcc';

/** One row of the summary table: one stage of a deployment, as the GCC reports it. */
export interface StageRow {
  /** `update` for the rollout, `rollback` for its automatic rollback. */
  deployment: 'update' | 'rollback';
  /** 0-based stage index. */
  index: number;
  kind: 'canary' | 'batch';
  /** The stage's planned size (`capacity`). */
  size: number;
  /** Tasks placed in the stage. */
  placed: number;
  succeeded: number;
  /** `failed` or `timed_out`. */
  failed: number;
  overdue: number;
  /** Rollback tasks that returned their client (`rolled_back`). */
  rolledBack: number;
  status: Deployment['stages'][number]['status'];
  /** From the stage's start to its end (or now, while it runs); `null` before it starts. */
  durationMs: number | null;
  /** Clients whose tasks were placed in the stage. */
  clients: string[];
}

/** The stage rows of a deployment: counts from the GCC's `task_counts`, clients from its tasks. */
export function stageRows(deployment: Deployment, tasks: readonly Task[], now: Date): StageRow[] {
  return deployment.stages.map((s) => {
    const counts = s.task_counts as Record<TaskStatus, number>;
    const started = s.started_at ? Date.parse(s.started_at) : null;
    const ended = s.finished_at ? Date.parse(s.finished_at) : now.getTime();
    return {
      deployment: deployment.type,
      index: s.index,
      kind: s.kind,
      size: s.capacity,
      placed: TASK_STATUSES.reduce((sum, st) => sum + counts[st], 0),
      succeeded: counts.success,
      failed: FAILED_TASK_STATUSES.reduce((sum, st) => sum + counts[st], 0),
      overdue: counts.overdue,
      rolledBack: counts.rolled_back,
      status: s.status,
      durationMs: started === null ? null : Math.max(0, ended - started),
      clients: tasks
        .filter((t) => t.stage === s.index)
        .map((t) => t.client_id)
        .sort(),
    };
  });
}

/** Counts by status over `tasks`, in the planner's status order, without zeros: `success 3 · in_progress 1`. */
export function countsLine(counts: Partial<Record<TaskStatus, number>>): string {
  const parts = TASK_STATUSES.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${s} ${counts[s]}`);
  return parts.length > 0 ? parts.join(' · ') : 'no tasks yet';
}

/** Counts of tasks by status (every status present). */
export function countTasks(tasks: readonly Pick<Task, 'status'>[]): Record<TaskStatus, number> {
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const t of tasks) counts[t.status]++;
  return counts;
}

/** Whether a task counts as failed for the summary. */
export function isFailedTask(task: Pick<Task, 'status'>): boolean {
  return isTaskStatusIn(FAILED_TASK_STATUSES, task.status);
}

const seconds = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

/** The summary table as text (stage, size, succeeded, failed, overdue, duration), one line per stage. */
export function formatTable(rows: readonly StageRow[]): string {
  const header = ['stage', 'size', 'succeeded', 'failed', 'overdue', 'rolled back', 'duration', 'status'];
  const body = rows.map((r) => [
    `${r.deployment === 'rollback' ? 'rollback ' : ''}${r.index + 1} ${r.kind}`,
    String(r.size),
    String(r.succeeded),
    String(r.failed),
    String(r.overdue),
    String(r.rolledBack),
    seconds(r.durationMs),
    r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)]
    .map((l) => l.trimEnd())
    .join('\n');
}
