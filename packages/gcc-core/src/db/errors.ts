/**
 * What a database error says about the database (not about the request or the deployment): the one classification
 * the HTTP layer (503 `unavailable`) and the rollout worker (a tick retried without counting against its
 * deployment) share.
 */

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * The database is away or going away: connection exceptions (SQLSTATE class 08), operator intervention (57:
 * `57P01` terminated by administrator on a restart or failover, `57P03` still starting up), insufficient resources
 * (53), a refused or reset socket, or a connection/pool the driver reports as ended.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (/^(08|53|57)/.test(e.code) || SOCKET_CODES.has(e.code))) return true;
  return (
    typeof e.message === 'string' &&
    /Connection terminated|Client has encountered a connection error|pool.*(ended|closed)|PGlite is closed/i.test(
      e.message,
    )
  );
}

/** A concurrent change lost a race (serialization failure, deadlock, lock not available): retry as it is. */
export function isConcurrencyConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01' || code === '55P03';
}
