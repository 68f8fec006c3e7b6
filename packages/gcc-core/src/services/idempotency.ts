import type { Sql } from '../db/database';
import { GccServiceError } from '../errors/gcc-service-error';
import type { ServiceContext } from './context';

/** A stored answer of a creating request. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/** How long idempotency keys are kept (the contract promises at least 24 hours). */
export const IDEMPOTENCY_TTL_MS = 48 * 3600 * 1000;

/**
 * Idempotency keys: the first request with a key runs and its answer is stored in the same transaction; a repeat
 * with the same fingerprint replays it; another fingerprint is `idempotency_key_reused`. A concurrent repeat waits
 * on the key's row until the first commits.
 */
export class IdempotencyService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Runs `fn` once per (scope, key). */
  async run(
    scope: string,
    key: string,
    fingerprint: string,
    fn: (tx: Sql) => Promise<StoredResponse>,
  ): Promise<StoredResponse & { replayed: boolean }> {
    return this.ctx.db.transaction(async (tx) => {
      const now = this.ctx.now();
      const claimed = await tx.query(
        `INSERT INTO idempotency_keys (scope, key, fingerprint, status, body, created_at)
         VALUES ($1, $2, $3, 0, 'null'::jsonb, $4) ON CONFLICT (scope, key) DO NOTHING RETURNING 1`,
        [scope, key, fingerprint, now],
      );
      if (!claimed.rows[0]) {
        const r = await tx.query<{ fingerprint: string; status: number; body: unknown }>(
          'SELECT fingerprint, status, body FROM idempotency_keys WHERE scope = $1 AND key = $2',
          [scope, key],
        );
        const row = r.rows[0]!;
        if (row.fingerprint !== fingerprint) {
          throw new GccServiceError(
            'idempotency_key_reused',
            'This Idempotency-Key was used for another request.',
          );
        }
        return { status: row.status, body: row.body, replayed: true };
      }
      const result = await fn(tx);
      await tx.query(
        'UPDATE idempotency_keys SET status = $3, body = $4::jsonb WHERE scope = $1 AND key = $2',
        [scope, key, result.status, JSON.stringify(result.body)],
      );
      return { ...result, replayed: false };
    });
  }

  /** Forgets keys older than {@link IDEMPOTENCY_TTL_MS}. */
  async prune(): Promise<void> {
    await this.ctx.db.query('DELETE FROM idempotency_keys WHERE created_at < $1', [
      new Date(this.ctx.now().getTime() - IDEMPOTENCY_TTL_MS),
    ]);
  }
}
