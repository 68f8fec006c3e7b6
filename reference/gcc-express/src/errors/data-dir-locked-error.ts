/** Who holds a data directory's lock, as its holder wrote it next to the lock (informational). */
export interface DataDirLockHolder {
  pid: number;
  /** `os.hostname()` of the holder: the lock also works across machines on a shared file system. */
  host: string;
  /** What the holder runs, e.g. `wrktalk-gcc serve`. */
  command: string;
  /** When it took the lock (RFC 3339). */
  since: string;
  /** Where the holder serves the API, once it listens (e.g. `http://127.0.0.1:8080`). */
  url?: string;
}

/**
 * Another process holds the embedded (PGlite) data directory: PGlite is one process's database, and what a second
 * process writes to the same directory is lost (the holder never sees it and overwrites it). The CLI exits 1.
 */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    /** The data directory, absolute. */
    readonly dir: string,
    /** Who holds it, when the holder said so. */
    readonly holder: DataDirLockHolder | undefined,
    /** How long ago the holder last refreshed its lock, in ms (undefined when unknown). */
    readonly refreshedMsAgo: number | undefined,
    /** A lock not refreshed for this long is stale (its holder died) and is taken over, in ms. */
    readonly staleMs: number,
  ) {
    super(describe(dir, holder, refreshedMsAgo, staleMs));
  }
}

function describe(
  dir: string,
  holder: DataDirLockHolder | undefined,
  refreshedMsAgo: number | undefined,
  staleMs: number,
): string {
  const who = holder
    ? `pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ''} (${holder.command}), since ${holder.since}` +
      (holder.url ? `, serving ${holder.url}` : '')
    : 'a process that did not record who it is';
  const server = holder?.url ?? 'http://127.0.0.1:PORT';
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
  const stale =
    refreshedMsAgo === undefined
      ? ''
      : `\nIf that process has died, its lock goes stale ${seconds(staleMs)} after its last refresh (${seconds(refreshedMsAgo)} ago) and is then taken over.`;
  return (
    `the data directory ${dir} is in use by another process: ${who}.\n` +
    'Only one process may open an embedded (PGlite) data directory: what a second one wrote would be lost.\n' +
    `Stop it first, or run this command against the running server with --server ${server} (or GCC_URL=${server}).` +
    stale
  );
}

/** Whether `error` is a {@link DataDirLockedError} (also across module copies: checks `name`). */
export function isDataDirLockedError(error: unknown): error is DataDirLockedError {
  return (
    error instanceof DataDirLockedError || (error as { name?: unknown } | null)?.name === 'DataDirLockedError'
  );
}
