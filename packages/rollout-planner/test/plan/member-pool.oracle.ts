/**
 * The membership order as the planner computed it before its typed-array rewrite (commit 9d8367c,
 * `src/plan/member-pool.ts`): one object per key, groups sorted by key string with a comparator. Kept as the oracle
 * the rewrite is checked against (`member-pool.test.ts`); not used by the library.
 */
import type { Client } from '../../src/clients/client';
import { batchKey } from '../../src/plan/group-batches';
import { matchesSelector, parseSelector } from '../../src/selector/parse-selector';

/** One group of a tier: the clients of one batch key (ids and items in parallel, by id once sorted), and how many were drawn. */
interface Group<T> {
  key: string;
  ids: string[];
  values: T[];
  next: number;
}

/** Compares strings by UTF-16 code units: the same order on every machine and locale. */
const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Orders a group's clients by id; input already in id order (the usual case: rows come ordered) is left as is. */
function sortGroup<T>(g: Group<T>): void {
  const { ids, values } = g;
  let sorted = true;
  for (let i = 1; i < ids.length && sorted; i++) if (ids[i - 1]! > ids[i]!) sorted = false;
  if (sorted) return;
  const order = Array.from({ length: ids.length }, (_, i) => i).sort((a, b) => byCode(ids[a]!, ids[b]!));
  g.ids = order.map((i) => ids[i]!);
  g.values = order.map((i) => values[i]!);
}

/** Groups of one tier, keyed without building a key string per client (one per group instead). */
class TierBuilder<T> {
  private readonly argo = new Map<string, Group<T>>();
  private readonly kinds = new Map<string, Group<T>>();

  add(c: Pick<Client, 'id' | 'targetKind' | 'argocdInstance'>, value: T): void {
    const byInstance = c.targetKind === 'argocd';
    const index = byInstance ? this.argo : this.kinds;
    const k = byInstance ? (c.argocdInstance ?? '') : c.targetKind;
    let g = index.get(k);
    if (g === undefined) {
      g = { key: batchKey(c), ids: [], values: [], next: 0 };
      index.set(k, g);
    }
    g.ids.push(c.id);
    g.values.push(value);
  }

  build(): Group<T>[] {
    const groups = [...this.argo.values(), ...this.kinds.values()].sort((a, b) => byCode(a.key, b.key));
    for (const g of groups) sortGroup(g);
    return groups;
  }
}

/**
 * Draws the members of consecutive stages from a set of clients, in the planner's one membership order: clients
 * matching the canary label first, then the rest; within each tier, round-robin across batch keys (Argo CD instance
 * or target kind, in key order), each key's clients by client id. Each draw starts the round-robin again from the
 * first key that has clients left, so a stage spreads over instances whatever stages came before it. The order
 * never depends on the order clients were given in.
 */
export class OracleMemberPool<T> {
  private readonly tiers: Group<T>[][];
  private left: number;

  /**
   * @param items the clients (or anything carrying one) to draw from
   * @param clientOf the client of an item (its id, labels, target kind and instance)
   * @param canaryLabel the strategy's canary label selector; unparseable or empty: no canary tier
   */
  constructor(
    items: readonly T[],
    clientOf: (item: T) => Pick<Client, 'id' | 'labels' | 'targetKind' | 'argocdInstance'>,
    canaryLabel: string,
  ) {
    const parsed = parseSelector(canaryLabel);
    const requirements = parsed.ok ? parsed.requirements : [];
    const canary = new TierBuilder<T>();
    const rest = new TierBuilder<T>();
    for (const value of items) {
      const c = clientOf(value);
      if (requirements.length > 0 && matchesSelector(c.labels, requirements)) canary.add(c, value);
      else rest.add(c, value);
    }
    this.tiers = [canary.build(), rest.build()];
    this.left = items.length;
  }

  /** Items not drawn yet. */
  get remaining(): number {
    return this.left;
  }

  /** Draws up to `size` items, in membership order. */
  take(size: number): T[] {
    const out: T[] = [];
    const want = Math.min(Math.max(0, size), this.left);
    for (const tier of this.tiers) {
      while (out.length < want && tier.length > 0) {
        let visited = 0;
        for (const g of tier) {
          if (out.length === want) break;
          out.push(g.values[g.next++]!);
          visited++;
        }
        // Drop exhausted keys so the next round visits only keys with clients left. Only the keys this round drew
        // from can be exhausted: compact that prefix in place, in one pass (with one Argo CD instance per client a
        // tier has as many keys as clients, and removing them one by one was quadratic).
        let kept = 0;
        for (let i = 0; i < visited; i++) {
          const g = tier[i]!;
          if (g.next < g.values.length) tier[kept++] = g;
        }
        if (kept < visited) {
          tier.copyWithin(kept, visited);
          tier.length -= visited - kept;
        }
      }
    }
    this.left -= out.length;
    return out;
  }
}
