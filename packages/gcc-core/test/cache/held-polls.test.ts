import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OfferCache } from '../../src/cache/offer-cache';
import { pgliteFactory } from '../helpers/databases';
import { ADMIN, type RunningGcc, startAgentGcc, startGcc } from '../helpers/servers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds (or fails after `ms`). */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

// Long polls held through the HTTP router: parked in the offer cache (no per-wait promise, timer or AbortSignal).
describe.each(['express', 'node'] as const)(
  'long polls held by the router (front: %s)',
  { timeout: 60_000 },
  (front) => {
    let srv: RunningGcc;
    let token: string;
    let cache: OfferCache | undefined;
    let lines: Record<string, unknown>[] = [];
    let close: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      // The GCC's offer cache, found through its first park.
      const park = OfferCache.prototype.park;
      vi.spyOn(OfferCache.prototype, 'park').mockImplementation(function (this: OfferCache, ...args) {
        cache ??= this;
        return park.apply(this, args);
      });
      ({ srv, token, lines, close } = await startAgentGcc('holder', front));
      // The token's first use goes the usual route (which caches it); later polls take the fast path.
      expect((await poll('', {}, '"other"')).status).toBe(200);
    });
    afterAll(async () => {
      vi.restoreAllMocks();
      await close?.();
    });

    const poll = (query: string, init: RequestInit = {}, etag = '"none"') =>
      fetch(`${srv.url}/api/v1/clients/holder/updates${query}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'if-none-match': etag },
      });

    it('times out at `wait` with 304 and leaves nothing parked', async () => {
      const t0 = Date.now();
      const r = await poll('?wait=1');
      expect(r.status).toBe(304);
      expect(r.headers.get('etag')).toBe('"none"');
      expect(r.headers.get('x-request-id')).toMatch(/^req-/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
      expect(cache).toBeDefined();
      expect(cache!.waiting).toBe(0);
    });

    it('a client disconnecting ends its wait at once: access log "request aborted", nothing parked', async () => {
      const n = 20;
      const aborts = Array.from({ length: n }, () => new AbortController());
      const polls = aborts.map((a) => poll('?wait=50', { signal: a.signal }).catch(() => 'aborted'));
      await until(() => (cache?.waiting ?? 0) === n);
      expect(cache!.waitingClients).toBe(1);
      const before = lines.filter((l) => l.msg === 'request aborted').length;
      for (const a of aborts) a.abort();
      expect(await Promise.all(polls)).toEqual(Array(n).fill('aborted'));
      await until(() => cache!.waiting === 0);
      expect(cache!.waitingClients).toBe(0);
      await until(() => lines.filter((l) => l.msg === 'request aborted').length === before + n);
    });

    it('an invalidation with nothing new re-reads and holds again; close() answers every held poll at once', async () => {
      const n = 30;
      const polls = Array.from({ length: n }, () => poll('?wait=50'));
      await until(() => cache!.waiting === n);
      for (let k = 0; k < 20; k++) {
        cache!.invalidate(k % 2 ? '*' : ['holder']);
        // each woken poll re-reads its offer (same ETag) and parks again: never twice, never lost
        await until(() => cache!.waiting === n);
        expect(cache!.waitingClients).toBe(1);
      }
      const t0 = Date.now();
      await srv.gcc.close();
      const answers = await Promise.all(polls);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(answers.map((r) => r.status)).toEqual(Array(n).fill(304));
      expect(cache!.waiting).toBe(0);
      expect(cache!.waitingClients).toBe(0);
    });
  },
);

// A token not cached (its first use, or a stale entry: the cache's TTL is shorter than a 60 s long poll) is looked
// up by the fast path itself, so the poll is held there too; a refused token still goes the usual route.
describe.each(['express', 'node'] as const)(
  'long polls of tokens not cached (front: %s)',
  { timeout: 60_000 },
  (front) => {
    it('are held on the fast path; refused tokens answer 401 as before', async () => {
      const parked: string[] = [];
      const park = OfferCache.prototype.park;
      const spy = vi.spyOn(OfferCache.prototype, 'park').mockImplementation(function (
        this: OfferCache,
        ...args
      ) {
        parked.push(args[2].constructor.name);
        return park.apply(this, args);
      });
      const tdb = await pgliteFactory();
      // TTL 0: tokens are never cached, every request looks its token up.
      const srv = await startGcc(tdb.db, { tokenCacheTtlSeconds: 0 }, front);
      try {
        await fetch(`${srv.url}/api/v1/clients`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ id: 'stale', name: 'Stale', target_kind: 'docker' }),
        });
        const { token } = await srv.gcc.issueToken({ role: 'agent', clientId: 'stale' });
        const url = `${srv.url}/api/v1/clients/stale/updates`;
        const t0 = Date.now();
        const held = await fetch(`${url}?wait=1`, {
          headers: { authorization: `Bearer ${token}`, 'if-none-match': '"none"' },
        });
        expect(held.status).toBe(304);
        expect(held.headers.get('x-request-id')).toMatch(/^req-/);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
        // Held on the fast path: parked there, and only there. An invalidation arriving during the hold (the
        // client's creation event, delivered late on a busy machine) wakes it to re-read and park again, so a
        // second park is correct; a park by the usual route (a PromisedPoll) is not.
        expect(parked.length).toBeGreaterThanOrEqual(1);
        expect(new Set(parked)).toEqual(new Set(['FastPoll']));
        const refused = await fetch(`${url}?wait=1`, {
          headers: { authorization: 'Bearer wrk_not-a-token' },
        });
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="gcc"');
        expect(((await refused.json()) as { code: string }).code).toBe('unauthorized');
      } finally {
        spy.mockRestore();
        await srv.close();
        await tdb.dispose();
      }
    });
  },
);
