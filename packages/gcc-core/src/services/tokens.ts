import { randomBytes } from 'node:crypto';
import type { TokenIssued } from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';
import { GccServiceError } from '../errors/gcc-service-error';
import { PGLITE_SLICE } from './agent';
import { audit } from './audit-log';
import { EVENTS_CHANNEL, type Principal, type ServiceContext } from './context';
import { newId, sha256 } from './ids';
import { isoOf } from './iso-time';
import { inTransaction } from './transaction';

/** What {@link TokensService.issue} takes: a client-scoped role with its client, or a named admin/CI token. */
export type TokenInput =
  | { role: 'agent' | 'approver'; clientId: string; description?: string }
  | { role: 'admin' | 'ci'; name: string; description?: string };

/** A stored token, as authentication needs it. */
export interface TokenRecord {
  id: string;
  principal: Principal;
}

/** Bearer secret: `wrk_` and 256 random bits in base64url. */
export const newSecret = (): string => `wrk_${randomBytes(32).toString('base64url')}`;

/** Tokens: issued once, stored as sha256, revocable. */
export class TokensService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Issues a token; the secret is returned only here. */
  async issue(
    who: Principal | 'system',
    input: TokenInput,
    tx?: Sql,
  ): Promise<TokenIssued & { name: string }> {
    return inTransaction(this.ctx, tx, async (sql) => {
      const clientId = input.role === 'agent' || input.role === 'approver' ? input.clientId : null;
      if (clientId) {
        const c = await sql.query('SELECT 1 FROM clients WHERE id = $1', [clientId]);
        if (!c.rows[0]) throw new GccServiceError('not_found', `No client ${clientId}.`);
      }
      const now = this.ctx.now();
      const id = newId('tok');
      const token = newSecret();
      const name = clientId ?? (input as { name: string }).name;
      await sql.query(
        `INSERT INTO tokens (id, hash, role, client_id, name, description, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, sha256(token), input.role, clientId, name, input.description ?? null, now],
      );
      await audit(sql, now, who, 'token.create', 'token', id, {
        clientId,
        after: { role: input.role, name },
      });
      return {
        id,
        role: input.role as TokenIssued['role'],
        client_id: clientId ?? '',
        token,
        created_at: isoOf(now),
        name,
      };
    });
  }

  /** Revokes a token; every replica drops it from its cache on commit. */
  async revoke(who: Principal | 'system', id: string): Promise<void> {
    await this.ctx.db.transaction(async (sql) => {
      const r = await sql.query<{ client_id: string | null }>(
        'UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING client_id',
        [id, this.ctx.now()],
      );
      if (!r.rows[0]) {
        const exists = await sql.query('SELECT 1 FROM tokens WHERE id = $1', [id]);
        if (!exists.rows[0]) throw new GccServiceError('not_found', `No token ${id}.`);
        return;
      }
      await audit(sql, this.ctx.now(), who, 'token.revoke', 'token', id, { clientId: r.rows[0].client_id });
      await sql.query(`SELECT pg_notify('${EVENTS_CHANNEL}', $1)`, [`t:${id}`]);
    });
  }

  /** The live token with this sha256, if any. */
  async lookup(hash: string): Promise<TokenRecord | undefined> {
    const r = await this.ctx.db.query<{
      id: string;
      role: Principal['role'];
      client_id: string | null;
      name: string;
    }>('SELECT id, role, client_id, name FROM tokens WHERE hash = $1 AND revoked_at IS NULL', [hash]);
    const row = r.rows[0];
    if (!row) return undefined;
    const principal: Principal = { role: row.role, name: row.name };
    if (row.client_id) principal.clientId = row.client_id;
    return { id: row.id, principal };
  }

  /** Records when tokens were last used (batched by the caller; sliced on PGlite like `recordSeen`). */
  async touch(ids: readonly string[], at: Date): Promise<void> {
    const slice = this.ctx.db.kind === 'pglite' ? PGLITE_SLICE : ids.length;
    for (let i = 0; i < ids.length; i += slice) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      await this.ctx.db.query('UPDATE tokens SET last_used_at = $2 WHERE id = ANY($1::text[])', [
        ids.slice(i, i + slice),
        at,
      ]);
    }
  }
}
