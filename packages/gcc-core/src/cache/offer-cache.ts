import type { Offer } from '../services/agent';

/**
 * Per-client cache of what `getUpdates` answers, so the common "nothing new" poll needs no database round trip.
 * Entries are dropped on change notifications (LISTEN/NOTIFY, sent in the transaction that changed the tasks,
 * so every replica hears it on commit). A read racing a notification is not stored: each client has a version
 * bumped by every invalidation, and a result is kept only if the version did not move while it was read.
 */
export class OfferCache {
  private readonly entries = new Map<string, Offer>();
  private readonly versions = new Map<string, number>();
  private epoch = 0;
  private readonly waiters = new Map<string, Set<() => void>>();
  private isClosed = false;

  /** True once {@link close} ran: long polls answer at once instead of waiting. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Number of cached offers. */
  get size(): number {
    return this.entries.size;
  }

  /** The version to pass to {@link set} for a read started now. */
  stamp(clientId: string): string {
    return `${this.epoch}:${this.versions.get(clientId) ?? 0}`;
  }

  /** The cached offer, unless it expired. */
  get(clientId: string, nowMs: number): Offer | undefined {
    const e = this.entries.get(clientId);
    if (e && e.validUntil <= nowMs) {
      this.entries.delete(clientId);
      return undefined;
    }
    return e;
  }

  /** Stores an offer read since `stamp`, unless it was invalidated meanwhile. */
  set(clientId: string, offer: Offer, stamp: string): void {
    if (stamp === this.stamp(clientId)) this.entries.set(clientId, offer);
  }

  /** Drops the offers of these clients (or all) and wakes their long polls. */
  invalidate(clientIds: readonly string[] | '*'): void {
    if (clientIds === '*') {
      this.epoch++;
      this.entries.clear();
      for (const set of this.waiters.values()) for (const wake of [...set]) wake();
      return;
    }
    for (const id of clientIds) {
      this.versions.set(id, (this.versions.get(id) ?? 0) + 1);
      this.entries.delete(id);
      for (const wake of [...(this.waiters.get(id) ?? [])]) wake();
    }
  }

  /** Resolves on the next invalidation of this client, after `ms`, when `signal` aborts, or on {@link close}. */
  wait(clientId: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiters.get(clientId);
      if (!set) {
        set = new Set();
        this.waiters.set(clientId, set);
      }
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const s = this.waiters.get(clientId);
        s?.delete(done);
        if (s?.size === 0) this.waiters.delete(clientId);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      set.add(done);
      if (signal?.aborted) done();
      else signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every long poll. */
  wakeAll(): void {
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
  }

  /** Shutdown: wakes every long poll, and later ones no longer wait. */
  close(): void {
    this.isClosed = true;
    this.wakeAll();
  }
}
