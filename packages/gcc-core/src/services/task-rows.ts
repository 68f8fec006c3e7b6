import type { TaskStatus } from '@wrktalk/rollout-planner';
import type { Task } from '@wrktalk/sdk-gcc';
import { iso, isoOf } from './iso-time';

/** Logs kept per task: the last 200 lines, each cut to 2000 characters (the contract's bounds). */
export const LOG_LINES = 200;

/** Longest kept log line, in characters. */
export const LOG_LINE_CHARS = 2000;

/** One component of a set task as stored in `deployment_tasks.components`. */
export interface StoredTaskComponent {
  component: string;
  version: string;
  image_url: string;
  image_digest: string | null;
  previous_version: string | null;
}

/**
 * Every component of a task, from → to, in the set's order: the stored set, or the row's own single component. The one
 * reading of a task's set (the wire's `components`, the agent's offer, the success report's history rows).
 */
export function taskComponentsOf(
  r: Pick<TaskRow, 'component' | 'version' | 'image_url' | 'previous_version' | 'components'>,
  digest: string | null = null,
): StoredTaskComponent[] {
  if (r.components?.length) return r.components;
  return [
    {
      component: r.component,
      version: r.version,
      image_url: r.image_url,
      image_digest: digest,
      previous_version: r.previous_version,
    },
  ];
}

/** The wire's `TaskComponent`s of a task (no digest: that is the offer's). */
export const wireComponentsOf = (r: Parameters<typeof taskComponentsOf>[0]): Task['components'] =>
  taskComponentsOf(r).map((c) => ({
    component: c.component,
    version: c.version,
    image_url: c.image_url,
    previous_version: c.previous_version,
  }));

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
  /** A set's components with their releases' digests (migration 013); null for a single component. */
  components: StoredTaskComponent[] | null;
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
  components: wireComponentsOf(r),
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

/** Merges a report's log lines into the kept ones, within {@link LOG_LINES} x {@link LOG_LINE_CHARS}. */
export function boundLogs(kept: readonly string[], added: readonly string[] | undefined): string[] {
  if (!added?.length) return [...kept];
  return [...kept, ...added.map((l) => l.slice(0, LOG_LINE_CHARS))].slice(-LOG_LINES);
}
