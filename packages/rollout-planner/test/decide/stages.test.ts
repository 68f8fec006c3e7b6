import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/clients/client';
import type { DecideAction } from '../../src/decide/actions';
import { applyActions } from '../../src/decide/apply-actions';
import { decide, requiredSuccesses } from '../../src/decide/decide';
import type { DecidePolicy } from '../../src/decide/policy';
import type { DeploymentSnapshot, StageRecord, TaskRow } from '../../src/decide/snapshot';
import { resolveStrategy, type Strategy } from '../../src/strategy/strategy';
import { makeClients } from '../helpers';
import { agentEvent, simulate, snapshotOf } from './sim';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MIN = 60_000;

const types = (actions: DecideAction[]) => actions.map((a) => a.type);
const of = <T extends DecideAction['type']>(actions: DecideAction[], type: T) =>
  actions.filter((a): a is Extract<DecideAction, { type: T }> => a.type === type);

/** A deployment whose stage `stage` started at T0 with `placed` tasks in the given statuses; the rest approved. */
function withStage(
  clients: Client[],
  placed: TaskRow['status'][],
  record: Partial<StageRecord> = {},
  stage = 0,
): DeploymentSnapshot {
  const s = snapshotOf(clients);
  const earlier: StageRecord[] = Array.from({ length: stage }, (_, i) => ({
    index: i,
    startedAt: T0 - 60 * MIN,
    finishedAt: T0 - 30 * MIN,
    waitUntil: T0 - 30 * MIN,
  }));
  return {
    ...s,
    tasks: s.tasks.map((t, i) =>
      i < placed.length
        ? {
            ...t,
            stage,
            status: placed[i]!,
            attempt: placed[i] === 'queued' ? 1 : 2,
            queuedAt: placed[i] === 'queued' ? T0 : null,
          }
        : t,
    ),
    stages: [...earlier, { index: stage, startedAt: T0, finishedAt: null, waitUntil: null, ...record }],
  };
}

