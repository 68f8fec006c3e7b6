import { GccOptionsError, OptionProblems } from '../errors/options-error';

/** How one statement is run (see {@link Sql.query}). */
export interface QueryOptions {
  /**
   * Keep this statement prepared on each connection that runs it: on PostgreSQL a named statement (its name derived
   * from the text), parsed and planned once per connection instead of at every run — about ten times less server
   * CPU for the poll's read. For the hot statements whose text is a constant: every distinct text stays prepared for
   * the life of its connection, so never for text built from input (selectors, filters). Ignored on PGlite, and
   * when the database was opened with `preparedStatements: false`.
   * @default false
   */
  prepare?: boolean;
}

/** {@link QueryOptions} of a hot statement with a constant text: kept prepared on each connection. */
export const PREPARED: QueryOptions = Object.freeze({ prepare: true });

/** Something that runs SQL: the database itself, or one open transaction. */
export interface Sql {
  /**
   * Runs one statement with `$1..$n` parameters. Without parameters the text may hold several statements
   * (simple query protocol); the result is then the last statement's.
   */
  query<R = Record<string, unknown>>(
    text: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<{ rows: R[]; rowCount: number }>;
}

/** The storage the GCC runs on: PostgreSQL through `pg`, or embedded PGlite. */
export interface Database extends Sql {
  /** Which engine is behind it. */
  kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Subscribes to a NOTIFY channel; resolves to an unsubscribe function. When the listening connection is lost
   * (and again once it is back), every listener receives the payload `*`: notifications may have been missed.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** Closes every connection. */
  close(): Promise<void>;
}

/**
 * Time bounds of the PostgreSQL connections (node-postgres `pg.Pool` options), so that a database that stops
 * answering (a half-open connection, a partition, a hung host) fails requests with 503 `unavailable` instead of
 * holding them, and `/readyz`, for ever. Every value is in milliseconds; 0 turns that bound off. PGlite ignores them.
 */
export interface DatabaseTimeouts {
  /**
   * Opening a connection (TCP, TLS, authentication), and waiting for a free connection of the pool when all are
   * busy (`connectionTimeoutMillis`).
   * @default 10_000
   */
  connectTimeoutMs?: number;
  /**
   * Server side: PostgreSQL cancels a statement running longer (`statement_timeout`, SQLSTATE 57014, answered 503).
   * Raise it for `migrate` on very large tables.
   * @default 30_000
   */
  statementTimeoutMs?: number;
  /**
   * Client side: a statement with no answer after this long fails and its connection is closed (`query_timeout`).
   * The one bound that catches a connection that went silent; keep it above `statementTimeoutMs` so a slow statement
   * is cancelled by the server first and its connection stays usable.
   * @default statementTimeoutMs + 5_000 (35_000), or 0 when statementTimeoutMs is 0
   */
  queryTimeoutMs?: number;
  /** Server side: a session idle inside a transaction longer than this is ended (`idle_in_transaction_session_timeout`). @default 60_000 */
  idleInTransactionTimeoutMs?: number;
  /**
   * TCP keepalive on every connection: the first probe after this long without traffic (`keepAlive`,
   * `keepAliveInitialDelayMillis`), so a peer that vanished (host down, NAT entry dropped) is noticed by the kernel.
   * 0 turns keepalive off.
   * @default 10_000
   */
  keepAliveInitialDelayMs?: number;
  /**
   * How often the LISTEN connection (cache invalidations across replicas) is checked with `SELECT 1`; when the check
   * gets no answer within `queryTimeoutMs` (or 5 s when that is off), the connection is replaced and every cache is
   * cleared (notifications may have been missed). 0: never checked.
   * @default 15_000
   */
  listenCheckIntervalMs?: number;
}

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions extends DatabaseTimeouts {
  /** postgres:// URL; when absent, embedded PGlite */
  url?: string;
  /** PGlite data dir; 'memory://' or undefined = in memory */
  dataDir?: string;
  /** pg pool size @default 10 */
  poolSize?: number;
  /**
   * Whether statements run with `prepare: true` ({@link QueryOptions}) become named prepared statements. Turn it off
   * behind a connection pooler in transaction mode that does not track prepared statements (PgBouncer before 1.21,
   * or with `max_prepared_statements = 0`): there a statement prepared on one server connection may be executed on
   * another. Session-mode poolers (the chart's CloudNativePG Pooler) keep them. PGlite ignores it.
   * @default true
   */
  preparedStatements?: boolean;
}

/** {@link DatabaseTimeouts} with every default applied. */
export type ResolvedDatabaseTimeouts = Required<DatabaseTimeouts>;

/** The largest timeout accepted: 24 hours. */
const MAX_TIMEOUT_MS = 86_400_000;

/**
 * Applies the defaults of {@link DatabaseTimeouts}; values that are not whole milliseconds from 0 to 24 h are
 * reported together in one `GccOptionsError`.
 */
export function resolveDatabaseTimeouts(t: DatabaseTimeouts = {}): ResolvedDatabaseTimeouts {
  const p = new OptionProblems();
  const ms = (name: keyof DatabaseTimeouts, fallback: number) =>
    p.integer(name, t[name], fallback, 0, MAX_TIMEOUT_MS);
  const statementTimeoutMs = ms('statementTimeoutMs', 30_000);
  const resolved = {
    connectTimeoutMs: ms('connectTimeoutMs', 10_000),
    statementTimeoutMs,
    queryTimeoutMs: ms('queryTimeoutMs', statementTimeoutMs === 0 ? 0 : statementTimeoutMs + 5_000),
    idleInTransactionTimeoutMs: ms('idleInTransactionTimeoutMs', 60_000),
    keepAliveInitialDelayMs: ms('keepAliveInitialDelayMs', 10_000),
    listenCheckIntervalMs: ms('listenCheckIntervalMs', 15_000),
  };
  if (p.list.length > 0) throw new GccOptionsError(p.list, 'database options');
  return resolved;
}

/** Opens PostgreSQL when `url` is given, embedded PGlite otherwise. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) {
    const timeouts = resolveDatabaseTimeouts(options);
    const { openPostgres } = await import('./postgres');
    return openPostgres(options.url, options.poolSize ?? 10, timeouts, {
      preparedStatements: options.preparedStatements ?? true,
    });
  }
  const { openPglite } = await import('./pglite');
  return openPglite(options.dataDir);
}

/** Quotes an SQL identifier (channel names for LISTEN). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
