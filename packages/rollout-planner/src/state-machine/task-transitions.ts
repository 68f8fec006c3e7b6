import type { TaskStatus } from '../statuses';

/** Rule of one task event: the states it is allowed from and the state it leads to. */
export interface TransitionRule<S extends string> {
  /** States the event is legal from. */
  readonly from: readonly S[];
  /** State after the event. */
  readonly to: S;
}

/** The task transition table, as data; the GCC uses it and nobody else decides task transitions. */
export const TASK_TRANSITIONS = {
  publish: { from: ['pending'], to: 'pending_approval' },
  approve: { from: ['pending', 'pending_approval'], to: 'approved' },
  auto_approve: { from: ['pending', 'pending_approval'], to: 'approved' },
  force_approve: { from: ['pending', 'pending_approval'], to: 'approved' },
  deadline_auto_approve: { from: ['pending', 'pending_approval'], to: 'approved' },
  not_required: { from: ['pending'], to: 'approved' },
  reject: { from: ['pending_approval'], to: 'rejected' },
  expire: { from: ['pending', 'pending_approval'], to: 'expired' },
  enqueue: { from: ['approved', 'overdue'], to: 'queued' },
  pickup: { from: ['queued'], to: 'in_progress' },
  succeed: { from: ['in_progress'], to: 'success' },
  fail: { from: ['in_progress'], to: 'failed' },
  lease_expired: { from: ['in_progress'], to: 'timed_out' },
  pickup_timeout: { from: ['queued'], to: 'overdue' },
  retry: { from: ['failed', 'timed_out'], to: 'queued' },
  cancel: { from: ['pending', 'pending_approval', 'approved', 'queued', 'overdue'], to: 'cancelled' },
  roll_back: { from: ['success', 'failed', 'timed_out'], to: 'rolled_back' },
} as const satisfies Record<string, TransitionRule<TaskStatus>>;

/** Name of a task event. */
export type TaskEvent = keyof typeof TASK_TRANSITIONS;

/** Every task event name. */
export const TASK_EVENTS = Object.keys(TASK_TRANSITIONS) as TaskEvent[];
