import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/clients/client';
import type { DecideAction } from '../../src/decide/actions';
import { applyActions } from '../../src/decide/apply-actions';
import { decide } from '../../src/decide/decide';
import type { DecidePolicy } from '../../src/decide/policy';
import { makeClients } from '../helpers';
import { agentEvent, simulate, snapshotOf, type task } from './sim';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MIN = 60_000;
const policy: DecidePolicy = { component: 'backend' };

function types(actions: DecideAction[]): string[] {
  return actions.map((a) => a.type);
}
function find<T extends DecideAction['type']>(
  actions: DecideAction[],
  type: T,
): Extract<DecideAction, { type: T }> {
  const a = actions.find((x) => x.type === type);
  if (a === undefined) throw new Error(`no ${type} in ${types(actions).join(',')}`);
  return a as Extract<DecideAction, { type: T }>;
}

describe('decide: stages', () => {
  it('a created deployment starts and places the canary', () => {
    const actions = decide(snapshotOf(makeClients(50), 'approved', { status: 'created' }), T0, policy);
    expect(types(actions)).toEqual(['start', 'start_stage', 'enqueue', 'wait_until']);
    expect(find(actions, 'wait_until').at).toBe(T0 + 15 * MIN);
    expect(find(actions, 'start_stage')).toMatchObject({
      stage: 0,
      kind: 'canary',
      taskIds: ['t-c101', 't-c102'],
    });
  });

  it("runs the customer's 50-client example: 2, 5, 10, 15, 18 with waits of 10, 10, 5, 5 minutes", () => {
    const r = simulate(snapshotOf(makeClients(50)), policy, T0);
    expect(r.snapshot.status).toBe('completed');
    expect(r.starts.map((s) => [s.kind, s.size, (s.at - T0) / MIN])).toEqual([
      ['canary', 2, 0],
      ['batch', 5, 10],
      ['batch', 10, 20],
      ['batch', 15, 25],
      ['batch', 18, 30],
    ]);
    expect(r.snapshot.tasks.every((t) => t.status === 'success')).toBe(true);
  });

  it('waits for the soak time: finish_stage then wait_until', () => {
    let s = snapshotOf(makeClients(50));
    const first = applyActions(s, decide(s, T0, policy), T0);
    if (!first.ok) throw first.error;
    s = agentEvent(first.snapshot, 't-c101', 'pickup', { attempt: 1 });
    s = agentEvent(s, 't-c101', 'succeed');
    s = agentEvent(s, 't-c102', 'pickup', { attempt: 1 });
    s = agentEvent(s, 't-c102', 'succeed');
    const actions = decide(s, T0 + MIN, policy);
    expect(actions).toEqual([
      { type: 'finish_stage', stage: 0, waitUntil: T0 + 11 * MIN },
      { type: 'wait_until', at: T0 + 11 * MIN },
    ]);
  });

  it('is deterministic: same snapshot, same time, same actions', () => {
    const s = snapshotOf(makeClients(200, { instances: 3 }));
    expect(decide(s, T0, policy)).toEqual(decide(s, T0, policy));
  });

  it('clients may come aligned with tasks, in any order, or as a map: same actions', () => {
    const clients = makeClients(120, { instances: 3 });
    clients[5]!.labels = { canary: 'true' };
    const aligned = snapshotOf(clients);
    const expected = decide(aligned, T0, policy);
    expect(decide({ ...aligned, clients: clients.slice().reverse() }, T0, policy)).toEqual(expected);
    expect(decide({ ...aligned, clients: new Map(clients.map((c) => [c.id, c])) }, T0, policy)).toEqual(
      expected,
    );
    expect(find(expected, 'start_stage').taskIds[0]).toBe('t-c106');
  });

  it('groups a stage into per-instance batches', () => {
    const actions = decide(snapshotOf(makeClients(100, { instances: 2 })), T0, {
      component: 'backend',
      strategy: { maxConcurrencyPerInstance: 1 },
    });
    expect(find(actions, 'start_stage').batches.map((b) => [b.key, b.wave])).toEqual([
      ['argocd:argo-0', 0],
      ['argocd:argo-0', 1],
      ['argocd:argo-1', 0],
      ['argocd:argo-1', 1],
    ]);
  });
});

