import type { DeploymentStatus } from '../statuses';
import type { TransitionRule } from './task-transitions';

/** The deployment transition table, as data. */
export const DEPLOYMENT_TRANSITIONS = {
  start: { from: ['created'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  complete: { from: ['running'], to: 'completed' },
  fail: { from: ['running'], to: 'failed' },
  abort: { from: ['created', 'running', 'paused'], to: 'aborted' },
  rollback_start: { from: ['running', 'paused', 'failed', 'completed'], to: 'rolling_back' },
  rollback_done: { from: ['rolling_back'], to: 'rolled_back' },
  rollback_failed: { from: ['rolling_back'], to: 'failed' },
} as const satisfies Record<string, TransitionRule<DeploymentStatus>>;

/** Name of a deployment event. */
export type DeploymentEvent = keyof typeof DEPLOYMENT_TRANSITIONS;

/** Every deployment event name. */
export const DEPLOYMENT_EVENTS = Object.keys(DEPLOYMENT_TRANSITIONS) as DeploymentEvent[];
