import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Client } from '../src/clients/client';
import { applyActions } from '../src/decide/apply-actions';
import { decide } from '../src/decide/decide';
import type { DecidePolicy } from '../src/decide/policy';
import type { DeploymentSnapshot, StageRecord, TaskRow } from '../src/decide/snapshot';
import { planRollout } from '../src/plan/plan-rollout';
import { type HistoryEntry, planRollback } from '../src/rollback/plan-rollback';
import { TASK_STATUSES, type TaskStatus } from '../src/statuses';
import type { Strategy } from '../src/strategy/strategy';
import { simulate } from './decide/sim';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MIN = 60_000;

const clientArb = (id: string): fc.Arbitrary<Client> =>
  fc.record({
    id: fc.constant(id),
    labels: fc.record({ canary: fc.constantFrom('true', 'false'), tier: fc.constantFrom('premium', 'free') }),
    targetKind: fc.constantFrom('argocd' as const, 'kubernetes' as const, 'docker' as const),
    argocdInstance: fc.constantFrom('a1', 'a2', null),
    timezone: fc.constantFrom('UTC', 'Asia/Kolkata', 'America/New_York'),
    maintenanceWindows: fc.option(
      fc.constant([{ days: ['sat' as const, 'tue' as const], start: '01:00', end: '05:00' }]),
      { nil: undefined, freq: 4 },
    ),
  });

const clientsArb = (max: number) =>
  fc
    .integer({ min: 0, max })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => clientArb(`c${i}`))));

const strategyArb: fc.Arbitrary<Strategy> = fc.record(
  {
    stages: fc.constantFrom<Strategy['stages']>(
      undefined,
      [{ kind: 'canary', count: 1, waitSeconds: 60 }, { kind: 'batch', percent: 50 }, { kind: 'batch' }],
      [
        { kind: 'canary', percent: 10 },
        { kind: 'batch', count: 3 },
      ],
      [{ kind: 'batch' }],
    ),
    maxBatchSize: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    maxConcurrencyPerInstance: fc.integer({ min: 1, max: 4 }),
    onFailure: fc.constantFrom('pause' as const, 'rollback' as const),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
  },
  { requiredKeys: [] },
);

describe('planRollout invariants', () => {
  it('every client is placed in exactly one non-empty stage, canary stages and canary-labelled clients first, same input same output', () => {
    fc.assert(
      fc.property(clientsArb(60), strategyArb, (clients, strategy) => {
        const r = planRollout({ clients, strategy });
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const placed = r.plan.stages.flatMap((s) => s.clientIds);
        expect(placed.slice().sort()).toEqual(clients.map((c) => c.id).sort());
        expect(r.plan.stages.every((s) => s.size > 0 && s.size === s.clientIds.length)).toBe(true);
        const kinds = r.plan.stages.map((s) => s.kind);
        expect(kinds.indexOf('batch') === -1 || kinds.lastIndexOf('canary') < kinds.indexOf('batch')).toBe(
          true,
        );
        const isCanary = new Map(clients.map((c) => [c.id, c.labels.canary === 'true']));
        const flags = placed.map((id) => isCanary.get(id));
        expect(flags.indexOf(false) === -1 || flags.lastIndexOf(true) < flags.indexOf(false)).toBe(true);
        for (const s of r.plan.stages) {
          expect(s.batches.flatMap((b) => b.clientIds)).toHaveLength(s.size);
          expect(
            s.batches.every((b) => b.clientIds.length <= (strategy.maxConcurrencyPerInstance ?? 10)),
          ).toBe(true);
        }
        expect(planRollout({ clients, strategy })).toEqual(r);
      }),
      { numRuns: 200 },
    );
  });
});

const PLACED: TaskStatus[] = [
  'queued',
  'in_progress',
  'success',
  'failed',
  'timed_out',
  'overdue',
  'rolled_back',
];