describe('decide: per-instance concurrency', () => {
  const limited: DecidePolicy = {
    component: 'backend',
    strategy: {
      stages: [{ kind: 'batch', waitSeconds: 0 }],
      maxConcurrencyPerInstance: 2,
    },
  };

  it('queues at most maxConcurrencyPerInstance tasks of one instance; the rest of the stage waits placed', () => {
    const s = snapshotOf(makeClients(5));
    const actions = decide(s, T0, limited);
    expect(find(actions, 'start_stage').taskIds).toHaveLength(5);
    expect(find(actions, 'enqueue')).toEqual({
      type: 'enqueue',
      taskIds: ['t-c101', 't-c102'],
      release: 'stage',
    });
    const r = applyActions(s, actions, T0);
    if (!r.ok) throw r.error;
    expect(r.snapshot.tasks.filter((t) => t.status === 'queued')).toHaveLength(2);
    expect(r.snapshot.tasks.filter((t) => t.status === 'approved' && t.stage === 0)).toHaveLength(3);
    // Nothing else moves while both slots are taken (queued or in progress).
    let next = agentEvent(r.snapshot, 't-c101', 'pickup', { attempt: 1, leaseExpiresAt: T0 + 15 * MIN });
    expect(decide(next, T0 + 1000, limited).filter((a) => a.type === 'enqueue')).toEqual([]);
    // One finishes: exactly one slot frees, and the next placed task takes it.
    next = agentEvent(next, 't-c101', 'succeed', { finishedAt: T0 + 2000, leaseExpiresAt: null });
    expect(find(decide(next, T0 + 2000, limited), 'enqueue')).toEqual({
      type: 'enqueue',
      taskIds: ['t-c103'],
      release: 'slot',
    });
  });

  it('counts slots per Argo CD instance: two instances each get their own', () => {
    const actions = decide(snapshotOf(makeClients(6, { instances: 2 })), T0, limited);
    // Clients alternate argo-0 / argo-1: the first two of each instance are queued.
    expect(find(actions, 'enqueue').taskIds).toEqual(['t-c101', 't-c102', 't-c103', 't-c104']);
  });

  it('does not limit plain Kubernetes, Docker or instance-less Argo CD clients: each is its own target', () => {
    const own: Client[] = [
      ...makeClients(3, { prefix: 'k' }).map((c) => ({ ...c, targetKind: 'kubernetes' as const })),
      ...makeClients(3, { prefix: 'd' }).map((c) => ({ ...c, targetKind: 'docker' as const })),
      ...makeClients(3, { prefix: 'a' }).map((c) => ({ ...c, argocdInstance: null })),
    ];
    expect(find(decide(snapshotOf(own), T0, limited), 'enqueue').taskIds).toHaveLength(9);
  });

  it('a stage finishes only when its last window has settled, and the whole run completes', () => {
    const r = simulate(snapshotOf(makeClients(5)), limited, T0);
    expect(r.snapshot.status).toBe('completed');
    expect(r.starts.map((x) => x.size)).toEqual([5]);
    // Every enqueue released at most two tasks at a time.
    const released = r.actions.flat().filter((a) => a.type === 'enqueue');
    expect(released.map((a) => a.taskIds.length)).toEqual([2, 2, 1]);
  });

  it('retries wait for a slot too', () => {
    const s0 = snapshotOf(makeClients(3));
    const first = applyActions(s0, decide(s0, T0, limited), T0);
    if (!first.ok) throw first.error;
    let s = agentEvent(first.snapshot, 't-c101', 'pickup', { attempt: 1, leaseExpiresAt: T0 + MIN });
    s = agentEvent(s, 't-c101', 'fail', { finishedAt: T0, leaseExpiresAt: null });
    s = agentEvent(s, 't-c102', 'pickup', { attempt: 1, leaseExpiresAt: T0 + MIN });
    // c101 failed (retryable) and c103 waits; one slot is free: the retry, which comes first, takes it.
    const actions = decide(s, T0 + 1000, { ...limited, strategy: { ...limited.strategy, maxAttempts: 2 } });
    expect(find(actions, 'retry').taskIds).toEqual(['t-c101']);
    expect(actions.some((a) => a.type === 'enqueue')).toBe(false);
  });
});