describe('decide: a stage never succeeds without successes', () => {
  const canaryOf3: Strategy = { stages: [{ kind: 'canary', count: 3, waitSeconds: 0 }, { kind: 'batch' }] };
  const HELD = 'stage 0 (canary) holds: 0 of 3 succeeded (1 needed), 3 overdue (clients offline)';

  it.each<[string, Strategy, TaskRow['status'][], Partial<StageRecord>, number, string[]]>([
    [
      'canary, every task overdue: holds',
      canaryOf3,
      ['overdue', 'overdue', 'overdue'],
      {},
      T0,
      ['hold_stage', 'wait_until'],
    ],
    [
      'canaryMinSuccesses 2 with one success: holds',
      { ...canaryOf3, canaryMinSuccesses: 2 },
      ['success', 'overdue', 'overdue'],
      {},
      T0,
      ['hold_stage', 'wait_until'],
    ],
    [
      'canaryMinSuccesses 2 with two successes: finishes',
      { ...canaryOf3, canaryMinSuccesses: 2 },
      ['success', 'success', 'overdue'],
      {},
      T0,
      ['finish_stage', 'start_stage', 'enqueue', 'wait_until'],
    ],
    [
      'canaryMinSuccesses above the stage size is capped at it',
      { ...canaryOf3, canaryMinSuccesses: 10 },
      ['success', 'success', 'success'],
      {},
      T0,
      ['finish_stage', 'start_stage', 'enqueue', 'wait_until'],
    ],
    [
      'batch stage, every task overdue: holds',
      { stages: [{ kind: 'batch', count: 3, waitSeconds: 0 }, { kind: 'batch' }] },
      ['overdue', 'overdue', 'overdue'],
      {},
      T0,
      ['hold_stage', 'wait_until'],
    ],
    [
      'batch stage with one success, the rest overdue: finishes',
      { stages: [{ kind: 'batch', count: 3, waitSeconds: 0 }, { kind: 'batch' }] },
      ['success', 'overdue', 'overdue'],
      {},
      T0,
      ['finish_stage', 'start_stage', 'enqueue', 'wait_until'],
    ],
    [
      'a reason already recorded is not recorded again',
      canaryOf3,
      ['overdue', 'overdue', 'overdue'],
      { holdReason: HELD },
      T0,
      ['wait_until'],
    ],
    [
      'holdOverridden (an admin resumed): finishes as it is',
      canaryOf3,
      ['overdue', 'overdue', 'overdue'],
      { holdReason: HELD, holdOverridden: true },
      T0,
      ['finish_stage', 'start_stage', 'enqueue', 'wait_until'],
    ],
    [
      'at the hold timeout: pauses',
      canaryOf3,
      ['overdue', 'overdue', 'overdue'],
      { holdReason: HELD },
      T0 + 60 * MIN,
      ['pause'],
    ],
    [
      'a task still queued: neither holds nor finishes',
      canaryOf3,
      ['overdue', 'overdue', 'queued'],
      {},
      T0 + MIN,
      ['wait_until'],
    ],
  ])('%s', (_name, strategy, placed, record, now, expected) => {
    const actions = decide(withStage(makeClients(10), placed, record), now, {
      component: 'backend',
      strategy,
    });
    expect(types(actions)).toEqual(expected);
  });

  it('nothing is released past a canary that validated nothing: it holds, then pauses with the reason', () => {
    const policy: DecidePolicy = { component: 'backend', strategy: canaryOf3 };
    const r = simulate(snapshotOf(makeClients(10)), policy, T0, () => 'offline');
    // The canary started; no other stage ever did, and no task outside it was queued.
    expect(r.starts.map((s) => [s.stage, s.size])).toEqual([[0, 3]]);
    expect(r.snapshot.tasks.filter((t) => t.stage === null).every((t) => t.status === 'approved')).toBe(true);
    const held = of(r.actions.flat(), 'hold_stage');
    expect(held).toEqual([{ type: 'hold_stage', stage: 0, reason: HELD }]);
    expect(r.snapshot.stages[0]).toMatchObject({ finishedAt: null, holdReason: HELD });
    // Pickup timeout 15 min, hold timeout 60 min after the stage started.
    expect(r.snapshot.status).toBe('paused');
    expect(r.now).toBe(T0 + 60 * MIN);
    expect(of(r.actions.flat(), 'pause')).toEqual([
      {
        type: 'pause',
        cause: 'hold',
        stage: 0,
        reason: 'stage 0 (canary) held for 3600 s: 0 of 3 succeeded (1 needed), 3 overdue (clients offline)',
      },
    ]);
  });

  it('waits for the hold timeout from the stage start, as set', () => {
    const actions = decide(withStage(makeClients(10), ['overdue', 'overdue', 'overdue']), T0 + MIN, {
      component: 'backend',
      strategy: { ...canaryOf3, stageHoldTimeoutSeconds: 600 },
    });
    expect(actions.at(-1)).toEqual({ type: 'wait_until', at: T0 + 10 * MIN });
    const late = decide(withStage(makeClients(10), ['overdue', 'overdue', 'overdue']), T0 + 10 * MIN, {
      component: 'backend',
      strategy: { ...canaryOf3, stageHoldTimeoutSeconds: 600 },
    });
    expect(of(late, 'pause')[0]?.reason).toBe(
      'stage 0 (canary) held for 600 s: 0 of 3 succeeded (1 needed), 3 overdue (clients offline)',
    );
  });

  it('an overdue client that comes back and succeeds lets the held stage finish', () => {
    const policy: DecidePolicy = { component: 'backend', strategy: canaryOf3 };
    let s = withStage(makeClients(10), ['overdue', 'overdue', 'overdue'], { holdReason: HELD });
    // The agent polls again: its task is queued again and picked up; the stage runs, it no longer holds.
    s = agentEvent(s, 't-c101', 'enqueue', { queuedAt: T0 + 20 * MIN });
    s = agentEvent(s, 't-c101', 'pickup', { attempt: 2, leaseExpiresAt: T0 + 35 * MIN });
    const running = decide(s, T0 + 20 * MIN, policy);
    expect(running[0]).toEqual({ type: 'hold_stage', stage: 0, reason: null });
    const applied = applyActions(s, running, T0 + 20 * MIN);
    if (!applied.ok) throw applied.error;
    s = agentEvent(applied.snapshot, 't-c101', 'succeed', {
      finishedAt: T0 + 21 * MIN,
      leaseExpiresAt: null,
    });
    const done = decide(s, T0 + 21 * MIN, policy);
    expect(types(done)).toEqual(['finish_stage', 'start_stage', 'enqueue', 'wait_until']);
    expect(of(done, 'start_stage')[0]!.stage).toBe(1);
  });

  it.each<[string, 'canary' | 'batch' | 'trailing', number, number, number]>([
    ['canary, default minimum', 'canary', 3, 1, 1],
    ['canary, minimum 2', 'canary', 3, 2, 2],
    ['canary, minimum capped at the placed tasks', 'canary', 2, 5, 2],
    ['batch: one', 'batch', 7, 5, 1],
    ['trailing: one', 'trailing', 1, 5, 1],
    ['nothing placed: none', 'batch', 0, 5, 0],
  ])('requiredSuccesses: %s', (_name, kind, placed, canaryMinSuccesses, expected) => {
    expect(requiredSuccesses(kind, placed, resolveStrategy({ canaryMinSuccesses }))).toBe(expected);
  });
});

