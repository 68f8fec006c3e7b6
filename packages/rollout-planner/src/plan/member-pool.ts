import type { Client } from '../clients/client';
import { matchesSelector, parseSelector } from '../selector/parse-selector';
import { type Batch, batchKey } from './group-batches';

/** What the pool reads of a client: its id, labels (for the canary label), target kind and Argo CD instance. */
type PoolClient = Pick<Client, 'id' | 'labels' | 'targetKind' | 'argocdInstance'>;

/** Compares strings by UTF-16 code units: the same order on every machine and locale. */
const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What every Argo CD batch key starts with (`batchKey`). A target kind's key (the kind itself, never `argocd`) sorts
 * either before all Argo CD keys (when it is less than this prefix) or after all of them, so the keys are put in
 * order by sorting instance names and kinds apart: no key string is built per instance to sort it.
 */
const ARGO_PREFIX = 'argocd:';

/** Groups shorter than this are sorted in place by insertion; longer ones by the engine's native string sort. */
const INSERTION_SORT_MAX = 32;

/** One tier's groups (a group: one batch key's items, a range of `order`) and the round-robin state over them. */
interface Tier {
  /** Next position to draw from, per group (starts at the group's first item in `order`). */
  next: Int32Array;
  /** End (exclusive) of each group's range in `order`. */
  end: Int32Array;
  /** Groups with items left, in key order; only `active[0 .. activeLength)` is live. */
  active: Int32Array;
  activeLength: number;
}

/**
 * Draws the members of consecutive stages from a set of clients, in the planner's one membership order: clients
 * matching the canary label first, then the rest; within each tier, round-robin across batch keys (Argo CD instance
 * or target kind, in key order), each key's clients by client id. Each draw starts the round-robin again from the
 * first key that has clients left, so a stage spreads over instances whatever stages came before it. The order
 * never depends on the order clients were given in.
 *
 * Built for a real fleet, where every Argo CD client runs its own instance (100,000 clients: some 70,000 keys of
 * one client each): the items are counting-sorted by (tier, key) into one flat index array, keys are ranked by one
 * native sort of their names, and draws and batches walk typed arrays. No object is allocated per key or per client
 * beyond what the result holds.
 */
export class MemberPool<T> {
  private readonly items: readonly T[];
  private readonly clients: PoolClient[];
  /** Per item: the rank of its batch key (0 = first key in key order). */
  private readonly keyOf: Int32Array;
  /** Item indices, tier by tier, group by group (groups in key order), each group's items by client id. */
  private readonly order: Int32Array;
  private readonly tiers: Tier[];
  private left: number;
  /** Scratch for {@link takeBatched}, per key rank: the take that last saw it, its count, first item, offset, key. */
  private readonly seenIn: Int32Array;
  private readonly counts: Int32Array;
  private readonly firstItem: Int32Array;
  private readonly offsets: Int32Array;
  private readonly keyNames: (string | undefined)[];
  private takes = 0;

