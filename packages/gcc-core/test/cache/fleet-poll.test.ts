import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfferCache } from '../../src/cache/offer-cache';
import { TokenCache } from '../../src/cache/token-cache';
import type { Offer } from '../../src/services/agent';
import type { TokensService } from '../../src/services/tokens';
import { clientEventPayloads, parseCacheEvent } from '../../src/services/transaction';
import { countingDatabase, pgliteFactory, type TestDatabase } from '../helpers/databases';
import { ADMIN, CI, type RunningGcc, startGcc } from '../helpers/servers';

/** Statements other than the rollout worker's job queue (pg-boss polling its tables on the same database). */
const ours = (texts: string[]) => texts.filter((t) => !t.includes('gcc_boss'));

/** Statements that read a token (a lookup by hash, alone or with the client's offer). */
const tokenReads = (texts: string[]) => texts.filter((t) => /FROM tokens\b[\s\S]*\bhash = \$1/.test(t));

// The poll path at fleet scale (issue 18): cost independent of cache warmth, caches bounded, and a large change
// (a stage start, an abort) drops exactly the offers it changed, never the tokens.
describe('the agent poll path at fleet scale (PGlite)', { timeout: 180_000 }, () => {
  const N = 260; // more than the 200 clients above which a change used to clear every cache
  let tdb: TestDatabase;
  let counting: ReturnType<typeof countingDatabase>;
  let srv: RunningGcc;
  const agents: { client: string; token: string }[] = [];

  const poll = (a: { client: string; token: string }) =>
    fetch(`${srv.url}/api/v1/clients/${a.client}/updates`, {
      headers: { authorization: `Bearer ${a.token}` },
    });

  beforeAll(async () => {
    tdb = await pgliteFactory();
    counting = countingDatabase(tdb.db);
    srv = await startGcc(counting.db, { orchestration: 'immediate' }, 'node');
    await tdb.db.query(
      `INSERT INTO clients (id, name, target_kind, auto_approve, created_at, updated_at)
       SELECT 'fleet-' || lpad(g::text, 4, '0'), 'fleet ' || g, 'docker', '{"all": true, "components": []}',
              now(), now()
       FROM generate_series(1, $1::int) AS g`,
      [N],
    );
    for (let i = 1; i <= N; i++) {
      const client = `fleet-${String(i).padStart(4, '0')}`;
      agents.push({ client, token: (await srv.gcc.issueToken({ role: 'agent', clientId: client })).token });
    }
  });
  afterAll(async () => {
    await srv?.close();
    await tdb?.dispose();
  });

  it('answers an agent\'s first poll (token and offer not cached) with "nothing new" in one round trip', async () => {
    counting.reset();
    const r = await poll(agents[0]!);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ available: false, poll_after_seconds: 30 });
    expect(ours(counting.texts())).toHaveLength(1);
    // Kept prepared on PostgreSQL (parsed and planned once per connection: ~9x less server CPU per cold poll).
    expect(counting.prepared()[counting.texts().indexOf(ours(counting.texts())[0]!)]).toBe(true);
    // And the next poll of that agent needs none.
    counting.reset();
    expect((await poll(agents[0]!)).status).toBe(200);
    expect(ours(counting.texts())).toEqual([]);
  });

  it('refuses a token of another client, an unknown token and a revoked one, through the one-statement lookup', async () => {
    // Another client's token sees nothing of this client: 404, as if it did not exist (the usual route's answer).
    const stranger = await poll({ client: agents[1]!.client, token: agents[2]!.token });
    expect(stranger.status).toBe(404);
    expect((await poll({ client: agents[1]!.client, token: 'wrk_not-a-token' })).status).toBe(401);
    const fresh = await srv.gcc.issueToken({ role: 'agent', clientId: agents[3]!.client });
    await srv.gcc.revokeToken(fresh.id);
    expect((await poll({ client: agents[3]!.client, token: fresh.token })).status).toBe(401);
  });

  it('keeps every token cached and hands out no stale offer across a stage start of every client', async () => {
    // Every agent polls once: tokens and "nothing new" offers cached.
    for (const a of agents) expect((await poll(a)).status).toBe(200);
    // A deployment to all of them, auto-approved: the worker queues every task (a change of > 200 clients).
    const rel = await srv.client(CI).releases.create({
      component: 'backend',
      version: 'fleet1',
      image_url: 'registry.wrktalk.com/backend:fleet1',
    });
    const d = await srv.client(ADMIN).deployments.create({
      release_id: rel.id,
      targets: { client_ids: agents.map((a) => a.client) },
    });
    const offered = async () => {
      let n = 0;
      for (const a of agents) if (((await (await poll(a)).json()) as { available: boolean }).available) n++;
      return n;
    };
    const end = Date.now() + 60_000;
    counting.reset();
    let n = await offered();
    while (n < N && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      n = await offered();
    }
    expect(n).toBe(N);
    // No agent's token was read again: the change dropped offers only.
    expect(tokenReads(counting.texts())).toEqual([]);
    // And every answer was right: the offers cached as "nothing new" before the change were not handed out after it.
    await srv.client(ADMIN).deployments.abort(d.id);
  });

  it('pausing hides queued tasks from agents whose "nothing new" was cached, and resuming shows them at once', async () => {
    // Clients of their own: the fleet's tasks of the test above may still be in progress (an abort leaves them be).
    const some: { client: string; token: string }[] = [];
    for (let i = 1; i <= 5; i++) {
      const client = `paused-${i}`;
      await srv.client(ADMIN).clients.create({
        id: client,
        name: client,
        target_kind: 'docker',
        auto_approve: { all: true, components: [] },
      });
      some.push({ client, token: (await srv.gcc.issueToken({ role: 'agent', clientId: client })).token });
    }
    const available = async (a: { client: string; token: string }) =>
      ((await (await poll(a)).json()) as { available: boolean }).available;
    const rel = await srv.client(CI).releases.create({
      component: 'backend',
      version: 'fleet2',
      image_url: 'registry.wrktalk.com/backend:fleet2',
    });
    // Paused as soon as it exists; the agents' "nothing new" is cached meanwhile.
    for (const a of some) expect(await available(a), a.client).toBe(false);
    const d = await srv.client(ADMIN).deployments.create({
      release_id: rel.id,
      targets: { client_ids: some.map((a) => a.client) },
    });
    await srv.client(ADMIN).deployments.pause(d.id);
    for (const a of some) expect(await available(a), a.client).toBe(false);
    // The tasks wait, approved, while paused (nothing polled them out).
    const tasks = await srv.client(ADMIN).deployments.listTasks(d.id);
    expect(tasks.items.map((t) => t.status)).not.toContain('in_progress');
    await srv.client(ADMIN).deployments.resume(d.id);
    const end = Date.now() + 30_000;
    const left = new Set(some.map((a) => a.client));
    while (left.size > 0 && Date.now() < end) {
      for (const a of some) if (left.has(a.client) && (await available(a))) left.delete(a.client);
      if (left.size > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect([...left]).toEqual([]);
    await srv.client(ADMIN).deployments.abort(d.id);
  });
});

