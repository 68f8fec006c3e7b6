import { describe, expect, it } from 'vitest';
import { type HistoryEntry, planRollback } from '../../src/rollback/plan-rollback';

const h = (
  deploymentId: string,
  clientId: string,
  version: string,
  finishedAt: number,
  status: HistoryEntry['status'] = 'success',
  stage: number | null = null,
): HistoryEntry => ({
  deploymentId,
  clientId,
  component: 'backend',
  version,
  status,
  finishedAt,
  stage,
});

const history: HistoryEntry[] = [
  h('d1', 'a', 'v1', 1),
  h('d1', 'b', 'v1', 1),
  h('d2', 'a', 'v2', 2),
  h('d2', 'b', 'v2', 2, 'failed'),
  h('d3', 'a', 'v3', 3),
  h('rb1', 'a', 'v2', 4), // a rollback deployment put a back on v2
  { ...h('d1', 'a', 'm1', 1), component: 'media' },
  h('d9', 'a', 'v4', 9, 'success', 0),
  h('d9', 'b', 'v4', 9, 'failed', 0),
  h('d9', 'c', 'v4', 9, 'success', 1), // c: first install, nothing earlier
  h('d9', 'd', 'v4', 9, 'cancelled', 1),
  h('d10', 'a', 'v5', 10), // newer than the failed deployment: never a target
];

describe('planRollback', () => {
  it('failed stage (default scope): succeeded and failed clients, each to its immediately previous good version', () => {
    const plan = planRollback(history, {
      component: 'backend',
      deploymentId: 'd9',
      scope: { type: 'failed_stage', stage: 0 },
    });
    expect(plan.targets).toEqual([
      { clientId: 'a', fromVersion: 'v4', toVersion: 'v2', toDeploymentId: 'rb1' },
      { clientId: 'b', fromVersion: 'v4', toVersion: 'v1', toDeploymentId: 'd1' },
    ]);
    expect(plan.unresolved).toEqual([]);
  });

  it('whole deployment: clients with no earlier success are reported, not guessed; untouched (cancelled) ones skipped', () => {
    const plan = planRollback(history, {
      component: 'backend',
      deploymentId: 'd9',
      scope: { type: 'deployment' },
    });
    expect(plan.targets.map((t) => t.clientId)).toEqual(['a', 'b']);
    expect(plan.unresolved).toEqual([
      {
        clientId: 'c',
        reason: 'no_previous_success',
        message: "client 'c' has no successful backend version before v4",
      },
    ]);
  });

  it('named clients; unknown ones are reported', () => {
    const plan = planRollback(history, {
      component: 'backend',
      deploymentId: 'd9',
      scope: { type: 'clients', clientIds: ['b', 'zz'] },
    });
    expect(plan.targets.map((t) => t.clientId)).toEqual(['b']);
    expect(plan.unresolved.map((u) => [u.clientId, u.reason])).toEqual([['zz', 'not_in_deployment']]);
  });

  it('skips an earlier success of the same version being rolled back', () => {
    const plan = planRollback(
      [h('d1', 'a', 'v1', 1), h('d2', 'a', 'v2', 2), h('d3', 'a', 'v2', 3, 'failed')],
      {
        component: 'backend',
        deploymentId: 'd3',
        scope: { type: 'deployment' },
      },
    );
    expect(plan.targets[0]?.toVersion).toBe('v1');
  });

  it('splits targets into waves of batchSize', () => {
    const many = Array.from({ length: 5 }, (_, i) => [
      h('d1', `c${i}`, 'v1', 1),
      h('d2', `c${i}`, 'v2', 2),
    ]).flat();
    const plan = planRollback(many, {
      component: 'backend',
      deploymentId: 'd2',
      scope: { type: 'deployment' },
      batchSize: 2,
    });
    expect(plan.waves).toEqual([['c0', 'c1'], ['c2', 'c3'], ['c4']]);
  });
});
