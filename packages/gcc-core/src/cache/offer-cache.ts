import type { Offer } from '../services/agent';

/**
 * One parked long poll of {@link OfferCache}: subclass it and {@link OfferCache.park} the instance itself, so a held
 * poll costs one object of its own (no promise, timer, closure or AbortSignal per wait). The cache calls
 * {@link woken} once, synchronously (from `invalidate`, `close`, or its timer), after taking the waiter out.
 */
export abstract class OfferWaiter {
  /** @internal */ clientId = '';
  /** @internal The deadline, `performance.now()` time. */ deadline = 0;
  /** @internal Position in the deadline heap; −1 when not parked. */ index = -1;
  /** @internal The other waiters of the same client (a doubly linked list per client). */
  prev: OfferWaiter | undefined = undefined;
  /** @internal */ next: OfferWaiter | undefined = undefined;

  /** Whether it is parked (not woken, timed out or unparked yet). */
  get parked(): boolean {
    return this.index >= 0;
  }

  /** Called once when the client's offer is invalidated, the time is up, or the cache closes. Must not throw. */
  abstract woken(): void;
}

/** The waiter behind {@link OfferCache.wait}: resolves its promise, also when its signal aborts. */
class PromiseWaiter extends OfferWaiter {
  constructor(
    private readonly cache: OfferCache,
    private readonly resolve: () => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    super();
  }

  readonly abort = (): void => {
    this.cache.unpark(this);
    this.woken();
  };

  woken(): void {
    this.signal?.removeEventListener('abort', this.abort);
    this.resolve();
  }
}

/** How many offers an {@link OfferCache} keeps by default: one per client of a 250,000-client fleet. */
export const OFFER_CACHE_MAX_ENTRIES = 250_000;

/**
 * How many per-client invalidations the cache remembers for the reads in flight (see {@link OfferCache.stamp});
 * beyond it every read in flight is refused (not stored: read again next time), which is always safe.
 */
const RECENT_MAX = 4096;

/** Options of an {@link OfferCache}. */
export interface OfferCacheOptions {
  /** At most this many offers are kept; the least recently used goes first. @default {@link OFFER_CACHE_MAX_ENTRIES} */
  maxEntries?: number;
}

/**
 * Per-client cache of what `getUpdates` answers, so the common "nothing new" poll needs no database round trip.
 * Entries are dropped on change notifications (LISTEN/NOTIFY, sent in the transaction that changed the tasks,
 * so every replica hears it on commit), for exactly the clients that changed. A read racing a notification is not
 * stored: a read takes a {@link stamp} (a sequence number) before it starts, and {@link set} keeps its result only if
 * no invalidation of that client (or of every client) came after the stamp.
 *
 * Bounded: at most `maxEntries` offers, least recently used evicted first. The answer "nothing new" is one shared
 * object per GCC (see `AgentService`), so a cached idle client costs one map entry (about 100 bytes, measured in the
 * README), not one answer each.
 *
 * Long polls wait for an invalidation in the cache itself: {@link OfferCache.park}ed waiters, one linked list per
 * client and one deadline heap with a single timer for all of them (issue 12, item 6: memory per idle long poll).
 */
export class OfferCache {
  private readonly entries = new Map<string, Offer>();
  private readonly maxEntries: number;
  /** Sequence number of invalidations; a read's stamp is its value when the read started. */
  private seq = 0;
  /** Reads stamped before this are refused (an invalidation of every client, or {@link recent} overflowed). */
  private floor = 0;
  /** The sequence number of each client's last invalidation, for the reads in flight (bounded by RECENT_MAX). */
  private readonly recent = new Map<string, number>();
  /** The first parked waiter of each client (then `next`…). */
  private readonly waiters = new Map<string, OfferWaiter>();
  /** Every parked waiter, a binary min-heap on `deadline`; one timer for the earliest. */
  private readonly heap: OfferWaiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private isClosed = false;