const snapshotArb: fc.Arbitrary<{ snapshot: DeploymentSnapshot; now: number }> = clientsArb(30).chain(
  (clients) =>
    fc
      .record({
        status: fc.constantFrom(
          'created' as const,
          'running' as const,
          'paused' as const,
          'completed' as const,
        ),
        stageCount: fc.integer({ min: 0, max: 6 }),
        lastFinished: fc.boolean(),
        now: fc.integer({ min: T0, max: T0 + 14 * 24 * 60 * MIN }),
        rows: fc.tuple(
          ...clients.map(() =>
            fc.record({
              status: fc.constantFrom(...TASK_STATUSES),
              stagePick: fc.nat(10),
              attempt: fc.integer({ min: 0, max: 3 }),
              lease: fc.option(fc.integer({ min: -60, max: 60 }), { nil: null }),
              queued: fc.option(fc.integer({ min: -60, max: 0 }), { nil: null }),
              requested: fc.option(fc.integer({ min: -60, max: 600 }), { nil: null }),
            }),
          ),
        ),
      })
      .map(({ status, stageCount, lastFinished, now, rows }) => {
        const stages: StageRecord[] = Array.from({ length: stageCount }, (_, i) => {
          const done = i < stageCount - 1 || lastFinished;
          return {
            index: i,
            startedAt: now - 60 * MIN,
            finishedAt: done ? now - 30 * MIN : null,
            waitUntil: done ? now - 20 * MIN : null,
          };
        });
        const tasks: TaskRow[] = rows.map((r, i) => {
          const placeable =
            stageCount > 0 &&
            (PLACED.includes(r.status) || (r.status === 'cancelled' && r.stagePick % 2 === 0));
          return {
            id: `t${i}`,
            clientId: clients[i]!.id,
            status: r.status,
            approvalStatus: 'pending',
            approvedAt: null,
            requestedStartTime: r.requested === null ? null : now + r.requested * MIN,
            stage: placeable ? r.stagePick % stageCount : null,
            attempt: r.attempt,
            leaseExpiresAt: r.lease === null ? null : now + r.lease * MIN,
            queuedAt: r.queued === null ? null : now + r.queued * MIN,
            finishedAt: null,
          };
        });
        return { snapshot: { status, stages, tasks, clients }, now };
      }),
);

const policyArb: fc.Arbitrary<DecidePolicy> = fc.record({
  component: fc.constantFrom('backend', 'media'),
  strategy: strategyArb,
  approval: fc.record(
    {
      requireApproval: fc.boolean(),
      approvalDeadline: fc.option(fc.integer({ min: T0, max: T0 + 14 * 24 * 60 * MIN }), { nil: null }),
      onDeadline: fc.constantFrom('auto_approve' as const, 'expire' as const),
      autoApprovePolicies: fc.constantFrom(
        [],
        [{ id: 'premium', labelSelector: 'tier=premium', components: ['backend'] }],
      ),
    },
    { requiredKeys: [] },
  ),
});

