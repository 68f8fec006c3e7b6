import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/clients/client';
import { planRollout } from '../../src/plan/plan-rollout';
import { makeClients } from '../helpers';

function sizes(n: number, strategy = {}): number[] {
  const r = planRollout({ clients: makeClients(n), strategy });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan.stages.map((s) => s.size);
}

describe('planRollout', () => {
  it("reproduces the customer's 50-client example exactly", () => {
    const r = planRollout({ clients: makeClients(50) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const stages = r.plan.stages;
    expect(stages.map((s) => s.kind)).toEqual(['canary', 'batch', 'batch', 'batch', 'batch']);
    expect(stages.map((s) => s.size)).toEqual([2, 5, 10, 15, 18]);
    expect(stages.map((s) => s.waitSeconds / 60)).toEqual([10, 10, 5, 5, 0]);
    expect(stages[0]?.clientIds).toEqual(['c101', 'c102']);
    expect(stages[1]?.clientIds).toEqual(['c103', 'c104', 'c105', 'c106', 'c107']);
    expect(stages[2]?.clientIds[0]).toBe('c108');
    expect(stages[2]?.clientIds.at(-1)).toBe('c117');
    expect(stages[3]?.clientIds[0]).toBe('c118');
    expect(stages[3]?.clientIds.at(-1)).toBe('c132');
    expect(stages[4]?.clientIds[0]).toBe('c133');
    expect(stages[4]?.clientIds.at(-1)).toBe('c150');
    expect(stages[0]?.failureThreshold).toMatchObject({ maxFailures: 0 });
    expect(stages[1]?.failureThreshold).toMatchObject({ maxFailureRatio: 0.1, minFinished: 5 });
  });

  it.each([
    ['no clients: no stages', 0, []],
    ['1 client is one stage', 1, [1]],
    ['2 clients', 2, [1, 1]],
    ['3 clients', 3, [1, 1, 1]],
    ['10 clients', 10, [1, 1, 2, 3, 3]],
    ['100 clients', 100, [4, 10, 20, 30, 36]],
    ['101 clients', 101, [4, 10, 20, 30, 37]],
    ['100,000 clients', 100_000, [4000, 10_000, 20_000, 30_000, 36_000]],
  ])('%s', (_name, n, expected) => {
    expect(sizes(n)).toEqual(expected);
  });

  it.each([
    [
      'explicit counts, rest last',
      { stages: [{ kind: 'canary', count: 3 }, { kind: 'batch', count: 7 }, { kind: 'batch' }] },
      20,
      [3, 7, 10],
    ],
    [
      'counts that do not cover the fleet get an implicit last stage',
      { stages: [{ kind: 'canary', count: 1 }] },
      5,
      [1, 4],
    ],
    [
      'counts larger than the fleet are capped',
      {
        stages: [
          { kind: 'canary', count: 2 },
          { kind: 'batch', count: 50 },
        ],
      },
      10,
      [2, 8],
    ],
    ['maxBatchSize splits big stages', { maxBatchSize: 10 }, 50, [2, 5, 10, 10, 5, 10, 8]],
  ] as const)('%s', (_name, strategy, n, expected) => {
    expect(sizes(n, strategy)).toEqual(expected);
  });

  it('places canary-labelled clients first', () => {
    const clients: Client[] = makeClients(10);
    clients[7]!.labels = { canary: 'true' };
    clients[9]!.labels = { canary: 'true' };
    const r = planRollout({
      clients,
      strategy: { stages: [{ kind: 'canary', count: 2 }, { kind: 'batch' }] },
    });
    expect(r.ok && r.plan.stages[0]?.clientIds).toEqual(['c108', 'c110']);
  });

  it('honours a custom canary label', () => {
    const clients = makeClients(4);
    clients[3]!.labels = { ring: '0' };
    const r = planRollout({
      clients,
      strategy: { canaryLabel: 'ring=0', stages: [{ kind: 'canary', count: 1 }, { kind: 'batch' }] },
    });
    expect(r.ok && r.plan.stages[0]?.clientIds).toEqual(['c104']);
  });

  it('groups each stage into per-instance batches', () => {
    const r = planRollout({
      clients: makeClients(50, { instances: 2 }),
      strategy: { maxConcurrencyPerInstance: 4 },
    });
    if (!r.ok) throw new Error('plan failed');
    // Every stage draws round-robin from argo-0 then argo-1, so argo-0 gives the odd client of stages 1 and 3 and
    // has 8 left for the last stage, argo-1 10.
    const last = r.plan.stages[4]!;
    expect(last.batches.map((b) => [b.key, b.wave, b.clientIds.length])).toEqual([
      ['argocd:argo-0', 0, 4],
      ['argocd:argo-0', 1, 4],
      ['argocd:argo-1', 0, 4],
      ['argocd:argo-1', 1, 4],
      ['argocd:argo-1', 2, 2],
    ]);
  });

  it('returns every strategy problem instead of a plan', () => {
    const r = planRollout({
      clients: makeClients(3),
      strategy: { stages: [{ kind: 'canary', percent: 150 }], maxAttempts: 0 },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.path)).toEqual(['stages[0].percent', 'maxAttempts']);
  });

  it('is deterministic', () => {
    const clients = makeClients(500, { instances: 7 });
    expect(planRollout({ clients })).toEqual(planRollout({ clients }));
  });
});
