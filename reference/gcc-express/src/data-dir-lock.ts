import { mkdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { lock } from 'proper-lockfile';
import { DataDirLockedError, type DataDirLockHolder } from './errors/data-dir-locked-error';

/**
 * The lock: a directory inside the data directory, created atomically (`mkdir`) by proper-lockfile and kept fresh
 * (its mtime) while held. Inside the data directory rather than beside it, so that it travels with the data and
 * needs no write access to the parent (a mounted volume).
 */
export const LOCK_NAME = '.wrktalk-gcc.lock';
/** Who holds the lock ({@link DataDirLockHolder} as JSON), written by the holder beside it; informational only. */
export const HOLDER_NAME = '.wrktalk-gcc.lock-holder.json';

/**
 * A lock not refreshed for this long is stale: its holder died (SIGKILL, power loss) and the next opener takes it
 * over. The holder refreshes every quarter of it, so its event loop may stall for 15 s (a long PGlite statement on
 * a loaded machine) before another process could take the directory from it. Every opener must use the same value.
 */
export const DATA_DIR_LOCK_STALE_MS = 20_000;

/** Options of {@link lockDataDir}. */
export interface DataDirLockOptions {
  /** What the holder is, shown to a refused opener. @default this process's script and arguments */
  command?: string;
  /**
   * Called when the lock is lost while held (its directory was removed, or could not be refreshed within the stale
   * window and another process may have taken it over). The holder must stop writing.
   * @default writes a warning to stderr
   */
  onCompromised?: (error: Error) => void;
}

/** An exclusive lock on a data directory, held until {@link DataDirLock.release}. */
export interface DataDirLock {
  /** The data directory, absolute (symbolic links resolved). */
  readonly dir: string;
  /** What this process wrote about itself. */
  readonly holder: DataDirLockHolder;
  /** Adds the URL this process serves the API on to the holder file, for the message a refused opener gets. */
  announce(info: { url: string }): Promise<void>;
  /** Releases the lock (idempotent). */
  release(): Promise<void>;
}

function defaultCommand(): string {
  const [, script, ...args] = process.argv;
  const name = script ? basename(script).replace(/\.(mjs|cjs|js|ts)$/, '') : 'node';
  return [name, ...args].join(' ').slice(0, 200);
}

async function readHolder(dir: string): Promise<DataDirLockHolder | undefined> {
  try {
    const h = JSON.parse(await readFile(join(dir, HOLDER_NAME), 'utf8')) as Partial<DataDirLockHolder>;
    if (typeof h.pid !== 'number' || typeof h.command !== 'string') return undefined;
    return {
      pid: h.pid,
      host: String(h.host ?? ''),
      command: h.command,
      since: String(h.since ?? ''),
      ...(typeof h.url === 'string' && { url: h.url }),
    };
  } catch {
    return undefined;
  }
}

/**
 * Takes the exclusive lock on the embedded data directory `dataDir` (created when missing), or throws
 * {@link DataDirLockedError} naming the holder at once (no waiting). Released by `release()` and, should the process
 * exit without it, by proper-lockfile's exit hook; a holder killed with SIGKILL leaves a lock that goes stale after
 * {@link DATA_DIR_LOCK_STALE_MS} and is then taken over.
 */
export async function lockDataDir(dataDir: string, options: DataDirLockOptions = {}): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const dir = await realpath(dataDir);
  const lockPath = join(dir, LOCK_NAME);
  const onCompromised =
    options.onCompromised ??
    ((error: Error) => {
      process.stderr.write(`wrktalk-gcc: lost the lock on the data directory ${dir}: ${error.message}\n`);
    });
  let releaseLock: () => Promise<void>;
  try {
    releaseLock = await lock(dir, {
      lockfilePath: lockPath,
      realpath: false,
      stale: DATA_DIR_LOCK_STALE_MS,
      update: DATA_DIR_LOCK_STALE_MS / 4,
      retries: 0,
      onCompromised,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const refreshed = await stat(lockPath).then(
      (s) => Math.max(0, Date.now() - s.mtimeMs),
      () => undefined,
    );
    throw new DataDirLockedError(dir, await readHolder(dir), refreshed, DATA_DIR_LOCK_STALE_MS);
  }
  const holder: DataDirLockHolder = {
    pid: process.pid,
    host: hostname(),
    command: options.command ?? defaultCommand(),
    since: new Date().toISOString(),
  };
  const writeHolder = (h: DataDirLockHolder) =>
    writeFile(join(dir, HOLDER_NAME), `${JSON.stringify(h)}\n`).catch(() => undefined);
  await writeHolder(holder);
  let released: Promise<void> | undefined;
  return {
    dir,
    holder,
    announce: async ({ url }) => {
      if (released) return;
      Object.assign(holder, { url });
      await writeHolder(holder);
    },
    release: () => {
      released ??= (async () => {
        // The holder file first: once the lock is gone, it may already be the next holder's.
        await rm(join(dir, HOLDER_NAME), { force: true }).catch(() => undefined);
        // ERELEASED: the lock was compromised (and reported) before; nothing is left to release.
        await releaseLock().catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ERELEASED' && error.code !== 'ENOENT') throw error;
        });
      })();
      return released;
    },
  };
}
