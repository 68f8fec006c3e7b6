import { createHash, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database';
import type { Principal } from '../services/context';
import { sha256 } from '../services/ids';
import type { TokenRecord, TokensService } from '../services/tokens';

/** How many stored tokens a {@link TokenCache} keeps by default: one per agent of a 250,000-client fleet. */
export const TOKEN_CACHE_MAX_ENTRIES = 250_000;

/** How long the cache trusts what it read. */
export interface TokenCacheOptions {
  /**
   * Seconds a looked-up token is trusted without reading the database again: a revocation or expiry that no
   * notification announced (e.g. `UPDATE tokens SET revoked_at = now()` in SQL) takes effect within this bound.
   * The cache re-checks every cached token at once (one statement) every half of this, so a fleet that polls less
   * often than this still finds its tokens cached. 0 reads the database on every request of a stored token.
   */
  ttlSeconds: number;
  /** The clock (the GCC's `now`). */
  now: () => Date;
  /** At most this many stored tokens are kept; the least recently used goes first. @default {@link TOKEN_CACHE_MAX_ENTRIES} */
  maxEntries?: number;
}

interface CachedToken {
  id: string;
  principal: Principal;
  /** When the token expires (ms), or +∞. */
  expiresMs: number;
  /** When the database last said it is live (ms): its lookup, or the last re-check that found it. */
  confirmedAt: number;
}

/** Which of these token ids are no longer live (revoked or gone): the re-check of cached tokens. */
export type TokenRecheck = (ids: readonly string[]) => Promise<readonly string[]>;

/**
 * Resolves bearer secrets to principals, comparing them exactly (no trimming: the sha256 of the secret as given).
 * Configured admin/CI secrets are compared in constant time (on their sha256); stored tokens are looked up by sha256
 * and cached until a revocation notification drops them, they expire, or the database has not confirmed them for
 * `ttlSeconds` (every cached token is re-checked in one statement every `ttlSeconds / 2`, see {@link recheck}).
 * Bounded: at most `maxEntries` tokens, least recently used evicted first. `last_used_at` is written in batches
 * ({@link flush}).
 */
export class TokenCache {
  private readonly byHash = new Map<string, CachedToken>();
  private readonly hashById = new Map<string, string>();
  private readonly used = new Set<string>();
  private readonly env: { hash: Buffer; principal: Principal }[];
  private epoch = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => Date;
  private recheckStarted = Number.NEGATIVE_INFINITY;
  private rechecking = false;

  constructor(
    private readonly tokens: TokensService,
    envTokens: { adminToken?: string; ciToken?: string },
    options: TokenCacheOptions = { ttlSeconds: 30, now: () => new Date() },
    private readonly recheckIds?: TokenRecheck,
  ) {
    this.ttlMs = options.ttlSeconds * 1000;
    this.now = options.now;
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? TOKEN_CACHE_MAX_ENTRIES));
    this.recheckStarted = this.now().getTime();
    this.env = [];
    if (envTokens.adminToken) {
      this.env.push({
        hash: Buffer.from(sha256(envTokens.adminToken), 'hex'),
        principal: { role: 'admin', name: 'admin' },
      });
    }
    if (envTokens.ciToken) {
      this.env.push({
        hash: Buffer.from(sha256(envTokens.ciToken), 'hex'),
        principal: { role: 'ci', name: 'ci' },
      });
    }
  }

  /** Number of cached stored tokens. */
  get size(): number {
    return this.byHash.size;
  }

  /**
   * The principal of a bearer secret when it is answered without the database: a configured secret, or a stored
   * token already cached. `null` means "not known here, ask {@link resolve}".
   */
  peek(secret: string): Principal | null {
    const digest = createHash('sha256').update(secret).digest();
    let envMatch: Principal | undefined;
    // Compare with every configured secret, always, so the time does not tell which (if any) matched.
    for (const e of this.env) if (timingSafeEqual(e.hash, digest)) envMatch = e.principal;
    if (envMatch) return envMatch;
    const hex = digest.toString('hex');
    const cached = this.byHash.get(hex);
    if (!cached) return null;
    const now = this.now().getTime();
    this.maybeRecheck(now);
    this.byHash.delete(hex);
    if (now >= cached.expiresMs || now >= cached.confirmedAt + this.ttlMs) {
      // Expired, or not confirmed for the TTL (re-checks failing): read it again.
      this.hashById.delete(cached.id);
      return null;
    }
    this.byHash.set(hex, cached); // the most recently used
    this.used.add(cached.id);
    return cached.principal;
  }

  /**
   * The principal of a bearer secret, or undefined. `lookup` reads the record of a sha256 (hex) not cached:
   * `TokensService.lookup` by default; the poll path passes one that reads the token and the client's offer in one
   * statement.
   */
  async resolve(
    secret: string,
    lookup: (hash: string) => Promise<TokenRecord | undefined> = (h) => this.tokens.lookup(h),
  ): Promise<Principal | undefined> {
    const known = this.peek(secret);
    if (known) return known;
    const hex = sha256(secret);
    const epoch = this.epoch;
    const read = this.now().getTime();
    const record = await lookup(hex);
    if (!record) return undefined;
    // A revocation that arrived during the lookup must win.
    if (epoch === this.epoch && this.ttlMs > 0) {
      const old = this.byHash.get(hex);
      if (old) this.byHash.delete(hex);
      this.byHash.set(hex, {
        id: record.id,
        principal: record.principal,
        expiresMs: record.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY,
        confirmedAt: read,
      });
      this.hashById.set(record.id, hex);
      if (this.byHash.size > this.maxEntries) {
        const oldest = this.byHash.entries().next();
        if (!oldest.done) {
          this.byHash.delete(oldest.value[0]);
          if (this.hashById.get(oldest.value[1].id) === oldest.value[0])
            this.hashById.delete(oldest.value[1].id);
        }
      }
    }
    this.used.add(record.id);
    return record.principal;
  }

  /** Starts a {@link recheck} when half the TTL passed since the last one started (none at a time). */
  private maybeRecheck(now: number): void {
    if (!this.recheckIds || this.rechecking || this.ttlMs <= 0 || now - this.recheckStarted < this.ttlMs / 2)
      return;
    void this.recheck().catch(() => {
      // Entries not confirmed for the TTL are read again one by one: nothing else to do here.
    });
  }

  /**
   * Re-checks every cached token in one statement: drops those revoked (or deleted) in the database, and confirms
   * the others as of the moment the re-check started. Runs by itself from {@link peek} every `ttlSeconds / 2`.
   */
  async recheck(): Promise<void> {
    if (this.rechecking || !this.recheckIds) return;
    this.rechecking = true;
    const started = this.now().getTime();
    this.recheckStarted = started;
    try {
      const snapshot = [...this.byHash.values()];
      if (snapshot.length === 0) return;
      const gone = new Set(await this.recheckIds(snapshot.map((e) => e.id)));
      for (const id of gone) this.drop(id);
      // The others were live when the statement ran, after `started` (an entry dropped meanwhile is no longer in
      // the map: confirming it changes nothing).
      for (const e of snapshot) if (!gone.has(e.id) && e.confirmedAt < started) e.confirmedAt = started;
    } finally {
      this.rechecking = false;
    }
  }

  /** Drops one token (revoked). */
  drop(id: string): void {
    this.epoch++;
    const hash = this.hashById.get(id);
    if (hash) this.byHash.delete(hash);
    this.hashById.delete(id);
  }

  /** Drops every token (notifications may have been missed). */
  clear(): void {
    this.epoch++;
    this.byHash.clear();
    this.hashById.clear();
  }

  /** Writes the batched `last_used_at`. */
  async flush(at: Date): Promise<void> {
    if (this.used.size === 0) return;
    const ids = [...this.used];
    this.used.clear();
    await this.tokens.touch(ids, at);
  }
}

/** Rows per statement of a re-check on PGlite, which runs in this process's thread (see `recordSeen`). */
const PGLITE_RECHECK_SLICE = 2000;

/**
 * The {@link TokenRecheck} of a database: the ids among `ids` without a row, or revoked; one statement on
 * PostgreSQL (an index lookup per id), slices with a yield between them on PGlite.
 */
export function recheckTokens(db: Database): TokenRecheck {
  return async (ids) => {
    const gone: string[] = [];
    const slice = db.kind === 'pglite' ? PGLITE_RECHECK_SLICE : Math.max(1, ids.length);
    for (let i = 0; i < ids.length; i += slice) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      const r = await db.query<{ id: string }>(
        `SELECT x.id FROM unnest($1::text[]) AS x(id)
         WHERE NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = x.id AND t.revoked_at IS NULL)`,
        [ids.slice(i, i + slice)],
      );
      for (const row of r.rows) gone.push(row.id);
    }
    return gone;
  };
}
