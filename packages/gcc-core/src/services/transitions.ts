import {
  type DeploymentEvent,
  type DeploymentStatus,
  TASK_STATUSES,
  type TaskEvent,
  type TaskStatus,
  transition,
  transitionDeployment,
} from '@wrktalk/rollout-planner';
import { GccServiceError } from '../errors/gcc-service-error';
import type { TaskRow } from './task-rows';

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
