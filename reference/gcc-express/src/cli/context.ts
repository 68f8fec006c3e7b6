import type { GccClient } from '@wrktalk/sdk-gcc';
import { UsageError } from '../cli';
import { callRemote, type RemoteFlags, remoteOf, wantsRemote } from './remote';

/** What the API commands need from `runCli`. */
export interface CommandContext {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal (`deployments watch` redraws in place). */
  tty: boolean;
  /** Aborted to stop a watch; undefined: SIGINT. */
  interrupt: AbortSignal | undefined;
  /** Sets the exit code of a command that ends without an error (`deployments watch`). */
  setExitCode(code: number): void;
  /** The package version (user agent, `--version`). */
  version: string;
  /**
   * Runs `fn` with the local admin API: the configured database opened in this process, as `client create` has
   * always done. Only the helpers that worked without a server use it.
   */
  localApi<T>(fn: (api: GccClient) => Promise<T>): Promise<T>;
}

/** Runs `fn` against the GCC named by `--server`/`GCC_URL` with `--token`/`GCC_TOKEN` (never the database). */
export function remoteApi<T>(
  ctx: CommandContext,
  flags: RemoteFlags,
  fn: (api: GccClient) => Promise<T>,
): Promise<T> {
  return callRemote(remoteOf(flags, ctx.env), ctx.version, fn);
}

/**
 * Whether one of the helpers that predate the API commands (`clients create`, `tokens issue|revoke|rotate`) goes over
 * the API: yes when `--server` or `GCC_URL` is given, else it opens the configured database as before. `--token`
 * without a server is a usage error.
 */
export function overApi(ctx: CommandContext, flags: RemoteFlags): boolean {
  if (wantsRemote(flags, ctx.env)) return true;
  if (flags.token !== undefined) {
    throw new UsageError('--token goes with --server <url> (or GCC_URL); without them the database is used.');
  }
  return false;
}

/** Runs `fn` with the API {@link overApi} chooses: the remote GCC's, or the local admin API on the database. */
export function eitherApi<T>(
  ctx: CommandContext,
  flags: RemoteFlags,
  fn: (api: GccClient) => Promise<T>,
): Promise<T> {
  return overApi(ctx, flags) ? remoteApi(ctx, flags, fn) : ctx.localApi(fn);
}