  /**
   * @param items the clients (or anything carrying one) to draw from
   * @param clientOf the client of an item (its id, labels, target kind and instance)
   * @param canaryLabel the strategy's canary label selector; unparseable or empty: no canary tier
   */
  constructor(items: readonly T[], clientOf: (item: T) => PoolClient, canaryLabel: string) {
    const parsed = parseSelector(canaryLabel);
    const requirements = parsed.ok ? parsed.requirements : [];
    const n = items.length;
    this.items = items;
    const clients: PoolClient[] = new Array(n);
    const canary = new Uint8Array(n);
    // Keys by first appearance (Argo CD instances and target kinds apart, as `groupBatches` keys them).
    const firstSeen = new Int32Array(n);
    const argo = new Map<string, number>();
    const kinds = new Map<string, number>();
    let keyCount = 0;
    for (let i = 0; i < n; i++) {
      const c = clientOf(items[i]!);
      clients[i] = c;
      if (requirements.length > 0 && matchesSelector(c.labels, requirements)) canary[i] = 1;
      const index = c.targetKind === 'argocd' ? argo : kinds;
      const name = c.targetKind === 'argocd' ? (c.argocdInstance ?? '') : c.targetKind;
      let k = index.get(name);
      if (k === undefined) {
        k = keyCount++;
        index.set(name, k);
      }
      firstSeen[i] = k;
    }
    this.clients = clients;

    // Key order: kinds below the Argo CD prefix, Argo CD instances by name, then the other kinds (see ARGO_PREFIX).
    const rank = new Int32Array(keyCount);
    let r = 0;
    const kindNames = [...kinds.keys()].sort();
    for (const name of kindNames) if (name < ARGO_PREFIX) rank[kinds.get(name)!] = r++;
    for (const name of [...argo.keys()].sort()) rank[argo.get(name)!] = r++;
    for (const name of kindNames) if (!(name < ARGO_PREFIX)) rank[kinds.get(name)!] = r++;
    const keyOf = new Int32Array(n);
    for (let i = 0; i < n; i++) keyOf[i] = rank[firstSeen[i]!]!;
    this.keyOf = keyOf;

    // Counting sort of the items by (tier, key): cell = tier × keyCount + rank, canary tier first; stable.
    const cells = new Int32Array(2 * keyCount + 1);
    for (let i = 0; i < n; i++) cells[(canary[i] ? 0 : keyCount) + keyOf[i]! + 1]!++;
    for (let c = 1; c < cells.length; c++) cells[c]! += cells[c - 1]!;
    // cells[c] is now where cell c starts; fill advances it to where cell c ends.
    const fill = cells.slice(0, 2 * keyCount);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[fill[(canary[i] ? 0 : keyCount) + keyOf[i]!]!++] = i;
    this.order = order;

    this.tiers = [0, keyCount].map((base) => {
      let groups = 0;
      for (let k = 0; k < keyCount; k++) if (fill[base + k]! > cells[base + k]!) groups++;
      const next = new Int32Array(groups);
      const end = new Int32Array(groups);
      const active = new Int32Array(groups);
      let g = 0;
      for (let k = 0; k < keyCount; k++) {
        const a = cells[base + k]!;
        const b = fill[base + k]!;
        if (b === a) continue;
        next[g] = a;
        end[g] = b;
        active[g] = g;
        g++;
        if (b - a > 1) sortById(order, a, b, clients);
      }
      return { next, end, active, activeLength: groups };
    });
    this.left = n;
    this.seenIn = new Int32Array(keyCount);
    this.counts = new Int32Array(keyCount);
    this.firstItem = new Int32Array(keyCount);
    this.offsets = new Int32Array(keyCount);
    this.keyNames = new Array(keyCount);
  }

  /** Items not drawn yet. */
  get remaining(): number {
    return this.left;
  }

  /** Draws up to `size` items (a fraction rounds down), in membership order. */
  take(size: number): T[] {
    const drawn = this.draw(size);
    const out: T[] = new Array(drawn.length);
    for (let j = 0; j < drawn.length; j++) out[j] = this.items[drawn[j]!]!;
    return out;
  }