describe('decide invariants', () => {
  it('a decision never moves a task through an illegal transition, never places an unapproved or already placed task, never finishes a stage without a success, and is deterministic', () => {
    fc.assert(
      fc.property(snapshotArb, policyArb, ({ snapshot, now }, policy) => {
        const actions = decide(snapshot, now, policy);
        expect(decide(snapshot, now, policy)).toEqual(actions);
        const applied = applyActions(snapshot, actions, now);
        if (!applied.ok) throw applied.error;
        const autoApproved = new Set(actions.flatMap((a) => (a.type === 'auto_approve' ? a.taskIds : [])));
        const before = new Map(snapshot.tasks.map((t) => [t.id, t]));
        for (const a of actions) {
          if (a.type !== 'start_stage') continue;
          expect(a.stage).toBe(snapshot.stages.length);
          if (a.stage === 0) expect(['canary', 'batch']).toContain(a.kind);
          for (const id of a.taskIds) {
            const t = before.get(id)!;
            expect(t.stage).toBeNull();
            expect(t.status === 'approved' || autoApproved.has(id)).toBe(true);
          }
        }
        // A stage never finishes with nothing validated unless an admin accepted it.
        for (const a of actions) {
          if (a.type !== 'finish_stage') continue;
          const record = snapshot.stages[a.stage]!;
          const inStage = snapshot.tasks.filter((t) => t.stage === a.stage);
          const succeeded = inStage.filter((t) => t.status === 'success').length;
          if (inStage.length > 0 && !record.holdOverridden && !record.thresholdOverridden) {
            expect(succeeded).toBeGreaterThan(0);
          }
        }
        const waits = actions.filter((a) => a.type === 'wait_until');
        expect(waits.length).toBeLessThanOrEqual(1);
        for (const w of waits) if (w.type === 'wait_until') expect(w.at).toBeGreaterThan(now);
      }),
      { numRuns: 300 },
    );
  });

  it('a whole rollout places every approved task in exactly one stage and never an unapproved one; the first stage is the canary', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.array(fc.constantFrom('approved', 'pending_approval', 'rejected'), {
          minLength: 80,
          maxLength: 80,
        }),
        (n, approvals) => {
          const clients: Client[] = Array.from({ length: n }, (_, i) => ({
            id: `c${i}`,
            labels: {},
            targetKind: 'docker',
          }));
          const tasks: TaskRow[] = clients.map((c, i) => ({
            id: `t${i}`,
            clientId: c.id,
            status: approvals[i] as TaskStatus,
            approvalStatus: 'pending',
            approvedAt: null,
            requestedStartTime: null,
            stage: null,
            attempt: 0,
            leaseExpiresAt: null,
            queuedAt: null,
            finishedAt: null,
          }));
          const r = simulate(
            { status: 'created', stages: [], tasks, clients },
            { component: 'backend', approval: { approvalDeadline: T0 + 60 * MIN } },
            T0,
          );
          const approvedIds = tasks.filter((t) => t.status === 'approved').map((t) => t.id);
          const placed = r.snapshot.tasks.filter((t) => t.stage !== null).map((t) => t.id);
          expect(placed.sort()).toEqual(approvedIds.sort());
          expect(r.starts.reduce((sum, s) => sum + s.size, 0)).toBe(approvedIds.length);
          if (r.starts.length > 0) expect(r.starts[0]!.kind).toBe('canary');
          expect(r.snapshot.status).toBe('completed');
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('planRollback invariants', () => {
  it('a rollback never targets a version newer than (or equal to) the one being rolled back', () => {
    const entryArb = fc.record({
      deploymentId: fc.constantFrom('d1', 'd2', 'd3', 'd4'),
      clientId: fc.constantFrom('a', 'b', 'c'),
      component: fc.constant('backend'),
      version: fc.constantFrom('v1', 'v2', 'v3', 'v4'),
      status: fc.constantFrom<HistoryEntry['status']>('success', 'failed', 'timed_out', 'rolled_back'),
      finishedAt: fc.integer({ min: 0, max: 100 }),
      stage: fc.constantFrom(0, 1),
    });
    fc.assert(
      fc.property(
        fc.array(entryArb, { maxLength: 40 }),
        fc.constantFrom('d1', 'd2', 'd3', 'd4'),
        (history, dep) => {
          const plan = planRollback(history, {
            component: 'backend',
            deploymentId: dep,
            scope: { type: 'deployment' },
          });
          for (const t of plan.targets) {
            const rows = history.filter((h) => h.deploymentId === dep && h.clientId === t.clientId);
            const from = rows.reduce((a, b) => (b.finishedAt > a.finishedAt ? b : a));
            const to = history.filter(
              (h) =>
                h.deploymentId === t.toDeploymentId &&
                h.clientId === t.clientId &&
                h.version === t.toVersion &&
                h.status === 'success',
            );
            expect(to.some((h) => h.finishedAt < from.finishedAt)).toBe(true);
            expect(t.toVersion).not.toBe(t.fromVersion);
            expect(t.toDeploymentId).not.toBe(dep);
          }
          const covered = new Set([
            ...plan.targets.map((t) => t.clientId),
            ...plan.unresolved.map((u) => u.clientId),
          ]);
          expect(covered.size).toBe(plan.targets.length + plan.unresolved.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
