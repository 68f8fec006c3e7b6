import type { Client } from '../../src/clients/client';
import type { DecideAction } from '../../src/decide/actions';
import { applyActions } from '../../src/decide/apply-actions';
import { decide } from '../../src/decide/decide';
import type { DecidePolicy } from '../../src/decide/policy';
import type { DeploymentSnapshot, TaskRow } from '../../src/decide/snapshot';
import type { TaskEvent } from '../../src/state-machine/task-transitions';
import { transition } from '../../src/state-machine/transition';
import type { TaskStatus } from '../../src/statuses';

/** A task row with defaults: pending approval, unplaced. */
export function task(id: string, clientId: string, patch: Partial<TaskRow> = {}): TaskRow {
  return {
    id,
    clientId,
    status: 'pending_approval',
    approvalStatus: 'pending',
    approvedAt: null,
    requestedStartTime: null,
    stage: null,
    attempt: 0,
    leaseExpiresAt: null,
    queuedAt: null,
    finishedAt: null,
    ...patch,
  };
}

/** A snapshot with one task per client (`t-<clientId>`), every task in `status` (approved by the client when approved). */
export function snapshotOf(
  clients: Client[],
  status: TaskStatus = 'approved',
  patch: Partial<DeploymentSnapshot> = {},
): DeploymentSnapshot {
  const approved = status === 'approved';
  return {
    status: 'running',
    stages: [],
    clients,
    tasks: clients.map((c) =>
      task(`t-${c.id}`, c.id, {
        status,
        approvalStatus: approved ? 'approved' : 'pending',
        approvalSource: approved ? 'client' : null,
        approvedAt: approved ? 0 : null,
      }),
    ),
    ...patch,
  };
}

/** Applies an agent-side event (the GCC API does these) through the transition table. */
export function agentEvent(
  s: DeploymentSnapshot,
  taskId: string,
  event: TaskEvent,
  patch: Partial<TaskRow> = {},
): DeploymentSnapshot {
  return {
    ...s,
    tasks: s.tasks.map((t) => {
      if (t.id !== taskId) return t;
      const r = transition(t.status, event);
      if (!r.ok) throw r.error;
      return { ...t, ...patch, status: r.state };
    }),
  };
}

/** What a simulated agent does with a queued task. */
export type Outcome = 'success' | 'failed' | 'silent' | 'offline';

/** One recorded stage start. */
export interface StageStart {
  stage: number;
  kind: string;
  size: number;
  at: number;
}

/** Runs decide -> apply -> agents until the deployment stops or `maxSteps`; agents act instantly. */
export function simulate(
  start: DeploymentSnapshot,
  policy: DecidePolicy,
  t0: number,
  outcome: (clientId: string, attempt: number) => Outcome = () => 'success',
  options: { maxSteps?: number; onStep?: (s: DeploymentSnapshot, now: number) => DeploymentSnapshot } = {},
): { snapshot: DeploymentSnapshot; starts: StageStart[]; actions: DecideAction[][]; now: number } {
  let s = start;
  let now = t0;
  const starts: StageStart[] = [];
  const log: DecideAction[][] = [];
  for (let step = 0; step < (options.maxSteps ?? 200); step++) {
    if (options.onStep) s = options.onStep(s, now);
    const actions = decide(s, now, policy);
    log.push(actions);
    const r = applyActions(s, actions, now);
    if (!r.ok) throw r.error;
    s = r.snapshot;
    for (const a of actions) {
      if (a.type === 'start_stage')
        starts.push({ stage: a.stage, kind: a.kind, size: a.taskIds.length, at: now });
    }
    if (!['running', 'paused'].includes(s.status) || s.status === 'paused') break;
    // Agents: pick up queued tasks and report.
    for (const t of s.tasks) {
      if (t.status !== 'queued') continue;
      const o = outcome(t.clientId, t.attempt + 1);
      if (o === 'offline') continue;
      s = agentEvent(s, t.id, 'pickup', { attempt: t.attempt + 1, leaseExpiresAt: now + 900_000 });
      if (o === 'success') s = agentEvent(s, t.id, 'succeed', { finishedAt: now, leaseExpiresAt: null });
      if (o === 'failed') s = agentEvent(s, t.id, 'fail', { finishedAt: now, leaseExpiresAt: null });
    }
    const wait = actions.find((a) => a.type === 'wait_until');
    const moved = actions.some((a) => a.type !== 'wait_until');
    if (!moved) {
      if (wait === undefined || wait.type !== 'wait_until') break;
      now = wait.at;
    }
  }
  return { snapshot: s, starts, actions: log, now };
}