describe('decide: a stage waits for its planned size, bounded', () => {
  const canaryOf3: Strategy = { stages: [{ kind: 'canary', count: 3, waitSeconds: 0 }, { kind: 'batch' }] };

  /** 10 clients awaiting approval; those in `approved` approved at T0 (in that order of ids). */
  function approvals(
    approved: string[],
    strategyPatch: Partial<DeploymentSnapshot> = {},
  ): DeploymentSnapshot {
    const s = snapshotOf(makeClients(10), 'pending_approval');
    return {
      ...s,
      tasks: s.tasks.map((t) =>
        approved.includes(t.clientId)
          ? { ...t, status: 'approved', approvalStatus: 'approved', approvalSource: 'client', approvedAt: T0 }
          : t,
      ),
      ...strategyPatch,
    };
  }
  const starts = (actions: DecideAction[]) => of(actions, 'start_stage').map((a) => a.taskIds);

  it.each<[string, string[], Strategy, number, string[][], number | null]>([
    ['a canary of 3 with one approval waits', ['c101'], canaryOf3, T0 + MIN, [], T0 + 60 * MIN],
    ['two approvals: still waits', ['c101', 'c102'], canaryOf3, T0 + MIN, [], T0 + 60 * MIN],
    [
      'three approvals: starts with 3',
      ['c101', 'c102', 'c103'],
      canaryOf3,
      T0 + MIN,
      [['t-c101', 't-c102', 't-c103']],
      T0 + 16 * MIN,
    ],
    [
      'at the fill timeout: starts with whoever is approved',
      ['c101'],
      canaryOf3,
      T0 + 60 * MIN,
      [['t-c101']],
      T0 + 75 * MIN,
    ],
    [
      'stageFillSeconds 0: starts at once with whoever is approved',
      ['c101'],
      { ...canaryOf3, stageFillSeconds: 0 },
      T0,
      [['t-c101']],
      T0 + 15 * MIN,
    ],
    [
      'a shorter fill bound',
      ['c101'],
      { ...canaryOf3, stageFillSeconds: 300 },
      T0 + 5 * MIN,
      [['t-c101']],
      T0 + 20 * MIN,
    ],
  ])('%s', (_name, approved, strategy, now, expected, wakeAt) => {
    const actions = decide(approvals(approved), now, { component: 'backend', strategy });
    expect(starts(actions)).toEqual(expected);
    expect(of(actions, 'wait_until')[0]?.at ?? null).toBe(wakeAt);
  });

  it('starts when no approval is outstanding any more, even below its planned size', () => {
    // 20 clients, canary 50%: the canary of 10 ran; then 8 of the other 10 rejected. The batch is planned at 6 of the
    // 12 left live, but only 2 can ever join it: it starts with them at once.
    const s = snapshotOf(makeClients(20));
    const tasks = s.tasks.map((t, i): TaskRow => {
      if (i < 10) return { ...t, stage: 0, status: 'success', attempt: 1 };
      if (i < 18) return { ...t, status: 'rejected', approvalStatus: 'rejected', approvedAt: null };
      return { ...t, approvedAt: T0 };
    });
    const stages = [{ index: 0, startedAt: T0 - 60 * MIN, finishedAt: T0 - 30 * MIN, waitUntil: T0 }];
    const strategy: Strategy = {
      stages: [{ kind: 'canary', percent: 50 }, { kind: 'batch', count: 6 }, { kind: 'batch' }],
    };
    const actions = decide({ ...s, tasks, stages }, T0 + MIN, { component: 'backend', strategy });
    expect(starts(actions)).toEqual([['t-c119', 't-c120']]);
    // With an approval still outstanding it would wait.
    const waiting = tasks.map((t, i) => (i === 10 ? { ...t, status: 'pending_approval' as const } : t));
    expect(
      starts(decide({ ...s, tasks: waiting, stages }, T0 + MIN, { component: 'backend', strategy })),
    ).toEqual([]);
  });

  it('the fill bound counts from the end of the previous soak, not from an earlier approval', () => {
    const s = approvals(['c101', 'c102', 'c103', 'c104']);
    const tasks = s.tasks.map((t, i) =>
      i < 3 ? { ...t, stage: 0, status: 'success' as const, attempt: 1 } : t,
    );
    // Stage 0 (3) done, soak until T0 + 10 min; stage 1 is planned at 7 with one approval (from T0).
    const stages = [{ index: 0, startedAt: T0, finishedAt: T0 + 5 * MIN, waitUntil: T0 + 10 * MIN }];
    const policy: DecidePolicy = { component: 'backend', strategy: canaryOf3 };
    const at = (now: number) => decide({ ...s, tasks, stages }, now, policy);
    expect(starts(at(T0 + 10 * MIN))).toEqual([]);
    expect(of(at(T0 + 10 * MIN), 'wait_until')[0]!.at).toBe(T0 + 70 * MIN);
    expect(starts(at(T0 + 70 * MIN))).toEqual([['t-c104']]);
  });

  it('a trailing stage does not wait', () => {
    const s = approvals(['c101', 'c102', 'c103', 'c104']);
    const tasks = s.tasks.map((t, i) =>
      i < 3 ? { ...t, stage: i === 0 ? 0 : 1, status: 'success' as const } : t,
    );
    const stages = [
      { index: 0, startedAt: T0, finishedAt: T0, waitUntil: T0 },
      { index: 1, startedAt: T0, finishedAt: T0, waitUntil: T0 },
    ];
    const strategy: Strategy = {
      stages: [
        { kind: 'canary', count: 1 },
        { kind: 'batch', count: 2 },
      ],
    };
    const actions = decide({ ...s, tasks, stages }, T0 + MIN, { component: 'backend', strategy });
    // 10 live: the plan is 1, 2 and an implicit rest of 7; stage 2 is that rest, planned (it waits).
    expect(starts(actions)).toEqual([]);
    const trailing = {
      ...s,
      tasks,
      stages: [...stages, { index: 2, startedAt: T0, finishedAt: T0, waitUntil: T0 }],
    };
    const strategy2: Strategy = {
      stages: [{ kind: 'canary', count: 1 }, { kind: 'batch', count: 2 }, { kind: 'batch' }],
    };
    const t = decide(trailing, T0 + MIN, { component: 'backend', strategy: strategy2 });
    expect(of(t, 'start_stage')).toMatchObject([{ stage: 3, kind: 'trailing', taskIds: ['t-c104'] }]);
  });

  it('a planned canary of 3 with clients approving one at a time, a minute apart, runs with 3 clients', () => {
    const policy: DecidePolicy = { component: 'backend', strategy: canaryOf3 };
    let s = snapshotOf(makeClients(10), 'pending_approval');
    const sizes: number[] = [];
    for (let k = 1; k <= 5; k++) {
      const now = T0 + k * MIN;
      s = agentEvent(s, `t-c10${k}`, 'approve', { approvalStatus: 'approved', approvedAt: now });
      const actions = decide(s, now, policy);
      sizes.push(...of(actions, 'start_stage').map((a) => a.taskIds.length));
      const r = applyActions(s, actions, now);
      if (!r.ok) throw r.error;
      s = r.snapshot;
    }
    expect(sizes).toEqual([3]);
    expect(s.tasks.filter((t) => t.stage === 0).map((t) => t.clientId)).toEqual(['c101', 'c102', 'c103']);
  });
});

