import type { TaskStatus } from '@wrktalk/rollout-planner';

/**
 * A planner status set as an SQL list literal, `('queued', 'overdue')`, for `status IN …`. Literal rather than a
 * parameter so that PostgreSQL can match partial indexes whose predicate lists the same statuses (e.g.
 * `deployment_tasks_ready_idx`). The values are the planner's constants, never input.
 */
export function statusListSql(set: readonly TaskStatus[]): string {
  return `(${set.map((status) => `'${status}'`).join(', ')})`;
}
