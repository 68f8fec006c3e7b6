import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/index';
import { byPointer, planSetRollback, releaseSetProblems } from '../../src/index';

const managed = new Set(['backend', 'media', 'ct']);

describe('releaseSetProblems', () => {
  it('accepts a set of distinct managed components from one registry', () => {
    expect(
      releaseSetProblems(
        [
          { component: 'backend', registry: 'registry.wrktalk.com', path: '/release_ids/0' },
          { component: 'media', registry: 'registry.wrktalk.com', path: '/release_ids/1' },
          { component: 'ct', registry: 'registry.wrktalk.com', path: '/release_ids/2' },
        ],
        managed,
      ),
    ).toEqual([]);
  });

  it('lists every problem at once: duplicate component, unmanaged component, other registry', () => {
    const problems = releaseSetProblems(
      [
        { component: 'backend', registry: 'registry.wrktalk.com', path: '/release_ids/0' },
        { component: 'backend', registry: 'registry.wrktalk.com', path: '/release_ids/1' },
        { component: 'search', registry: 'registry.wrktalk.com', path: '/release_ids/2' },
        { component: 'media', registry: 'docker.io', path: '/release_ids/3' },
      ],
      managed,
    );
    expect(problems.map((p) => [p.path, p.reason])).toEqual([
      ['/release_ids/1', 'duplicate_component'],
      ['/release_ids/2', 'unknown_component'],
      ['/release_ids/3', 'mixed_registries'],
    ]);
    expect(problems[2]!.message).toContain('docker.io');
    expect(problems[2]!.message).toContain('registry.wrktalk.com');
  });

  it('does not check components when no managed list is given', () => {
    expect(releaseSetProblems([{ component: 'search', registry: 'r.example', path: '/x' }])).toEqual([]);
  });
});

describe('planSetRollback', () => {
  const row = (
    clientId: string,
    component: string,
    version: string,
    deploymentId: string,
    finishedAt: number,
    status: HistoryEntry['status'] = 'success',
  ): HistoryEntry => ({ clientId, component, version, deploymentId, finishedAt, status, stage: 0 });

  // Two clients on different previous sets; a third that never ran media before.
  const history: HistoryEntry[] = [
    row('a', 'backend', '4.0', 'd1', 1),
    row('a', 'media', '4.0', 'd1', 1),
    row('b', 'backend', '4.2', 'd2', 2),
    row('b', 'media', '4.1', 'd3', 3),
    row('c', 'backend', '4.2', 'd2', 2),
    row('a', 'backend', '5.0', 'train', 10),
    row('a', 'media', '5.0', 'train', 10),
    row('b', 'backend', '5.0', 'train', 10),
    row('b', 'media', '5.0', 'train', 10),
    row('c', 'backend', '5.0', 'train', 10),
    row('c', 'media', '5.0', 'train', 10),
  ];

  it("returns each client's whole set to its own previous versions", () => {
    const plan = planSetRollback(history, {
      components: ['backend', 'media'],
      deploymentId: 'train',
      scope: { type: 'deployment' },
    });
    expect(plan.targets).toEqual([
      {
        clientId: 'a',
        components: [
          { component: 'backend', fromVersion: '5.0', toVersion: '4.0', toDeploymentId: 'd1' },
          { component: 'media', fromVersion: '5.0', toVersion: '4.0', toDeploymentId: 'd1' },
        ],
      },
      {
        clientId: 'b',
        components: [
          { component: 'backend', fromVersion: '5.0', toVersion: '4.2', toDeploymentId: 'd2' },
          { component: 'media', fromVersion: '5.0', toVersion: '4.1', toDeploymentId: 'd3' },
        ],
      },
    ]);
  });

  it('skips a client that lacks one component’s previous version instead of returning half its set', () => {
    const plan = planSetRollback(history, {
      components: ['backend', 'media'],
      deploymentId: 'train',
      scope: { type: 'deployment' },
    });
    expect(plan.targets.map((t) => t.clientId)).not.toContain('c');
    expect(plan.unresolved).toEqual([
      expect.objectContaining({ clientId: 'c', reason: 'no_previous_success' }),
    ]);
    expect(plan.unresolved[0]!.message).toContain('media');
  });

  it('cuts waves by batch size over whole clients', () => {
    const plan = planSetRollback(history, {
      components: ['backend', 'media'],
      deploymentId: 'train',
      scope: { type: 'deployment' },
      batchSize: 1,
    });
    expect(plan.waves).toEqual([['a'], ['b']]);
  });
});

describe('byPointer', () => {
  it('orders array indexes numerically', () => {
    const paths = ['/release_ids/10', '/release_ids/2', '/versions/ct', '/release_ids/1'].map((path) => ({
      path,
    }));
    expect(paths.sort(byPointer).map((p) => p.path)).toEqual([
      '/release_ids/1',
      '/release_ids/2',
      '/release_ids/10',
      '/versions/ct',
    ]);
  });
});
