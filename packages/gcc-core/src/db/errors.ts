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

/** `pg`'s client-side `query_timeout` error: the statement got no answer in time (the connection is then unusable). */
export function isQueryTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

/**
 * A prepared statement whose result columns changed under it (SQLSTATE `0A000` "cached plan must not change result
 * type"): another replica migrated the schema (a column added to a table read with `t.*`) while this connection kept
 * the statement prepared. The connection is dropped and the statement prepared anew on the next one; until then the
 * request is answered as the database being briefly unavailable (503, retried).
 */
export function isStalePreparedPlan(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return (
    !!e &&
    typeof e === 'object' &&
    e.code === '0A000' &&
    typeof e.message === 'string' &&
    e.message.includes('cached plan must not change result type')
  );
}

/**
 * The database is away or going away: connection exceptions (SQLSTATE class 08), operator intervention (57:
 * `57P01` terminated by administrator on a restart or failover, `57P03` still starting up, `57014` a statement
 * cancelled by `statement_timeout`), insufficient resources (53), a prepared statement gone stale under a migration
 * ({@link isStalePreparedPlan}), a refused or reset socket, a connection/pool the
 * driver reports as ended, or one of the driver's time bounds (no answer to a statement, no connection in time).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (/^(08|53|57)/.test(e.code) || SOCKET_CODES.has(e.code))) return true;
  if (isStalePreparedPlan(error)) return true;
  return (
    typeof e.message === 'string' &&
    /Connection terminated|Client has encountered a connection error|pool.*(ended|closed)|PGlite is closed|Query read timeout|timeout exceeded when trying to connect|^timeout expired$/i.test(
      e.message,
    )
  );
}

/** A concurrent change lost a race (serialization failure, deadlock, lock not available): retry as it is. */
export function isConcurrencyConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01' || code === '55P03';
}