describe('decide: approval-aware waves', () => {
  it('partial approvals: only approved tasks are placed; pending and rejected never block a stage', () => {
    const clients = makeClients(50);
    const s = snapshotOf(clients, 'pending_approval');
    const tasks = s.tasks.map((t, i) =>
      i % 5 === 0
        ? { ...t, status: 'approved' as const, approvalStatus: 'approved' as const }
        : i % 5 === 1
          ? { ...t, status: 'rejected' as const, approvalStatus: 'rejected' as const }
          : t,
    );
    const actions = decide({ ...s, tasks }, T0, policy);
    const start = find(actions, 'start_stage');
    // 40 live (10 rejected): canary is 4% of 40 = 2, both approved.
    expect(start.taskIds).toEqual(['t-c101', 't-c106']);
  });

  it('a late approval joins the next stage that has not started; after the last stage it runs as a trailing batch', () => {
    const clients = makeClients(10);
    const approvedIds = new Set(['c101', 'c102', 'c103', 'c104', 'c105', 'c106', 'c107', 'c108', 'c109']);
    const base = snapshotOf(clients, 'pending_approval');
    const start = {
      ...base,
      tasks: base.tasks.map((t) =>
        approvedIds.has(t.clientId)
          ? { ...t, status: 'approved' as const, approvalStatus: 'approved' as const }
          : t,
      ),
    };
    let approvedLate = false;
    const r = simulate(start, policy, T0, () => 'success', {
      onStep: (s, now) => {
        // c110 approves after the last planned stage (index 4) started.
        if (!approvedLate && s.stages.length === 5 && now > T0) {
          approvedLate = true;
          return agentEvent(s, 't-c110', 'approve', { approvalStatus: 'approved', approvedAt: now });
        }
        return s;
      },
    });
    expect(r.starts.map((x) => [x.stage, x.kind, x.size])).toEqual([
      [0, 'canary', 1],
      [1, 'batch', 1],
      [2, 'batch', 2],
      [3, 'batch', 3],
      [4, 'batch', 2],
      [5, 'trailing', 1],
    ]);
    expect(r.snapshot.status).toBe('completed');
  });

  it('still-pending tasks keep the deployment open until the deadline', () => {
    const s = snapshotOf(makeClients(2), 'pending_approval');
    const actions = decide(s, T0, { component: 'backend', approval: { approvalDeadline: T0 + 60 * MIN } });
    expect(actions).toEqual([{ type: 'wait_until', at: T0 + 60 * MIN }]);
  });
});

describe('decide: approvals without a human', () => {
  const clients: Client[] = [
    { id: 'own', labels: {}, targetKind: 'docker', autoApprove: { all: false, components: ['backend'] } },
    { id: 'internal', labels: { tier: 'internal' }, targetKind: 'docker' },
    { id: 'other', labels: { tier: 'premium' }, targetKind: 'docker' },
  ];
  const approval = {
    autoApprovePolicies: [{ id: 'internal-tier', labelSelector: 'tier=internal', components: ['backend'] }],
  };

  it('records the client setting and the admin policy that approved', () => {
    const actions = decide(snapshotOf(clients, 'pending_approval'), T0, { component: 'backend', approval });
    expect(actions.filter((a) => a.type === 'auto_approve')).toEqual([
      { type: 'auto_approve', taskIds: ['t-own'], source: 'auto_policy', policyId: 'client_preference' },
      { type: 'auto_approve', taskIds: ['t-internal'], source: 'auto_policy', policyId: 'internal-tier' },
    ]);
    // Auto-approved tasks can be placed in the same pass (the canary of one: the first by client id).
    expect(find(actions, 'start_stage').taskIds).toEqual(['t-internal']);
  });

  it('a policy for another component does not approve', () => {
    const actions = decide(snapshotOf(clients, 'pending_approval'), T0, { component: 'media', approval });
    expect(actions.filter((a) => a.type === 'auto_approve')).toEqual([]);
  });

  it.each([
    ['auto_approve', [{ type: 'auto_approve', taskIds: ['t-other'], source: 'deadline', policyId: null }]],
    ['expire', [{ type: 'expire', taskIds: ['t-other'] }]],
  ] as const)('after the deadline a pending task is decided per policy: %s', (onDeadline, expected) => {
    const actions = decide(snapshotOf([clients[2]!], 'pending_approval'), T0, {
      component: 'backend',
      approval: { approvalDeadline: T0, onDeadline },
    });
    expect(actions.filter((a) => a.type === 'auto_approve' || a.type === 'expire')).toEqual(expected);
  });

  it('approval not required: pending tasks are approved with source not_required', () => {
    const actions = decide(snapshotOf([clients[2]!], 'pending'), T0, {
      component: 'backend',
      approval: { requireApproval: false },
    });
    expect(actions[0]).toEqual({
      type: 'auto_approve',
      taskIds: ['t-other'],
      source: 'not_required',
      policyId: null,
    });
    const applied = applyActions(snapshotOf([clients[2]!], 'pending'), actions, T0);
    expect(applied.ok && applied.snapshot.tasks[0]).toMatchObject({
      status: 'queued',
      approvalStatus: 'not_required',
      approvalSource: 'not_required',
    });
  });

  it('all rejected or expired: the deployment completes with nothing to do', () => {
    const s = snapshotOf(makeClients(3), 'rejected');
    expect(decide(s, T0, policy)).toEqual([{ type: 'complete' }]);
  });
});

