import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/clients/client';
import { groupBatches } from '../../src/plan/group-batches';

const c = (id: string, targetKind: Client['targetKind'], argocdInstance?: string | null): Client => ({
  id,
  labels: {},
  targetKind,
  argocdInstance,
});

describe('groupBatches', () => {
  it('groups by Argo CD instance and by target kind, at most N per job', () => {
    const batches = groupBatches(
      [
        c('a', 'argocd', 'x'),
        c('b', 'docker'),
        c('d', 'argocd', 'y'),
        c('e', 'argocd', 'x'),
        c('f', 'kubernetes'),
        c('g', 'argocd', 'x'),
      ],
      2,
    );
    expect(batches).toEqual([
      { key: 'argocd:x', targetKind: 'argocd', argocdInstance: 'x', wave: 0, clientIds: ['a', 'e'] },
      { key: 'argocd:x', targetKind: 'argocd', argocdInstance: 'x', wave: 1, clientIds: ['g'] },
      { key: 'docker', targetKind: 'docker', argocdInstance: null, wave: 0, clientIds: ['b'] },
      { key: 'argocd:y', targetKind: 'argocd', argocdInstance: 'y', wave: 0, clientIds: ['d'] },
      { key: 'kubernetes', targetKind: 'kubernetes', argocdInstance: null, wave: 0, clientIds: ['f'] },
    ]);
  });
  it('an argocd_instance on a docker client does not split docker jobs', () => {
    const batches = groupBatches([c('a', 'docker', 'x'), c('b', 'docker', 'y')], 10);
    expect(batches).toHaveLength(1);
  });
  it('no clients, no batches', () => {
    expect(groupBatches([], 10)).toEqual([]);
  });
});
