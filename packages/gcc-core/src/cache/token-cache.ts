import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../services/context';
import { sha256 } from '../services/ids';
import type { TokenRecord, TokensService } from '../services/tokens';

const MAX_ENTRIES = 250_000;

/**
 * Resolves bearer secrets to principals. Configured admin/CI secrets are compared in constant time (on their
 * sha256); stored tokens are looked up by sha256 and cached until a revocation notification drops them.
 * `last_used_at` is written in batches ({@link flush}).
 */
export class TokenCache {
  private readonly byHash = new Map<string, TokenRecord>();
  private readonly hashById = new Map<string, string>();
  private readonly used = new Set<string>();
  private readonly env: { hash: Buffer; principal: Principal }[];
  private epoch = 0;

  constructor(
    private readonly tokens: TokensService,
    envTokens: { adminToken?: string; ciToken?: string },
  ) {
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
    const cached = this.byHash.get(digest.toString('hex'));
    if (!cached) return null;
    this.used.add(cached.id);
    return cached.principal;
  }

  /** The principal of a bearer secret, or undefined. */
  async resolve(secret: string): Promise<Principal | undefined> {
    const known = this.peek(secret);
    if (known) return known;
    const hex = sha256(secret);
    const epoch = this.epoch;
    const record = await this.tokens.lookup(hex);
    if (!record) return undefined;
    // A revocation that arrived during the lookup must win.
    if (epoch === this.epoch) {
      if (this.byHash.size >= MAX_ENTRIES) this.clear();
      this.byHash.set(hex, record);
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
