import type { Client } from '../clients/client';
import type { TargetKind } from '../statuses';

/** One batched job: clients of one Argo CD instance (or one target kind), at most the per-instance concurrency. */
export interface Batch {
  /** Grouping key: `argocd:<instance>`, `kubernetes` or `docker`. */
  key: string;
  /** Target kind of every client in the batch. */
  targetKind: TargetKind;
  /** Argo CD instance, or null for non-Argo CD targets and Argo CD clients without an instance. */
  argocdInstance: string | null;
  /** 0-based sequence within the key: wave 1 of an instance starts after its wave 0, so an instance is never flooded. */
  wave: number;
  /** Client ids in the batch. */
  clientIds: string[];
}

/** Grouping key of a client: its Argo CD instance, or its target kind. */
export function batchKey(client: Pick<Client, 'targetKind' | 'argocdInstance'>): string {
  if (client.targetKind === 'argocd') return `argocd:${client.argocdInstance ?? ''}`;
  return client.targetKind;
}

/**
 * Groups clients into batched jobs per Argo CD instance and per target kind, each with at most
 * `maxConcurrencyPerInstance` clients. Keys keep first-seen order; clients keep input order.
 */
export function groupBatches(clients: readonly Client[], maxConcurrencyPerInstance: number): Batch[] {
  const size = Math.max(1, Math.floor(maxConcurrencyPerInstance));
  // Keyed by the instance string itself (hash cached by the engine) rather than a per-client template string.
  const order: { client: Client; ids: string[] }[] = [];
  const groups = new Map<string, { client: Client; ids: string[] }>();
  const argo = new Map<string, { client: Client; ids: string[] }>();
  for (const c of clients) {
    const byInstance = c.targetKind === 'argocd';
    const k = byInstance ? (c.argocdInstance ?? '') : c.targetKind;
    const index = byInstance ? argo : groups;
    let g = index.get(k);
    if (g === undefined) {
      g = { client: c, ids: [] };
      index.set(k, g);
      order.push(g);
    }
    g.ids.push(c.id);
  }
  const batches: Batch[] = [];
  for (const g of order) {
    const key = batchKey(g.client);
    const argocdInstance = g.client.targetKind === 'argocd' ? (g.client.argocdInstance ?? null) : null;
    for (let i = 0, wave = 0; i < g.ids.length; i += size, wave++) {
      batches.push({
        key,
        targetKind: g.client.targetKind,
        argocdInstance,
        wave,
        clientIds: g.ids.slice(i, i + size),
      });
    }
  }
  return batches;
}
