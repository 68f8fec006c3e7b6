import { describe, expect, it } from 'vitest';
import { isIllegalTransitionError } from '../../src/errors/illegal-transition-error';
import { DEPLOYMENT_TRANSITIONS } from '../../src/state-machine/deployment-transitions';
import { TASK_TRANSITIONS, type TaskEvent } from '../../src/state-machine/task-transitions';
import { canTransition, transition, transitionDeployment } from '../../src/state-machine/transition';
import {
  DEPLOYMENT_STATUSES,
  type DeploymentStatus,
  TASK_STATUSES,
  type TaskStatus,
} from '../../src/statuses';

describe('task transitions', () => {
  const legal: [TaskStatus, TaskEvent, TaskStatus][] = [
    ['pending', 'publish', 'pending_approval'],
    ['pending_approval', 'approve', 'approved'],
    ['pending', 'auto_approve', 'approved'],
    ['pending_approval', 'force_approve', 'approved'],
    ['pending_approval', 'deadline_auto_approve', 'approved'],
    ['pending', 'not_required', 'approved'],
    ['pending_approval', 'reject', 'rejected'],
    ['pending', 'expire', 'expired'],
    ['approved', 'enqueue', 'queued'],
    ['overdue', 'enqueue', 'queued'],
    ['queued', 'pickup', 'in_progress'],
    ['in_progress', 'succeed', 'success'],
    ['in_progress', 'fail', 'failed'],
    ['in_progress', 'lease_expired', 'timed_out'],
    ['queued', 'pickup_timeout', 'overdue'],
    ['failed', 'retry', 'queued'],
    ['timed_out', 'retry', 'queued'],
    ['overdue', 'cancel', 'cancelled'],
    ['success', 'roll_back', 'rolled_back'],
  ];
  it.each(legal)('%s --%s--> %s', (from, event, to) => {
    expect(transition(from, event)).toEqual({ ok: true, state: to });
  });

  const illegal: [TaskStatus, TaskEvent][] = [
    ['pending', 'reject'],
    ['rejected', 'approve'],
    ['success', 'fail'],
    ['queued', 'succeed'],
    ['in_progress', 'cancel'],
    ['cancelled', 'enqueue'],
    ['approved', 'pickup'],
  ];
  it.each(illegal)('%s --%s--> illegal, typed error with a readable message', (from, event) => {
    const r = transition(from, event);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(isIllegalTransitionError(r.error)).toBe(true);
    expect(r.error.machine).toBe('task');
    expect(r.error.from).toBe(from);
    expect(r.error.event).toBe(event);
    expect(r.error.message).toContain(`event '${event}' from '${from}'`);
  });

  it('an unknown event is illegal, not a crash', () => {
    const r = transition('pending', 'explode' as TaskEvent);
    expect(r.ok).toBe(false);
  });

  it('the table is total over statuses: every from/to is a known status', () => {
    for (const rule of Object.values(TASK_TRANSITIONS)) {
      for (const s of rule.from) expect(TASK_STATUSES).toContain(s);
      expect(TASK_STATUSES).toContain(rule.to);
    }
  });

  it('terminal statuses have no way out except roll_back of finished work', () => {
    for (const s of ['rejected', 'expired', 'cancelled', 'rolled_back'] as TaskStatus[]) {
      for (const e of Object.keys(TASK_TRANSITIONS) as TaskEvent[]) expect(canTransition(s, e)).toBe(false);
    }
  });
});

describe('deployment transitions', () => {
  const legal: [DeploymentStatus, keyof typeof DEPLOYMENT_TRANSITIONS, DeploymentStatus][] = [
    ['created', 'start', 'running'],
    ['running', 'pause', 'paused'],
    ['paused', 'resume', 'running'],
    ['running', 'complete', 'completed'],
    ['running', 'fail', 'failed'],
    ['paused', 'abort', 'aborted'],
    ['completed', 'rollback_start', 'rolling_back'],
    ['rolling_back', 'rollback_done', 'rolled_back'],
    ['rolling_back', 'rollback_failed', 'failed'],
  ];
  it.each(legal)('%s --%s--> %s', (from, event, to) => {
    expect(transitionDeployment(from, event)).toEqual({ ok: true, state: to });
  });
  it.each([
    ['completed', 'pause'],
    ['aborted', 'resume'],
    ['rolled_back', 'start'],
  ] as const)('%s --%s--> illegal', (from, event) => {
    const r = transitionDeployment(from, event);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.machine).toBe('deployment');
  });
  it('every status in the table is a known deployment status', () => {
    for (const rule of Object.values(DEPLOYMENT_TRANSITIONS)) {
      for (const s of rule.from) expect(DEPLOYMENT_STATUSES).toContain(s);
    }
  });
});