describe('decide: stage membership', () => {
  const batchOf4: DecidePolicy = {
    component: 'backend',
    strategy: {
      stages: [{ kind: 'batch', count: 4, waitSeconds: 0 }, { kind: 'batch' }],
      stageFillSeconds: 0,
    },
  };

  it('spreads a batch across Argo CD instances: a batch of 4 over A and B gets 2 + 2', () => {
    // Task order puts all of instance A first; membership must not follow it.
    const clients: Client[] = [
      ...makeClients(4, { prefix: 'a' }).map((c) => ({ ...c, argocdInstance: 'A' })),
      ...makeClients(4, { prefix: 'b' }).map((c) => ({ ...c, argocdInstance: 'B' })),
    ];
    const start = of(decide(snapshotOf(clients), T0, batchOf4), 'start_stage')[0]!;
    expect(start.taskIds).toEqual(['t-a101', 't-b101', 't-a102', 't-b102']);
    expect(start.batches.map((b) => [b.key, b.clientIds.length])).toEqual([
      ['argocd:A', 2],
      ['argocd:B', 2],
    ]);
  });

  it('is the same whatever the task order: canary-labelled first, then round-robin by instance, by client id', () => {
    const clients = makeClients(12, { instances: 3 });
    clients[9]!.labels = { canary: 'true' };
    clients[4]!.labels = { canary: 'true' };
    const s = snapshotOf(clients);
    const reversed: DeploymentSnapshot = {
      ...s,
      tasks: s.tasks.slice().reverse(),
      clients: clients.slice().reverse(),
    };
    const shuffled: DeploymentSnapshot = {
      ...s,
      tasks: [...s.tasks.filter((_, i) => i % 2 === 1), ...s.tasks.filter((_, i) => i % 2 === 0)],
    };
    const expected = of(decide(s, T0, batchOf4), 'start_stage')[0]!.taskIds;
    // c105 (argo-1) and c110 (argo-0) are canaries; then argo-0 (c101, c104, …), argo-1, argo-2 by turns.
    expect(expected).toEqual(['t-c110', 't-c105', 't-c101', 't-c102']);
    for (const x of [reversed, shuffled])
      expect(of(decide(x, T0, batchOf4), 'start_stage')[0]!.taskIds).toEqual(expected);
  });
});