describe('cache events', () => {
  it('announce any number of clients in payloads NOTIFY takes, and never clear tokens for an offer change', () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => `client-${String(i).padStart(8, '0')}`);
    const payloads = clientEventPayloads(ids);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    const back = payloads.flatMap((p) => {
      const e = parseCacheEvent(p);
      expect(e?.kind).toBe('clients');
      return e?.kind === 'clients' && e.clientIds !== '*' ? e.clientIds : [];
    });
    expect(back).toEqual(ids);
    expect(parseCacheEvent(clientEventPayloads('*')[0]!)).toEqual({ kind: 'clients', clientIds: '*' });
    // Only a lost LISTEN connection ("*", from the database adapter) means every cache.
    expect(parseCacheEvent('*')).toEqual({ kind: 'everything' });
    expect(parseCacheEvent('t:tok-1')).toEqual({ kind: 'token', id: 'tok-1' });
  });
});

describe('bounded caches', () => {
  const offer = (etag: string): Offer => ({
    etag,
    body: { available: false, poll_after_seconds: 30 },
    json: '{}',
    validUntil: Number.POSITIVE_INFINITY,
  });

  it('keeps at most maxEntries offers, the most recently used', () => {
    const cache = new OfferCache({ maxEntries: 3 });
    for (const c of ['a', 'b', 'c']) cache.set(c, offer(c), cache.stamp(c));
    expect(cache.get('a', 0)?.etag).toBe('a'); // a is now the most recently used
    cache.set('d', offer('d'), cache.stamp('d'));
    expect(cache.size).toBe(3);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(['a', 'c', 'd'].map((c) => cache.get(c, 0)?.etag)).toEqual(['a', 'c', 'd']);
  });

  it('never stores a read that an invalidation overtook, however many clients were invalidated', () => {
    const cache = new OfferCache();
    const stamp = cache.stamp('x');
    cache.invalidate(['x']);
    cache.set('x', offer('stale'), stamp);
    expect(cache.get('x', 0)).toBeUndefined();
    const stamp2 = cache.stamp('y');
    cache.invalidate(Array.from({ length: 10_000 }, (_, i) => `c${i}`).concat('y'));
    cache.set('y', offer('stale'), stamp2);
    expect(cache.get('y', 0)).toBeUndefined();
    // A read of a client not invalidated is kept; one started after the invalidation too.
    const s3 = cache.stamp('z');
    cache.invalidate(['other']);
    cache.set('z', offer('z'), s3);
    expect(cache.get('z', 0)?.etag).toBe('z');
    cache.set('y', offer('y'), cache.stamp('y'));
    expect(cache.get('y', 0)?.etag).toBe('y');
  });

  it('keeps at most maxEntries tokens, and a token revoked in SQL alone is refused within the TTL', async () => {
    let now = 1_000_000;
    const live = new Set(['t1', 't2', 't3']);
    let lookups = 0;
    const tokens = {
      lookup: async (hash: string) => {
        lookups++;
        const id = `t${secretOf.get(hash)}`;
        return live.has(id)
          ? { id, principal: { role: 'agent' as const, name: id, clientId: id, tokenId: id } }
          : undefined;
      },
    } as unknown as TokensService;
    const secretOf = new Map<string, string>();
    const { sha256 } = await import('../../src/services/ids');
    for (const k of ['1', '2', '3']) secretOf.set(sha256(`s${k}`), k);
    const recheck = async (ids: readonly string[]) => ids.filter((id) => !live.has(id));
    const cache = new TokenCache(
      tokens,
      {},
      { ttlSeconds: 30, now: () => new Date(now), maxEntries: 2 },
      recheck,
    );
    for (const k of ['1', '2', '3']) expect((await cache.resolve(`s${k}`))?.name).toBe(`t${k}`);
    expect(cache.size).toBe(2);
    expect(cache.peek('s1')).toBeNull(); // evicted, the least recently used
    // A fleet polling every 60 s keeps its tokens: re-checked in one statement every 15 s.
    lookups = 0;
    for (let t = 0; t < 10; t++) {
      now += 16_000;
      expect(cache.peek('s3')?.name).toBe('t3');
      await cache.recheck(); // what peek started, awaited here
    }
    expect(lookups).toBe(0);
    // Revoked in SQL, no notification: refused once a re-check ran (at most 15 s + the statement later).
    live.delete('t3');
    now += 16_000;
    cache.peek('s3');
    await cache.recheck();
    expect(cache.peek('s3')).toBeNull();
    expect(await cache.resolve('s3')).toBeUndefined();
  });

  it('stops trusting a token the re-checks cannot confirm after the TTL', async () => {
    let now = 0;
    const tokens = {
      lookup: async () => ({ id: 't', principal: { role: 'agent' as const, name: 't', clientId: 'c' } }),
    } as unknown as TokensService;
    const failing = async () => {
      throw new Error('database down');
    };
    const cache = new TokenCache(tokens, {}, { ttlSeconds: 30, now: () => new Date(now) }, failing);
    await cache.resolve('secret');
    now = 20_000;
    expect(cache.peek('secret')).not.toBeNull();
    await cache.recheck().catch(() => {});
    now = 30_000;
    expect(cache.peek('secret')).toBeNull();
  });
});
