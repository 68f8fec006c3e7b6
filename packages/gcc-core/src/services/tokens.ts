import { randomBytes } from 'node:crypto';
import { MAX_TOKEN_TTL_SECONDS, type TokenIssued, tokenExpiryOf } from '@wrktalk/sdk-gcc';
import { PREPARED, type Sql } from '../db/database';
import { GccServiceError } from '../errors/gcc-service-error';
import { PGLITE_SLICE } from './agent';
import { audit } from './audit-log';
import { EVENTS_CHANNEL, type Principal, type ServiceContext } from './context';
import { newId, sha256 } from './ids';
import { isoOf } from './iso-time';
import { inTransaction } from './transaction';

/** When an issued token stops being valid: never (neither given), at `expiresAt`, or `ttlSeconds` after issue. */
export interface TokenExpiry {
  /** The token is refused from this instant on (must be in the future). */
  expiresAt?: Date;
  /** The token is refused this many seconds after it is issued (1 to {@link MAX_TOKEN_TTL_SECONDS}). */
  ttlSeconds?: number;
}

/** What {@link TokensService.issue} takes: a client-scoped role with its client, or a named admin/CI token. */
export type TokenInput = (
  | { role: 'agent' | 'approver'; clientId: string; description?: string }
  | { role: 'admin' | 'ci'; name: string; description?: string }
) &
  TokenExpiry;

/** The longest TTL a token can be issued with: 10 years (sdk-gcc's rule). */
export { MAX_TOKEN_TTL_SECONDS };

/** A stored token, as authentication needs it. */
export interface TokenRecord {
  id: string;
  principal: Principal;
  /** When it expires, if it does. */
  expiresAt?: Date;
}

/** The expiry instant of `input` issued at `now` (null: none), or a validation error (sdk-gcc's `tokenExpiryOf`). */
function expiryOf(input: TokenExpiry, now: Date): Date | null {
  const r = tokenExpiryOf(
    {
      ...(input.expiresAt !== undefined && {
        expiresAtMs: input.expiresAt instanceof Date ? input.expiresAt.getTime() : Number.NaN,
      }),
      ...(input.ttlSeconds !== undefined && { ttlSeconds: input.ttlSeconds }),
    },
    now.getTime(),
  );
  if ('problem' in r) throw new GccServiceError('validation_failed', r.problem.detail, r.problem.errors);
  return r.expiresAtMs === null ? null : new Date(r.expiresAtMs);
}

/** Bearer secret: `wrk_` and 256 random bits in base64url. */
export const newSecret = (): string => `wrk_${randomBytes(32).toString('base64url')}`;

/** Tokens: issued once, stored as sha256, revocable, optionally expiring. */
export class TokensService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Issues a token; the secret is returned only here. */
  async issue(
    who: Principal | 'system',
    input: TokenInput,
    tx?: Sql,
  ): Promise<TokenIssued & { name: string }> {
    const now = this.ctx.now();
    const expiresAt = expiryOf(input, now);
    return inTransaction(this.ctx, tx, async (sql) => {
      const clientId = input.role === 'agent' || input.role === 'approver' ? input.clientId : null;
      if (clientId) {
        const c = await sql.query('SELECT 1 FROM clients WHERE id = $1', [clientId]);
        if (!c.rows[0]) throw new GccServiceError('not_found', `No client ${clientId}.`);
      }
      const id = newId('tok');
      const token = newSecret();
      const name = clientId ?? (input as { name: string }).name;
      await sql.query(
        `INSERT INTO tokens (id, hash, role, client_id, name, description, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, sha256(token), input.role, clientId, name, input.description ?? null, now, expiresAt],
      );
      await audit(sql, now, who, 'token.create', 'token', id, {
        clientId,
        after: { role: input.role, name, expires_at: expiresAt && isoOf(expiresAt) },
      });
      return {
        id,
        role: input.role as TokenIssued['role'],
        client_id: clientId ?? '',
        token,
        created_at: isoOf(now),
        expires_at: expiresAt && isoOf(expiresAt),
        name,
      };
    });
  }

  /**
   * Revokes a token; every replica drops it from its cache on commit (and, should the notification be missed,
   * within the token cache's TTL). Revoking a revoked token does nothing. With `clientId`, only a token of that
   * client is revoked: another's is `not_found`, as if it did not exist.
   */
  async revoke(who: Principal | 'system', id: string, clientId?: string): Promise<void> {
    await this.ctx.db.transaction(async (sql) => {
      const scope = clientId ?? null;
      const r = await sql.query<{ client_id: string | null }>(
        'UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL AND ($3::text IS NULL OR client_id = $3) RETURNING client_id',
        [id, this.ctx.now(), scope],
      );
      if (!r.rows[0]) {
        const exists = await sql.query(
          'SELECT 1 FROM tokens WHERE id = $1 AND ($2::text IS NULL OR client_id = $2)',
          [id, scope],
        );
        if (!exists.rows[0])
          throw new GccServiceError(
            'not_found',
            `No token ${id}${clientId ? ` of client ${clientId}` : ''}.`,
          );
        return;
      }
      await audit(sql, this.ctx.now(), who, 'token.revoke', 'token', id, { clientId: r.rows[0].client_id });
      await sql.query(`SELECT pg_notify('${EVENTS_CHANNEL}', $1)`, [`t:${id}`]);
    });
  }

  /** The live token (not revoked, not expired) with exactly this sha256, if any. */
  async lookup(hash: string): Promise<TokenRecord | undefined> {
    const r = await this.ctx.db.query<{
      id: string;
      role: Principal['role'];
      client_id: string | null;
      name: string;
      expires_at: Date | string | null;
    }>(
      'SELECT id, role, client_id, name, expires_at FROM tokens WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)',
      [hash, this.ctx.now()],
      PREPARED,
    );
    const row = r.rows[0];
    if (!row) return undefined;
    const expiresAt = row.expires_at === null ? undefined : new Date(row.expires_at);
    const principal: Principal = { role: row.role, name: row.name, tokenId: row.id };
    if (row.client_id) principal.clientId = row.client_id;
    if (expiresAt) principal.expiresAt = expiresAt;
    return { id: row.id, principal, ...(expiresAt && { expiresAt }) };
  }

  /** Records when tokens were last used (batched by the caller; sliced on PGlite like `recordSeen`). */
  async touch(ids: readonly string[], at: Date): Promise<void> {
    const slice = this.ctx.db.kind === 'pglite' ? PGLITE_SLICE : ids.length;
    for (let i = 0; i < ids.length; i += slice) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      await this.ctx.db.query(
        'UPDATE tokens SET last_used_at = $2 WHERE id = ANY($1::text[])',
        [ids.slice(i, i + slice), at],
        PREPARED,
      );
    }
  }
}
