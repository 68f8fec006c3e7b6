import type { Client } from '../src/clients/client';

/** Builds `n` clients with ids `prefix + (start + i)`; argocd on instance `argo-<i % instances>`. */
export function makeClients(
  n: number,
  options: { start?: number; prefix?: string; instances?: number } = {},
): Client[] {
  const { start = 101, prefix = 'c', instances = 1 } = options;
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${start + i}`,
    labels: { tier: i % 2 === 0 ? 'premium' : 'free' },
    targetKind: 'argocd' as const,
    argocdInstance: `argo-${i % instances}`,
  }));
}