describe('decide: time rules', () => {
  const kolkata: Client = {
    id: 'k',
    labels: {},
    targetKind: 'kubernetes',
    timezone: 'Asia/Kolkata',
    maintenanceWindows: [{ days: ['sat'], start: '01:00', end: '05:00' }],
  };

  it('an approved client outside its maintenance window is not placed; decide waits for the window', () => {
    const actions = decide(snapshotOf([kolkata]), T0, policy);
    expect(actions).toEqual([{ type: 'wait_until', at: Date.parse('2026-11-27T19:30:00Z') }]);
    const inside = decide(snapshotOf([kolkata]), Date.parse('2026-11-27T19:30:00Z'), policy);
    expect(types(inside)).toEqual(['start_stage', 'enqueue', 'wait_until']);
  });

  it('a window-bound client does not block others: they go first, it joins a later stage', () => {
    const clients = [kolkata, ...makeClients(3)];
    const actions = decide(snapshotOf(clients), T0, {
      component: 'backend',
      strategy: { stages: [{ kind: 'canary', count: 3 }, { kind: 'batch' }] },
    });
    expect(find(actions, 'start_stage').taskIds).toEqual(['t-c101', 't-c102', 't-c103']);
  });

  it('respects requested_start_time', () => {
    const s = snapshotOf(makeClients(1));
    const later = { ...s, tasks: s.tasks.map((t) => ({ ...t, requestedStartTime: T0 + 5 * MIN })) };
    expect(decide(later, T0, policy)).toEqual([{ type: 'wait_until', at: T0 + 5 * MIN }]);
    expect(types(decide(later, T0 + 5 * MIN, policy))).toEqual(['start_stage', 'enqueue', 'wait_until']);
  });
});

