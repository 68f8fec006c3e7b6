import { describe, expect, it } from 'vitest';
import type { DecideAction } from '../../src/decide/actions';
import { applyActions } from '../../src/decide/apply-actions';
import { decide } from '../../src/decide/decide';
import type { DecidePolicy } from '../../src/decide/policy';
import type { DeploymentSnapshot } from '../../src/decide/snapshot';
import { immediateStrategy, resolveStrategy } from '../../src/strategy/strategy';
import { validateStrategy } from '../../src/strategy/validate-strategy';
import { makeClients } from '../helpers';
import { agentEvent, snapshotOf } from './sim';

const T0 = Date.parse('2026-12-03T10:00:00Z');
const policy: DecidePolicy = { strategy: immediateStrategy, component: 'backend' };
const of = <T extends DecideAction['type']>(actions: DecideAction[], type: T) =>
  actions.filter((a): a is Extract<DecideAction, { type: T }> => a.type === type);

/** Runs one tick and applies it; fails the test on an illegal transition. */
function tick(s: DeploymentSnapshot, now: number, p: DecidePolicy = policy) {
  const actions = decide(s, now, p);
  const r = applyActions(s, actions, now);
  if (!r.ok) throw r.error;
  return { actions, s: r.snapshot };
}

/** Approves client `id`'s task (as the approvals API does). */
function approve(s: DeploymentSnapshot, id: string, at: number): DeploymentSnapshot {
  return agentEvent(s, `t-${id}`, 'approve', {
    approvalStatus: 'approved',
    approvalSource: 'client',
    approvedAt: at,
  });
}

describe('immediateStrategy: every approval released as it comes, by the same rules as any strategy', () => {
  it('is a valid strategy: one batch stage of everyone, no fill wait, one attempt, pause on the first failure', () => {
    expect(validateStrategy(immediateStrategy)).toEqual([]);
    const r = resolveStrategy(immediateStrategy);
    expect(r).toMatchObject({
      stages: [{ kind: 'batch', percent: 100, waitSeconds: 0 }],
      stageFillSeconds: 0,
      joinRunningStage: true,
      maxAttempts: 1,
      onFailure: 'pause',
      failureThreshold: { maxFailures: 0, minFinished: 1 },
    });
    expect(resolveStrategy({}).joinRunningStage).toBe(false);
    expect(validateStrategy({ joinRunningStage: 'yes' })).toEqual([
      { path: 'joinRunningStage', message: 'must be a boolean' },
    ]);
  });

  it('releases the first approval at once and each later one in the tick after it, while the first still runs', () => {
    const clients = makeClients(5, { instances: 5 });
    let s = snapshotOf(clients, 'pending_approval');
    s = approve(s, 'c101', T0);
    let r = tick(s, T0);
    expect(of(r.actions, 'start_stage')).toEqual([
      expect.objectContaining({ stage: 0, taskIds: ['t-c101'] }),
    ]);
    expect(of(r.actions, 'enqueue')[0]!.taskIds).toEqual(['t-c101']);
    // c101 is still in progress when c102 and c103 approve: they join stage 0 and are queued now, not after it.
    s = agentEvent(r.s, 't-c101', 'pickup');
    s = approve(approve(s, 'c102', T0 + 1000), 'c103', T0 + 1000);
    r = tick(s, T0 + 1000);
    expect(of(r.actions, 'start_stage')).toEqual([]);
    expect(of(r.actions, 'join_stage')).toEqual([
      expect.objectContaining({ stage: 0, taskIds: expect.arrayContaining(['t-c102', 't-c103']) }),
    ]);
    expect(of(r.actions, 'enqueue')[0]!.taskIds.sort()).toEqual(['t-c102', 't-c103']);
    expect(r.s.tasks.filter((t) => t.stage === 0)).toHaveLength(3);
    expect(r.s.stages).toHaveLength(1);
  });

  it('finishes when every approved client succeeded and nobody is left to answer; a rejection does not block', () => {
    const clients = makeClients(3, { instances: 3 });
    let s = snapshotOf(clients, 'pending_approval');
    s = approve(approve(s, 'c101', T0), 'c102', T0);
    s = agentEvent(s, 't-c103', 'reject');
    let r = tick(s, T0);
    s = r.s;
    for (const id of ['t-c101', 't-c102']) s = agentEvent(agentEvent(s, id, 'pickup'), id, 'succeed');
    r = tick(s, T0 + 5000);
    expect(r.actions.map((a) => a.type)).toEqual(['finish_stage', 'complete']);
  });

  it('honours a start time and a maintenance window: an approval that may not run yet is not released', () => {
    const clients = makeClients(2, { instances: 2 });
    let s = snapshotOf(clients, 'pending_approval');
    s = approve(s, 'c101', T0);
    s = {
      ...s,
      tasks: s.tasks.map((t) => (t.id === 't-c101' ? { ...t, requestedStartTime: T0 + 60_000 } : t)),
    };
    let r = tick(s, T0);
    expect(of(r.actions, 'enqueue')).toEqual([]);
    expect(of(r.actions, 'wait_until')[0]!.at).toBe(T0 + 60_000);
    r = tick(r.s, T0 + 60_000);
    expect(of(r.actions, 'enqueue')[0]!.taskIds).toEqual(['t-c101']);
  });

  it('pauses on the first failure and releases nothing after it', () => {
    const clients = makeClients(3, { instances: 3 });
    let s = snapshotOf(clients, 'pending_approval');
    s = approve(s, 'c101', T0);
    let r = tick(s, T0);
    s = agentEvent(agentEvent(r.s, 't-c101', 'pickup', { attempt: 1 }), 't-c101', 'fail');
    s = approve(s, 'c102', T0 + 1000);
    r = tick(s, T0 + 1000);
    expect(of(r.actions, 'pause')).toEqual([expect.objectContaining({ cause: 'threshold', stage: 0 })]);
    expect(of(r.actions, 'enqueue')).toEqual([]);
    expect(of(r.actions, 'join_stage')).toEqual([]);
  });

  it('without joinRunningStage a late approval waits for the running stage to finish (the default)', () => {
    const clients = makeClients(3, { instances: 3 });
    const staged: DecidePolicy = {
      strategy: { ...immediateStrategy, joinRunningStage: false },
      component: 'backend',
    };
    let s = approve(snapshotOf(clients, 'pending_approval'), 'c101', T0);
    let r = tick(s, T0, staged);
    s = approve(agentEvent(r.s, 't-c101', 'pickup'), 'c102', T0 + 1000);
    r = tick(s, T0 + 1000, staged);
    expect(of(r.actions, 'join_stage')).toEqual([]);
    expect(of(r.actions, 'enqueue')).toEqual([]);
  });

  it('a joining stage never grows past its planned size', () => {
    const clients = makeClients(4, { instances: 4 });
    const half: DecidePolicy = {
      strategy: { ...immediateStrategy, stages: [{ kind: 'batch', count: 2 }, { kind: 'batch' }] },
      component: 'backend',
    };
    let s = approve(snapshotOf(clients, 'pending_approval'), 'c101', T0);
    let r = tick(s, T0, half);
    s = agentEvent(r.s, 't-c101', 'pickup');
    for (const id of ['c102', 'c103', 'c104']) s = approve(s, id, T0 + 1000);
    r = tick(s, T0 + 1000, half);
    expect(of(r.actions, 'join_stage')[0]!.taskIds).toHaveLength(1);
    expect(r.s.tasks.filter((t) => t.stage === 0)).toHaveLength(2);
    expect(r.s.tasks.filter((t) => t.stage === null && t.status === 'approved')).toHaveLength(2);
  });
});
