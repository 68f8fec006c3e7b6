import { describe, expect, it } from 'vitest';
import { OfferCache, OfferWaiter } from '../../src/cache/offer-cache';

/** A waiter that counts its wake-ups and when they came. */
class Probe extends OfferWaiter {
  wakes = 0;
  at = 0;
  constructor(private readonly onWake?: (p: Probe) => void) {
    super();
  }
  woken(): void {
    this.wakes++;
    this.at = performance.now();
    this.onWake?.(this);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OfferCache waiters (one timer, no per-wait promise or AbortSignal)', () => {
  it('wakes the parked waiters of an invalidated client at once, only them, once each', () => {
    const cache = new OfferCache();
    const a1 = new Probe();
    const a2 = new Probe();
    const b = new Probe();
    cache.park('a', 60_000, a1);
    cache.park('a', 60_000, a2);
    cache.park('b', 60_000, b);
    expect(cache.waiting).toBe(3);
    expect(cache.waitingClients).toBe(2);
    cache.invalidate(['a']);
    expect([a1.wakes, a2.wakes, b.wakes]).toEqual([1, 1, 0]);
    expect(a1.parked || a2.parked).toBe(false);
    expect(b.parked).toBe(true);
    cache.invalidate(['a']);
    expect([a1.wakes, a2.wakes]).toEqual([1, 1]);
    cache.invalidate('*');
    expect(b.wakes).toBe(1);
    expect(cache.waiting).toBe(0);
    expect(cache.waitingClients).toBe(0);
  });

  it('times out each waiter at its own deadline, in order, with one timer', async () => {
    const cache = new OfferCache();
    const t0 = performance.now();
    const order: number[] = [];
    const probes = [120, 40, 80, 40].map((ms, k) => {
      const p = new Probe(() => order.push(k));
      cache.park(`c${k}`, ms, p);
      return { p, ms };
    });
    await sleep(250);
    expect(order).toEqual([1, 3, 2, 0]);
    for (const { p, ms } of probes) {
      expect(p.wakes).toBe(1);
      expect(p.at - t0).toBeGreaterThanOrEqual(ms - 1);
      expect(p.at - t0).toBeLessThan(ms + 100);
    }
    expect(cache.waiting).toBe(0);
  });

  it('unpark (a client gone) takes a waiter out without waking it; the others still time out', async () => {
    const cache = new OfferCache();
    const gone = new Probe();
    const stays = new Probe();
    cache.park('a', 30, gone);
    cache.park('a', 60, stays);
    cache.unpark(gone);
    cache.unpark(gone); // twice: nothing
    expect(gone.parked).toBe(false);
    expect(cache.waiting).toBe(1);
    await sleep(120);
    expect(gone.wakes).toBe(0);
    expect(stays.wakes).toBe(1);
    expect(cache.waitingClients).toBe(0);
  });

  it('close() wakes every waiter, and later ones are woken at once', () => {
    const cache = new OfferCache();
    const probes = Array.from({ length: 5 }, (_, k) => {
      const p = new Probe();
      cache.park(`c${k % 2}`, 60_000, p);
      return p;
    });
    cache.close();
    expect(probes.map((p) => p.wakes)).toEqual([1, 1, 1, 1, 1]);
    const late = new Probe();
    cache.park('c0', 60_000, late);
    expect(late.wakes).toBe(1);
    expect(cache.waiting).toBe(0);
  });

  it('a waiter parked again from its own wake-up is kept (re-entrant invalidate and timer)', async () => {
    const cache = new OfferCache();
    let again = 0;
    const p = new Probe((me) => {
      if (again++ < 2) cache.park('a', 20, me);
    });
    cache.park('a', 60_000, p);
    cache.invalidate(['a']); // wake 1, parks again for 20 ms
    expect(p.parked).toBe(true);
    await sleep(150); // wake 2 (timer), parks again; wake 3 (timer), stops
    expect(p.wakes).toBe(3);
    expect(cache.waiting).toBe(0);
  });

  it('leaves no entry behind after many polls woken every way', async () => {
    const cache = new OfferCache();
    const n = 5000;
    const all: Probe[] = [];
    for (let k = 0; k < n; k++) {
      const p = new Probe();
      cache.park(`c${k % 97}`, k % 3 === 0 ? 5 : 60_000, p);
      all.push(p);
    }
    expect(cache.waiting).toBe(n);
    for (let k = 1; k < n; k += 3) cache.unpark(all[k]!); // disconnects
    cache.invalidate(Array.from({ length: 50 }, (_, k) => `c${k}`)); // changes
    await sleep(60); // timeouts
    cache.wakeAll();
    expect(cache.waiting).toBe(0);
    expect(cache.waitingClients).toBe(0);
    expect(all.every((p) => !p.parked && p.wakes <= 1)).toBe(true);
    // every waiter not unparked was woken exactly once; the unparked ones never
    expect(all.filter((p, k) => k % 3 !== 1 && p.wakes === 1).length).toBe(
      all.filter((_, k) => k % 3 !== 1).length,
    );
    expect(all.filter((p, k) => k % 3 === 1 && p.wakes > 0).length).toBe(0);
    // the internal deadline heap and per-client lists are empty too
    const internals = cache as unknown as { heap: unknown[]; waiters: Map<string, unknown>; timer: unknown };
    expect(internals.heap.length).toBe(0);
    expect(internals.waiters.size).toBe(0);
    expect(internals.timer).toBeUndefined();
  });

  it('wait() (the promise form) resolves on invalidate, timeout, abort and close, leaving nothing parked', async () => {
    const cache = new OfferCache();
    const byChange = cache.wait('a', 60_000);
    cache.invalidate(['a']);
    await byChange;

    const t0 = performance.now();
    await cache.wait('a', 30);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);

    const abort = new AbortController();
    const byAbort = cache.wait('a', 60_000, abort.signal);
    expect(cache.waiting).toBe(1);
    abort.abort();
    await byAbort;
    expect(cache.waiting).toBe(0);

    const aborted = new AbortController();
    aborted.abort();
    await cache.wait('a', 60_000, aborted.signal);
    expect(cache.waiting).toBe(0);

    const byClose = cache.wait('b', 60_000);
    cache.close();
    await byClose;
    await cache.wait('b', 60_000); // closed: at once
    expect(cache.waiting).toBe(0);
  });
});