describe('decide: leases, pickups, retries and thresholds', () => {
  function started(n: number, patchFirst: Parameters<typeof task>[2]) {
    const s = snapshotOf(makeClients(n));
    const tasks = s.tasks.map((t, i) => (i === 0 ? { ...t, stage: 0, ...patchFirst } : t));
    return { ...s, tasks, stages: [{ index: 0, startedAt: T0, finishedAt: null, waitUntil: null }] };
  }

  it('an offline client becomes overdue (not failed), does not trip the canary threshold and does not block a stage that has its success', () => {
    const one = started(50, { status: 'queued', queuedAt: T0 });
    const s = {
      ...one,
      tasks: one.tasks.map((t, i) =>
        i === 1 ? { ...t, stage: 0, status: 'success' as const, attempt: 1 } : t,
      ),
    };
    const actions = decide(s, T0 + 15 * MIN, policy);
    expect(types(actions)).toEqual(['mark_overdue', 'finish_stage', 'wait_until']);
    expect(find(actions, 'mark_overdue').taskIds).toEqual(['t-c101']);
  });

  it('before the pickup timeout it waits for it', () => {
    const s = started(50, { status: 'queued', queuedAt: T0 });
    expect(decide(s, T0 + MIN, policy)).toEqual([{ type: 'wait_until', at: T0 + 15 * MIN }]);
  });

  it('a silent agent past its lease is timed out and retried while attempts remain', () => {
    const s = started(50, { status: 'in_progress', attempt: 1, leaseExpiresAt: T0 + 5 * MIN });
    const actions = decide(s, T0 + 5 * MIN, policy);
    expect(types(actions)).toEqual(['mark_timed_out', 'retry', 'wait_until']);
  });

  it('a canary failure with no attempts left triggers a rollback of the failed stage and cancels the rest', () => {
    const s = started(50, { status: 'failed', attempt: 2 });
    const actions = decide(s, T0, policy);
    expect(types(actions)).toEqual(['cancel', 'trigger_rollback']);
    expect(find(actions, 'trigger_rollback')).toMatchObject({
      scope: 'failed_stage',
      stage: 0,
      clientIds: ['c101'],
    });
    expect(find(actions, 'cancel').taskIds).toHaveLength(49);
    const applied = applyActions(s, actions, T0);
    expect(applied.ok && applied.snapshot.status).toBe('rolling_back');
  });

  it('onFailure pause pauses instead', () => {
    const s = started(50, { status: 'timed_out', attempt: 2 });
    const actions = decide(s, T0, { component: 'backend', strategy: { onFailure: 'pause' } });
    expect(types(actions)).toEqual(['pause']);
  });

  it('an admin override of the stage threshold lets the rollout continue', () => {
    const s = started(50, { status: 'failed', attempt: 2 });
    const overridden = { ...s, stages: [{ ...s.stages[0]!, thresholdOverridden: true }] };
    expect(types(decide(overridden, T0, policy))).toEqual(['finish_stage', 'wait_until']);
  });

  it('a paused deployment starts nothing but still marks lapsed leases', () => {
    const s = {
      ...started(50, { status: 'in_progress', attempt: 1, leaseExpiresAt: T0 }),
      status: 'paused' as const,
    };
    expect(types(decide(s, T0, policy))).toEqual(['mark_timed_out']);
  });

  it.each([
    ['1 failure of 4 finished (ratio not judged before 5)', 4, 1, false],
    ['1 failure of 5 finished (20% > 10%)', 5, 1, true],
    ['1 failure of 10 finished (10% is not over 10%)', 10, 1, false],
    ['2 failures of 10 finished', 10, 2, true],
  ])('batch ratio threshold: %s', (_name, finished, failures, crossed) => {
    const clients = makeClients(20);
    const s = snapshotOf(clients);
    const tasks = s.tasks.map((t, i) => {
      if (i >= 20) return t;
      const status = i < failures ? 'failed' : i < finished ? 'success' : 'in_progress';
      return { ...t, stage: 1, attempt: 2, status: status as 'failed' | 'success' | 'in_progress' };
    });
    const stages = [
      { index: 0, startedAt: T0, finishedAt: T0, waitUntil: T0 },
      { index: 1, startedAt: T0, finishedAt: null, waitUntil: null },
    ];
    const actions = decide({ ...s, tasks, stages }, T0, {
      component: 'backend',
      strategy: { onFailure: 'pause' },
    });
    expect(types(actions).includes('pause')).toBe(crossed);
  });

  it('rollback scope deployment rolls back every client that ran', () => {
    const clients = makeClients(50);
    const s = snapshotOf(clients);
    const tasks = s.tasks.map((t, i) =>
      i < 2
        ? { ...t, stage: 0, status: 'success' as const, attempt: 1 }
        : i < 7
          ? { ...t, stage: 1, status: 'failed' as const, attempt: 2 }
          : t,
    );
    const stages = [
      { index: 0, startedAt: T0, finishedAt: T0, waitUntil: T0 },
      { index: 1, startedAt: T0, finishedAt: null, waitUntil: null },
    ];
    const a = decide({ ...s, tasks, stages }, T0, {
      component: 'backend',
      strategy: { rollback: { scope: 'deployment' } },
    });
    expect(find(a, 'trigger_rollback').clientIds).toEqual([
      'c101',
      'c102',
      'c103',
      'c104',
      'c105',
      'c106',
      'c107',
    ]);
    const b = decide({ ...s, tasks, stages }, T0, policy);
    expect(find(b, 'trigger_rollback').clientIds).toEqual(['c103', 'c104', 'c105', 'c106', 'c107']);
  });

  it('a full run with one offline client finishes every wave but stays open for it', () => {
    const r = simulate(snapshotOf(makeClients(50)), policy, T0, (id) =>
      id === 'c140' ? 'offline' : 'success',
    );
    expect(r.starts.map((x) => x.size)).toEqual([2, 5, 10, 15, 18]);
    expect(r.snapshot.status).toBe('running');
    expect(r.snapshot.tasks.filter((t) => t.status === 'overdue').map((t) => t.clientId)).toEqual(['c140']);
  });

  it('a transient failure is retried and the rollout completes', () => {
    const r = simulate(snapshotOf(makeClients(50)), policy, T0, (id, attempt) =>
      id === 'c101' && attempt === 1 ? 'failed' : 'success',
    );
    expect(r.snapshot.status).toBe('completed');
  });

  it('terminal deployments get no actions', () => {
    for (const status of ['completed', 'failed', 'aborted', 'rolling_back', 'rolled_back'] as const) {
      expect(decide(snapshotOf(makeClients(3), 'approved', { status }), T0, policy)).toEqual([]);
    }
  });
});
