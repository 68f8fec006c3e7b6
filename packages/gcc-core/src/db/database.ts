/** Something that runs SQL: the database itself, or one open transaction. */
export interface Sql {
  /**
   * Runs one statement with `$1..$n` parameters. Without parameters the text may hold several statements
   * (simple query protocol); the result is then the last statement's.
   */
  query<R = Record<string, unknown>>(
    text: string,
    params?: unknown[],
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

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** postgres:// URL; when absent, embedded PGlite */
  url?: string;
  /** PGlite data dir; 'memory://' or undefined = in memory */
  dataDir?: string;
  /** pg pool size @default 10 */
  poolSize?: number;
}

/** Opens PostgreSQL when `url` is given, embedded PGlite otherwise. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) {
    const { openPostgres } = await import('./postgres');
    return openPostgres(options.url, options.poolSize ?? 10);
  }
  const { openPglite } = await import('./pglite');
  return openPglite(options.dataDir);
}

/** Quotes an SQL identifier (channel names for LISTEN). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
