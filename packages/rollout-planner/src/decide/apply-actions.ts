import { approvalEventFor } from '../approvals/approval-policy';
import type { IllegalTransitionError } from '../errors/illegal-transition-error';
import type { DeploymentEvent } from '../state-machine/deployment-transitions';
import type { TaskEvent } from '../state-machine/task-transitions';
import { transition, transitionDeployment } from '../state-machine/transition';
import type { DecideAction } from './actions';
import type { DeploymentSnapshot, StageRecord, TaskRow } from './snapshot';

/** Result of applying actions: the next snapshot, or the first illegal transition (nothing is half-applied). */
export type ApplyResult =
  | { ok: true; snapshot: DeploymentSnapshot }
  | { ok: false; error: IllegalTransitionError };

const DEPLOYMENT_EVENT: Partial<Record<DecideAction['type'], DeploymentEvent>> = {
  start: 'start',
  pause: 'pause',
  complete: 'complete',
  fail: 'fail',
  trigger_rollback: 'rollback_start',
};

/**
 * Applies `decide`'s actions to a snapshot through the transition tables, as the GCC worker would write
 * them. Pure (returns a new snapshot); used by the simulator, tests and as the worker's reference.
 */
export function applyActions(
  snapshot: DeploymentSnapshot,
  actions: readonly DecideAction[],
  now: number,
): ApplyResult {
  const tasks = snapshot.tasks.slice();
  const index = new Map<string, number>();
  for (let i = 0; i < tasks.length; i++) index.set(tasks[i]!.id, i);
  const stages: StageRecord[] = snapshot.stages.slice();
  let status = snapshot.status;

  const update = (
    ids: readonly string[],
    event: TaskEvent | ((t: TaskRow) => TaskEvent),
    patch: (t: TaskRow) => Partial<TaskRow> = () => ({}),
  ): IllegalTransitionError | null => {
    for (const id of ids) {
      const i = index.get(id);
      if (i === undefined) continue;
      const task = tasks[i]!;
      const r = transition(task.status, typeof event === 'function' ? event(task) : event);
      if (!r.ok) return r.error;
      tasks[i] = { ...task, ...patch(task), status: r.state };
    }
    return null;
  };

  for (const action of actions) {
    let error: IllegalTransitionError | null = null;
    const deploymentEvent = DEPLOYMENT_EVENT[action.type];
    if (deploymentEvent !== undefined) {
      const r = transitionDeployment(status, deploymentEvent);
      if (!r.ok) return { ok: false, error: r.error };
      status = r.state;
    }
    switch (action.type) {
      case 'mark_timed_out':
        error = update(action.taskIds, 'lease_expired', () => ({ finishedAt: now, leaseExpiresAt: null }));
        break;
      case 'mark_overdue':
        error = update(action.taskIds, 'pickup_timeout');
        break;
      case 'auto_approve': {
        const source = action.source;
        // `not_required` is only legal from pending; a published task is approved with auto_approve instead.
        const event = (t: TaskRow): TaskEvent =>
          source === 'not_required'
            ? t.status === 'pending'
              ? 'not_required'
              : 'auto_approve'
            : approvalEventFor(source);
        error = update(action.taskIds, event, () => ({
          approvalStatus: source === 'not_required' ? 'not_required' : 'approved',
          approvalSource: source,
          approvedAt: now,
        }));
        break;
      }
      case 'expire':
        error = update(action.taskIds, 'expire', () => ({ approvalStatus: 'expired' }));
        break;
      case 'retry':
        error = update(action.taskIds, 'retry', () => ({ queuedAt: now, finishedAt: null }));
        break;
      case 'cancel':
        error = update(action.taskIds, 'cancel');
        break;
      case 'enqueue':
        error = update(action.taskIds, 'enqueue', () => ({ queuedAt: now }));
        break;
      case 'start_stage':
        stages.push({
          index: action.stage,
          kind: action.kind,
          startedAt: now,
          finishedAt: null,
          waitUntil: null,
        });
        for (const id of action.taskIds) {
          const i = index.get(id);
          if (i !== undefined) tasks[i] = { ...tasks[i]!, stage: action.stage };
        }
        break;
      case 'join_stage':
        for (const id of action.taskIds) {
          const i = index.get(id);
          if (i !== undefined) tasks[i] = { ...tasks[i]!, stage: action.stage };
        }
        break;
      case 'hold_stage': {
        const s = stages[action.stage];
        if (s !== undefined) stages[action.stage] = { ...s, holdReason: action.reason };
        break;
      }
      case 'finish_stage': {
        const s = stages[action.stage];
        if (s !== undefined) stages[action.stage] = { ...s, finishedAt: now, waitUntil: action.waitUntil };
        break;
      }
      default:
        break;
    }
    if (error !== null) return { ok: false, error };
  }
  return { ok: true, snapshot: { ...snapshot, status, tasks, stages } };
}