describe('decide: a deployment waiting for its requested start time', () => {
  const policy: DecidePolicy = {
    component: 'backend',
    approval: { autoApprovePolicies: [{ id: 'premium', labelSelector: 'tier=premium' }] },
  };

  it('takes approvals but neither starts nor places anything before it, then starts at it', () => {
    const s = snapshotOf(makeClients(4), 'pending_approval', { status: 'created', startAt: T0 + 30 * MIN });
    const before = decide(s, T0, policy);
    expect(types(before)).toEqual(['auto_approve', 'wait_until']);
    expect(of(before, 'wait_until')[0]!.at).toBe(T0 + 30 * MIN);
    const applied = applyActions(s, before, T0);
    if (!applied.ok) throw applied.error;
    expect(applied.snapshot.status).toBe('created');
    const at = decide(applied.snapshot, T0 + 30 * MIN, { ...policy, strategy: { stageFillSeconds: 0 } });
    expect(types(at).slice(0, 2)).toEqual(['start', 'start_stage']);
  });

  it('a start time already past: starts at once', () => {
    const s = snapshotOf(makeClients(4), 'approved', { status: 'created', startAt: T0 - MIN });
    expect(types(decide(s, T0, policy))[0]).toBe('start');
  });

  it('the stage fill bound counts from the start time, not from approvals before it', () => {
    const s = snapshotOf(makeClients(10), 'pending_approval', { status: 'created', startAt: T0 + 60 * MIN });
    const tasks = s.tasks.map((t, i) =>
      i === 0
        ? {
            ...t,
            status: 'approved' as const,
            approvalStatus: 'approved' as const,
            approvedAt: T0 - 120 * MIN,
          }
        : t,
    );
    const at = decide({ ...s, tasks }, T0 + 60 * MIN, {
      component: 'backend',
      strategy: { stages: [{ kind: 'canary', count: 3 }, { kind: 'batch' }] },
    });
    expect(types(at)).toEqual(['start', 'wait_until']);
    expect(of(at, 'wait_until')[0]!.at).toBe(T0 + 120 * MIN);
  });
});