  /**
   * Draws up to `size` items, in membership order, with their batched jobs: the same batches as `groupBatches` of
   * their clients (per Argo CD instance or target kind, keys in first-drawn order, at most
   * `maxConcurrencyPerInstance` clients each), grouped by the keys the pool already knows.
   */
  takeBatched(size: number, maxConcurrencyPerInstance: number): { members: T[]; batches: Batch[] } {
    const drawn = this.draw(size);
    const per = Math.max(1, Math.floor(maxConcurrencyPerInstance));
    const { keyOf, clients, seenIn, counts, firstItem, offsets } = this;
    const take = ++this.takes;
    const keys: number[] = [];
    const members: T[] = new Array(drawn.length);
    for (let j = 0; j < drawn.length; j++) {
      const i = drawn[j]!;
      members[j] = this.items[i]!;
      const k = keyOf[i]!;
      if (seenIn[k] !== take) {
        seenIn[k] = take;
        counts[k] = 0;
        firstItem[k] = i;
        keys.push(k);
      }
      counts[k]!++;
    }
    let at = 0;
    for (const k of keys) {
      offsets[k] = at;
      at += counts[k]!;
    }
    // Client ids grouped by key, in draw order within a key; afterwards offsets[k] is the end of key k's run.
    const ids: string[] = new Array(drawn.length);
    for (let j = 0; j < drawn.length; j++) {
      const i = drawn[j]!;
      ids[offsets[keyOf[i]!]!++] = clients[i]!.id;
    }
    const batches: Batch[] = [];
    for (const k of keys) {
      const first = clients[firstItem[k]!]!;
      let key = this.keyNames[k];
      if (key === undefined) {
        key = batchKey(first);
        this.keyNames[k] = key;
      }
      const argocdInstance = first.targetKind === 'argocd' ? (first.argocdInstance ?? null) : null;
      const stop = offsets[k]!;
      for (let a = stop - counts[k]!, wave = 0; a < stop; a += per, wave++) {
        batches.push({
          key,
          targetKind: first.targetKind,
          argocdInstance,
          wave,
          clientIds: ids.slice(a, Math.min(a + per, stop)),
        });
      }
    }
    return { members, batches };
  }

  /** The indices of the next items in membership order (up to `size`, rounded down). */
  private draw(size: number): Int32Array {
    const want = Math.min(Math.max(0, Math.floor(size)), this.left);
    const out = new Int32Array(want);
    let m = 0;
    for (const tier of this.tiers) {
      const { next, end, active } = tier;
      while (m < want && tier.activeLength > 0) {
        const length = tier.activeLength;
        let visited = 0;
        for (; visited < length && m < want; visited++) {
          const g = active[visited]!;
          out[m++] = this.order[next[g]!++]!;
        }
        // Drop exhausted keys so the next round visits only keys with clients left. Only the keys this round drew
        // from can be exhausted: compact that prefix in place, in one pass.
        let kept = 0;
        for (let v = 0; v < visited; v++) {
          const g = active[v]!;
          if (next[g]! < end[g]!) active[kept++] = g;
        }
        if (kept < visited) {
          active.copyWithin(kept, visited, length);
          tier.activeLength = length - (visited - kept);
        }
      }
    }
    this.left -= m;
    return m === out.length ? out : out.subarray(0, m);
  }
}

/**
 * Orders `order[a .. b)` (item indices) by client id, stably; a range already in id order (the usual case: rows
 * come ordered) is left as is.
 */
function sortById(order: Int32Array, a: number, b: number, clients: readonly PoolClient[]): void {
  let sorted = true;
  for (let j = a + 1; j < b && sorted; j++)
    if (clients[order[j - 1]!]!.id > clients[order[j]!]!.id) sorted = false;
  if (sorted) return;
  if (b - a <= INSERTION_SORT_MAX) {
    for (let j = a + 1; j < b; j++) {
      const x = order[j]!;
      const id = clients[x]!.id;
      let p = j - 1;
      while (p >= a && clients[order[p]!]!.id > id) {
        order[p + 1] = order[p]!;
        p--;
      }
      order[p + 1] = x;
    }
    return;
  }
  // The engine's native sort of the ids (no comparator call per comparison), mapped back to the items. Equal ids
  // (not expected of clients) fall back to a stable comparator sort, so their input order is kept.
  const at = new Map<string, number>();
  const ids: string[] = new Array(b - a);
  for (let j = a; j < b; j++) {
    const id = clients[order[j]!]!.id;
    ids[j - a] = id;
    at.set(id, order[j]!);
  }
  if (at.size < b - a) {
    const range = Array.from(order.subarray(a, b)).sort((x, y) => byCode(clients[x]!.id, clients[y]!.id));
    order.set(range, a);
    return;
  }
  ids.sort();
  for (let j = a; j < b; j++) order[j] = at.get(ids[j - a]!)!;
}
