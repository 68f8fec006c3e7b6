import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../services/context';
import { sha256 } from '../services/ids';
import type { TokenRecord, TokensService } from '../services/tokens';

const MAX_ENTRIES = 250_000;

/** How long the cache trusts what it read. */
export interface TokenCacheOptions {
  /**
   * Seconds a looked-up token is trusted without reading the database again: a revocation or expiry that no
   * notification announced (e.g. `UPDATE tokens SET revoked_at = now()` in SQL) takes effect within this bound.
   * 0 reads the database on every request of a stored token.
   */
  ttlSeconds: number;
  /** The clock (the GCC's `now`). */
  now: () => Date;
}

interface CachedToken extends TokenRecord {
  /** When this entry must be read again (ms): the earlier of the TTL and the token's expiry. */
  staleAt: number;
}

/**
 * Resolves bearer secrets to principals, comparing them exactly (no trimming: the sha256 of the secret as given).
 * Configured admin/CI secrets are compared in constant time (on their sha256); stored tokens are looked up by sha256
 * and cached until a revocation notification drops them, their TTL passes or they expire, whichever is first.
 * `last_used_at` is written in batches ({@link flush}).
 */
export class TokenCache {
  private readonly byHash = new Map<string, CachedToken>();
  private readonly hashById = new Map<string, string>();
  private readonly used = new Set<string>();
  private readonly env: { hash: Buffer; principal: Principal }[];
  private epoch = 0;
  private readonly ttlMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly tokens: TokensService,
    envTokens: { adminToken?: string; ciToken?: string },
    options: TokenCacheOptions = { ttlSeconds: 30, now: () => new Date() },
  ) {
    this.ttlMs = options.ttlSeconds * 1000;
    this.now = options.now;
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
    if (this.now().getTime() >= cached.staleAt) {
      // Stale (TTL passed or the token expired): read it again.
      this.byHash.delete(hex);
      this.hashById.delete(cached.id);
      return null;
    }
    this.used.add(cached.id);
    return cached.principal;
  }

  /** The principal of a bearer secret, or undefined. */
  async resolve(secret: string): Promise<Principal | undefined> {
    const known = this.peek(secret);
    if (known) return known;
    const hex = sha256(secret);
    const epoch = this.epoch;
    const read = this.now().getTime();
    const record = await this.tokens.lookup(hex);
    if (!record) return undefined;
    const staleAt = Math.min(read + this.ttlMs, record.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY);
    // A revocation that arrived during the lookup must win.
    if (epoch === this.epoch && this.ttlMs > 0) {
      if (this.byHash.size >= MAX_ENTRIES) this.clear();
      this.byHash.set(hex, { ...record, staleAt });
      this.hashById.set(record.id, hex);
    }
    this.used.add(record.id);
    return record.principal;
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
