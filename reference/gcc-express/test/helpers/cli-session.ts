import { EventEmitter, once } from 'node:events';
import { createGccClient, type GccClient } from '@wrktalk/sdk-gcc';
import { type CliIo, runCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import { createLogger, type RunningServer, startServer } from '../../src/server';

export const ADMIN = `gcc_admin_${'a'.repeat(40)}`;
export const CI = `gcc_ci_${'c'.repeat(40)}`;

/** A real GCC for the CLI to talk to: `serve` in this process on PGlite in memory, with its rollout worker. */
export interface ApiGcc {
  running: RunningServer;
  url: string;
  /** A typed client of it with `token` (to set up and check what the CLI did). */
  api(token: string): GccClient;
  /** The environment of a CLI talking to it with `token`. */
  env(token: string): Record<string, string>;
  stop(): Promise<void>;
}

/** Starts {@link ApiGcc} on an ephemeral loopback port. */
export async function startApiGcc(): Promise<ApiGcc> {
  const config = loadConfig({
    GCC_DATA_DIR: 'memory://',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    GCC_ADMIN_TOKEN: ADMIN,
    GCC_CI_TOKEN: CI,
  });
  const running = await startServer(config, createLogger(config));
  return {
    running,
    url: running.url,
    api: (token) => createGccClient({ baseUrl: running.url, token, retry: false }),
    env: (token) => ({ GCC_URL: running.url, GCC_TOKEN: token }),
    stop: () => running.stop(2000),
  };
}

/** A CLI run in progress: its output so far, a way to wait for some of it, and its end. */
export interface CliSession {
  out(): string;
  err(): string;
  /** Resolves once stdout matches `re`; rejects after `ms` (with the output so far) or when the run ended without. */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  done: Promise<{ code: number; out: string; err: string }>;
}

/** Starts `wrktalk-gcc <args>` in this process without waiting for it (for `deployments watch`). */
export function startCli(
  args: string[],
  env: Record<string, string | undefined>,
  io: Omit<Partial<CliIo>, 'env' | 'stdout' | 'stderr'> = {},
): CliSession {
  let out = '';
  let err = '';
  let ended = false;
  const written = new EventEmitter();
  const done = runCli(args, {
    ...io,
    env,
    stdout: (s) => {
      out += s;
      written.emit('data');
    },
    stderr: (s) => {
      err += s;
    },
  }).then((code) => {
    ended = true;
    written.emit('data');
    return { code, out, err };
  });
  return {
    out: () => out,
    err: () => err,
    done,
    async waitFor(re, ms = 30_000) {
      const signal = AbortSignal.timeout(ms);
      try {
        while (!re.test(out)) {
          if (ended) throw new Error(`the run ended without printing ${re}`);
          await once(written, 'data', { signal });
        }
      } catch (error) {
        throw new Error(`waiting for ${re}: ${(error as Error).message}\nstdout:\n${out}\nstderr:\n${err}`);
      }
    },
  };
}