  constructor(options: OfferCacheOptions = {}) {
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? OFFER_CACHE_MAX_ENTRIES));
  }

  /** True once {@link close} ran: long polls answer at once instead of waiting. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Number of cached offers. */
  get size(): number {
    return this.entries.size;
  }

  /** The most offers kept. */
  get capacity(): number {
    return this.maxEntries;
  }

  /** Number of parked waiters (long polls waiting). */
  get waiting(): number {
    return this.heap.length;
  }

  /** Number of clients with a parked waiter. */
  get waitingClients(): number {
    return this.waiters.size;
  }

  /** The stamp to pass to {@link set} for a read of this client started now. */
  stamp(_clientId?: string): number {
    return this.seq;
  }

  /** The cached offer, unless it expired; a hit makes it the most recently used. */
  get(clientId: string, nowMs: number): Offer | undefined {
    const e = this.entries.get(clientId);
    if (!e) return undefined;
    this.entries.delete(clientId);
    if (e.validUntil <= nowMs) return undefined;
    this.entries.set(clientId, e);
    return e;
  }

  /** Stores an offer read since `stamp`, unless it was invalidated meanwhile; evicts the least recently used. */
  set(clientId: string, offer: Offer, stamp: number): void {
    if (stamp < this.floor || (this.recent.get(clientId) ?? -1) > stamp) return;
    this.entries.delete(clientId);
    this.entries.set(clientId, offer);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  /** Drops the offers of these clients (or all) and wakes their long polls. */
  invalidate(clientIds: readonly string[] | '*'): void {
    const seq = ++this.seq;
    if (clientIds === '*') {
      this.floor = seq;
      this.recent.clear();
      this.entries.clear();
      this.wakeAll();
      return;
    }
    if (this.recent.size + clientIds.length > RECENT_MAX) {
      // Too many to remember one by one: refuse every read in flight instead (they are read again next time).
      this.floor = seq;
      this.recent.clear();
    }
    for (const id of clientIds) {
      if (this.floor !== seq) this.recent.set(id, seq);
      this.entries.delete(id);
      let w = this.waiters.get(id);
      if (!w) continue;
      const woken: OfferWaiter[] = [];
      for (; w; w = w.next) woken.push(w);
      for (const x of woken) this.unpark(x);
      for (const x of woken) x.woken();
    }
  }

  /**
   * Parks `waiter` for this client: its `woken()` runs on the next invalidation of the client, after `ms`, or on
   * {@link close} (at once if already closed). A waiter already parked is moved.
   */
  park(clientId: string, ms: number, waiter: OfferWaiter): void {
    if (waiter.index >= 0) this.unpark(waiter);
    if (this.isClosed) {
      waiter.woken();
      return;
    }
    waiter.clientId = clientId;
    waiter.deadline = performance.now() + Math.max(0, ms);
    const head = this.waiters.get(clientId);
    waiter.prev = undefined;
    waiter.next = head;
    if (head) head.prev = waiter;
    this.waiters.set(clientId, waiter);
    waiter.index = this.heap.length;
    this.heap.push(waiter);
    this.up(waiter.index);
    if (waiter.deadline < this.timerAt) this.arm(waiter.deadline);
  }

  /** Takes a parked waiter out without waking it; nothing if it is not parked. */
  unpark(waiter: OfferWaiter): void {
    const i = waiter.index;
    if (i < 0) return;
    // the client's list
    if (waiter.prev) waiter.prev.next = waiter.next;
    else if (waiter.next) this.waiters.set(waiter.clientId, waiter.next);
    else this.waiters.delete(waiter.clientId);
    if (waiter.next) waiter.next.prev = waiter.prev;
    waiter.prev = undefined;
    waiter.next = undefined;
    // the heap
    waiter.index = -1;
    const last = this.heap.pop()!;
    if (last !== waiter) {
      this.heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
    if (this.heap.length === 0) this.disarm();
  }

  /** Resolves on the next invalidation of this client, after `ms`, when `signal` aborts, or on {@link close}. */
  wait(clientId: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const w = new PromiseWaiter(this, resolve, signal);
      this.park(clientId, ms, w);
      signal?.addEventListener('abort', w.abort, { once: true });
    });
  }

  /** Wakes every long poll. */
  wakeAll(): void {
    const woken = this.heap.slice();
    for (const w of woken) this.unpark(w);
    for (const w of woken) w.woken();
  }

  /** Shutdown: wakes every long poll, and later ones no longer wait. */
  close(): void {
    this.isClosed = true;
    this.wakeAll();
  }

  // ---- the deadlines: one timer for the earliest ------------------------------------------------------------------

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.expire, Math.max(0, Math.ceil(at - performance.now())));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  /** The timer: wakes every waiter whose deadline passed (within 1 ms: timers have millisecond resolution). */
  private readonly expire = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now() + 1;
    const woken: OfferWaiter[] = [];
    while (this.heap.length > 0 && this.heap[0]!.deadline <= now) {
      const w = this.heap[0]!;
      this.unpark(w);
      woken.push(w);
    }
    if (this.heap.length > 0) this.arm(this.heap[0]!.deadline);
    for (const w of woken) w.woken();
  };

  private up(i: number): void {
    const h = this.heap;
    const w = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.deadline <= w.deadline) break;
      h[i] = parent;
      parent.index = i;
      i = p;
    }
    h[i] = w;
    w.index = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const w = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && h[c + 1]!.deadline < h[c]!.deadline) c++;
      const child = h[c]!;
      if (w.deadline <= child.deadline) break;
      h[i] = child;
      child.index = i;
      i = c;
    }
    h[i] = w;
    w.index = i;
  }
}
