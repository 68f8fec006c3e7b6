import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
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

/** The answer member that holds a secret (`TokenIssued.token`): never stored in clear. */
const SECRET_MEMBER = 'token';
/** `sealed_secret` of a secret that can no longer be read back (stored in clear before migration 016). */
const LOST = 'lost';
const SEAL_VERSION = 'v1';
const HKDF_SALT = Buffer.from('wrktalk-gcc/idempotency-secret/v1');

/** The answer's secret when it is a JSON object carrying one. */
function secretOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const v = (body as Record<string, unknown>)[SECRET_MEMBER];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Idempotency keys: the first request with a key runs and its answer is stored in the same transaction; a repeat
 * with the same fingerprint replays it; another fingerprint is `idempotency_key_reused`. A concurrent repeat waits
 * on the key's row until the first commits.
 *
 * An answer carrying a token secret (`createClientToken`) is stored without it, and the secret apart, sealed with
 * AES-256-GCM under a key derived (HKDF-SHA256) from the caller's credential (its bearer token, which the database
 * does not hold: it keeps tokens as sha256 hashes) and the (scope, key): reading the table gives no usable secret.
 * The same caller's repeat, on any replica, gets the whole answer back; a caller with another credential of the
 * same name (a rotated admin token) gets `409 idempotency_key_reused` naming the token, which is to be revoked if
 * its secret is lost. A caller without a bearer token (a host `authenticate` hook) seals under a key of this GCC
 * instance: its repeat replays on this instance only (409 elsewhere or after a restart).
 */
export class IdempotencyService {
  /** The sealing credential of callers without a bearer token: random, this instance's only. */
  private readonly instanceKey = randomBytes(32).toString('base64url');

  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Runs `fn` once per (scope, key). `credential` is the caller's bearer token: a secret in the answer is sealed
   * under it (see the class).
   */
  async run(
    scope: string,
    key: string,
    fingerprint: string,
    fn: (tx: Sql) => Promise<StoredResponse>,
    credential?: string,
  ): Promise<StoredResponse & { replayed: boolean }> {
    const sealing = credential ?? this.instanceKey;
    return this.ctx.db.transaction(async (tx) => {
      const now = this.ctx.now();
      const claimed = await tx.query(
        `INSERT INTO idempotency_keys (scope, key, fingerprint, status, body, created_at)
         VALUES ($1, $2, $3, 0, 'null'::jsonb, $4) ON CONFLICT (scope, key) DO NOTHING RETURNING 1`,
        [scope, key, fingerprint, now],
      );
      if (!claimed.rows[0]) {
        const r = await tx.query<{
          fingerprint: string;
          status: number;
          body: unknown;
          sealed_secret: string | null;
        }>(
          'SELECT fingerprint, status, body, sealed_secret FROM idempotency_keys WHERE scope = $1 AND key = $2',
          [scope, key],
        );
        const row = r.rows[0]!;
        if (row.fingerprint !== fingerprint) {
          throw new GccServiceError(
            'idempotency_key_reused',
            'This Idempotency-Key was used for another request.',
          );
        }
        if (row.sealed_secret === null) return { status: row.status, body: row.body, replayed: true };
        const secret = open(row.sealed_secret, sealing, scope, key, fingerprint);
        if (secret === undefined) {
          const id = (row.body as { id?: unknown } | null)?.id;
          throw new GccServiceError(
            'idempotency_key_reused',
            `The answer to this Idempotency-Key carried the secret of token ${typeof id === 'string' ? id : '(unknown)'}, ` +
              'which is kept only in a form the bearer token that made the request can read back: this caller ' +
              'cannot. If that secret is lost, revoke the token and issue another one.',
          );
        }
        return {
          status: row.status,
          body: { ...(row.body as Record<string, unknown>), [SECRET_MEMBER]: secret },
          replayed: true,
        };
      }
      const result = await fn(tx);
      const secret = secretOf(result.body);
      let body = result.body;
      let sealed: string | null = null;
      if (secret !== undefined) {
        const { [SECRET_MEMBER]: _secret, ...rest } = result.body as Record<string, unknown>;
        body = rest;
        sealed = seal(secret, sealing, scope, key, fingerprint);
      }
      await tx.query(
        'UPDATE idempotency_keys SET status = $3, body = $4::jsonb, sealed_secret = $5 WHERE scope = $1 AND key = $2',
        [scope, key, result.status, JSON.stringify(body), sealed],
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

/** The AES-256 key of one (credential, scope, key). */
function keyOf(credential: string, scope: string, key: string): Buffer {
  return Buffer.from(hkdfSync('sha256', credential, HKDF_SALT, `${scope}\u0000${key}`, 32));
}

/** `v1.<iv>.<tag>.<ciphertext>` (base64url), the fingerprint as additional data. */
function seal(secret: string, credential: string, scope: string, key: string, fingerprint: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(credential, scope, key), iv);
  cipher.setAAD(Buffer.from(fingerprint));
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [SEAL_VERSION, iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** The sealed secret, or undefined when this credential cannot open it (or it was dropped). */
function open(
  sealed: string,
  credential: string,
  scope: string,
  key: string,
  fingerprint: string,
): string | undefined {
  if (sealed === LOST) return undefined;
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== SEAL_VERSION || iv === undefined || tag === undefined || data === undefined)
    return undefined;
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      keyOf(credential, scope, key),
      Buffer.from(iv, 'base64url'),
    );
    decipher.setAAD(Buffer.from(fingerprint));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}
