import { describe, expect, it } from 'vitest';
import {
  type Application,
  type DeploymentLike,
  evaluateApplication,
  evaluateRollout,
  isSafeVersion,
  setHelmParameter,
} from '../../src/executors';
import { evaluateContainers, parseComposePs } from '../../src/executors/shared/docker';
import { imageRepository, imageVersion, withVersion } from '../../src/executors/shared/version';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('isSafeVersion', () => {
  it.each([
    ['2.4.0', true],
    ['v1.10', true],
    ['_build-7', true],
    [DIGEST, true],
    ['x'.repeat(128), true],
    ['x'.repeat(129), false],
    ['.hidden', false],
    ['-rf', false],
    ['v1,image.repository=evil', false],
    ['$(reboot)', false],
    ['1.0 ', false],
    ['sha256:abc', false],
    [`${DIGEST.toUpperCase()}`, false],
  ])('%j → %s', (version, safe) => {
    expect(isSafeVersion(version)).toBe(safe);
  });
});

describe('image references', () => {
  it.each([
    ['registry:5000/a/b:1.0', 'registry:5000/a/b', '1.0', 'registry:5000/a/b:2.0'],
    ['registry:5000/a/b', 'registry:5000/a/b', null, 'registry:5000/a/b:2.0'],
    [`nginx@${DIGEST}`, 'nginx', DIGEST, 'nginx:2.0'],
    [`a/b:1@${DIGEST}`, 'a/b', DIGEST, 'a/b:2.0'],
  ])('%s', (image, repository, version, moved) => {
    expect(imageRepository(image)).toBe(repository);
    expect(imageVersion(image)).toBe(version);
    expect(withVersion(image, '2.0')).toBe(moved);
  });
  it('attaches digests with @', () => {
    expect(withVersion('a/b:1.0', DIGEST)).toBe(`a/b@${DIGEST}`);
  });
});

describe('setHelmParameter', () => {
  it('replaces in place, keeps other parameters and forces strings', () => {
    const spec = {
      source: {
        helm: {
          parameters: [
            { name: 'a', value: '1' },
            { name: 'backend.image.tag', value: '1.9' },
          ],
        },
      },
    };
    expect(setHelmParameter(spec, 'backend.image.tag', '1.10').source?.helm?.parameters).toEqual([
      { name: 'a', value: '1' },
      { name: 'backend.image.tag', value: '1.10', forceString: true },
    ]);
    expect(spec.source.helm.parameters[1]?.value).toBe('1.9');
  });
  it('appends when missing and picks the Helm source of a multi-source app', () => {
    const spec = {
      source: { path: 'ignored' },
      sources: [
        { repoURL: 'git', ref: 'values' },
        { repoURL: 'charts', chart: 'wrktalk' },
      ],
    };
    const next = setHelmParameter(spec, 'ct.image.tag', '3.0');
    expect(next.sources?.[1]?.helm?.parameters).toEqual([
      { name: 'ct.image.tag', value: '3.0', forceString: true },
    ]);
    expect(next.sources?.[0]).toEqual({ repoURL: 'git', ref: 'values' });
    expect(next.source).toEqual({ path: 'ignored' });
  });
});

const app = (over: {
  sync?: string;
  health?: string;
  compared?: string;
  operation?: unknown;
  op?: { phase: string; finishedAt?: string; message?: string };
}): Application => ({
  spec: { source: { helm: { parameters: [{ name: 'k', value: 'new' }] } } },
  ...(over.operation ? { operation: over.operation } : {}),
  status: {
    sync: {
      status: over.sync ?? 'Synced',
      comparedTo: { source: { helm: { parameters: [{ name: 'k', value: over.compared ?? 'new' }] } } },
    },
    health: { status: over.health ?? 'Healthy', message: 'why' },
    ...(over.op ? { operationState: over.op } : {}),
  },
});
const SYNC_AT = Date.parse('2026-11-26T10:00:00.700Z');

describe('evaluateApplication', () => {
  it.each([
    ['stale Synced/Healthy on old comparison', app({ compared: 'old' }), 'pending'],
    [
      'stale comparison, but our operation finished (same second)',
      app({ compared: 'old', op: { phase: 'Succeeded', finishedAt: '2026-11-26T10:00:00Z' } }),
      'healthy',
    ],
    [
      'stale comparison, operation finished before our sync',
      app({ compared: 'old', op: { phase: 'Succeeded', finishedAt: '2026-11-26T09:59:59Z' } }),
      'pending',
    ],
    ['fresh Synced/Healthy', app({}), 'healthy'],
    ['operation still running', app({ operation: { sync: {} } }), 'pending'],
    ['Progressing', app({ health: 'Progressing' }), 'pending'],
    ['OutOfSync', app({ sync: 'OutOfSync' }), 'pending'],
    ['Degraded', app({ health: 'Degraded' }), 'failed'],
    [
      'our sync failed',
      app({ op: { phase: 'Failed', finishedAt: '2026-11-26T10:00:05Z', message: 'hook failed' } }),
      'failed',
    ],
  ] as const)('%s → %s', (_name, application, state) => {
    expect(
      evaluateApplication(application, { parameter: 'k', value: 'new', syncStartedAt: SYNC_AT }).state,
    ).toBe(state);
  });
});

const deployment = ({
  generation = 2,
  ...status
}: NonNullable<DeploymentLike['status']> & { generation?: number }): DeploymentLike => ({
  metadata: { name: 'web', generation },
  spec: { replicas: 3 },
  status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, ...status },
});

describe('evaluateRollout (kubectl rollout status)', () => {
  it.each([
    [
      'spec change not observed',
      deployment({ generation: 3 }),
      'pending',
      'Waiting for deployment spec update to be observed...',
    ],
    [
      'deadline exceeded',
      deployment({
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      }),
      'failed',
      'deployment "web" exceeded its progress deadline',
    ],
    [
      'updating',
      deployment({ updatedReplicas: 1 }),
      'pending',
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    ],
    [
      'old replicas terminating',
      deployment({ replicas: 4 }),
      'pending',
      'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    ],
    [
      'not yet available',
      deployment({ availableReplicas: 2 }),
      'pending',
      'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
    ],
    ['done', deployment({}), 'healthy', 'deployment "web" successfully rolled out'],
  ] as const)('%s', (_name, dep, state, message) => {
    expect(evaluateRollout(dep)).toEqual({ state, message });
  });
});

describe('parseComposePs', () => {
  const row = { Name: 'w-backend-1', Service: 'backend', Image: 'r/b:2', State: 'running', Health: '' };
  it('reads JSON Lines, a JSON array and empty output alike', () => {
    const expected = [
      { name: 'w-backend-1', service: 'backend', image: 'r/b:2', state: 'running', health: '' },
    ];
    expect(parseComposePs(`${JSON.stringify(row)}\n`)).toEqual(expected);
    expect(parseComposePs(JSON.stringify([row]))).toEqual(expected);
    expect(parseComposePs('\n')).toEqual([]);
  });
  it.each([
    [{ state: 'running', health: 'starting' }, 'pending'],
    [{ state: 'restarting', health: '' }, 'pending'],
    [{ state: 'exited', health: '' }, 'failed'],
    [{ state: 'running', health: 'unhealthy' }, 'failed'],
    [{ state: 'running', health: '' }, 'healthy'],
  ])('%j → %s', (c, state) => {
    expect(evaluateContainers([{ name: 'x', image: 'i', ...c }], 'i').state).toBe(state);
  });
});
