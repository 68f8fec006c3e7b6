import { IllegalTransitionError } from '../errors/illegal-transition-error';
import type { DeploymentStatus, TaskStatus } from '../statuses';
import { DEPLOYMENT_TRANSITIONS, type DeploymentEvent } from './deployment-transitions';
import { TASK_TRANSITIONS, type TaskEvent, type TransitionRule } from './task-transitions';

/** Outcome of a transition: the new state, or the typed error. Transitions never throw. */
export type TransitionResult<S> = { ok: true; state: S } | { ok: false; error: IllegalTransitionError };

function apply<S extends string>(
  machine: 'task' | 'deployment',
  rule: TransitionRule<S> | undefined,
  state: S,
  event: string,
): TransitionResult<S> {
  if (rule === undefined) {
    return { ok: false, error: new IllegalTransitionError(machine, state, event, []) };
  }
  if (!rule.from.includes(state)) {
    return { ok: false, error: new IllegalTransitionError(machine, state, event, rule.from) };
  }
  return { ok: true, state: rule.to };
}

/** Applies a task event to a task status (the single place task transitions are decided). */
export function transition(state: TaskStatus, event: TaskEvent): TransitionResult<TaskStatus> {
  const rule: TransitionRule<TaskStatus> | undefined = Object.hasOwn(TASK_TRANSITIONS, event)
    ? TASK_TRANSITIONS[event]
    : undefined;
  return apply('task', rule, state, event);
}

/** Applies a deployment event to a deployment status. */
export function transitionDeployment(
  state: DeploymentStatus,
  event: DeploymentEvent,
): TransitionResult<DeploymentStatus> {
  const rule: TransitionRule<DeploymentStatus> | undefined = Object.hasOwn(DEPLOYMENT_TRANSITIONS, event)
    ? DEPLOYMENT_TRANSITIONS[event]
    : undefined;
  return apply('deployment', rule, state, event);
}

/** True when `event` is legal for a task in `state`. */
export function canTransition(state: TaskStatus, event: TaskEvent): boolean {
  return transition(state, event).ok;
}
