import {
  createGccClient,
  type GccClient,
  isGccNetworkError,
  isGccResponseError,
  isGccTimeoutError,
} from '@wrktalk/sdk-gcc';
import { type Command, Option } from 'commander';
import { UsageError } from '../cli';

/** The variables the commands that talk to a running GCC read (the rest of the CLI reads config.ts's). */
export const REMOTE_ENVIRONMENT = {
  GCC_URL: 'the GCC to talk to, e.g. https://gcc.wrktalk.com (--server wins)',
  GCC_TOKEN: 'bearer token for it: admin, ci (releases) or approver (approvals) (--token wins)',
} as const;

/** `--server` and `--token` as commander parses them. */
export interface RemoteFlags {
  server?: string;
  token?: string;
}

/** Where and as whom a command talks to the GCC. */
export interface Remote {
  /** The base URL, without a trailing slash. */
  url: string;
  token: string;
}

/** `--server <url>`, for a command's `.addOption()`. */
export const serverOption = (): Option =>
  new Option('--server <url>', 'the GCC base URL (default: $GCC_URL)');

/** `--token <token>`, for a command's `.addOption()`. */
export const tokenOption = (): Option =>
  new Option(
    '--token <token>',
    'bearer token (default: $GCC_TOKEN; prefer the variable: flags show in `ps`)',
  );

/**
 * Adds `--server <url>` and `--token <token>` to a command. Not commander's `Option.env()`: the CLI reads the
 * environment it is given (`CliIo.env`), not `process.env`.
 */
export function withRemoteOptions(cmd: Command): Command {
  return cmd.addOption(serverOption()).addOption(tokenOption());
}

/** True when the command should go through the API: `--server` or `GCC_URL` is given. */
export function wantsRemote(flags: RemoteFlags, env: Record<string, string | undefined>): boolean {
  return nonBlank(flags.server) !== undefined || nonBlank(env.GCC_URL) !== undefined;
}

const nonBlank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/**
 * The server and token from the flags, else `GCC_URL` / `GCC_TOKEN`; a {@link UsageError} naming each missing one
 * with both its flag and its variable.
 */
export function remoteOf(flags: RemoteFlags, env: Record<string, string | undefined>): Remote {
  const server = nonBlank(flags.server) ?? nonBlank(env.GCC_URL);
  const token = nonBlank(flags.token) ?? nonBlank(env.GCC_TOKEN);
  const missing: string[] = [];
  if (server === undefined) missing.push('the server: --server <url> or GCC_URL');
  if (token === undefined) missing.push('a token: --token <token> or GCC_TOKEN');
  if (missing.length > 0) {
    throw new UsageError(`this command talks to a running GCC; give ${missing.join(', and ')}.`);
  }
  let url: URL;
  try {
    url = new URL(server!);
  } catch {
    throw new UsageError(`the server ${JSON.stringify(server)} is not a URL (like https://gcc.example.com).`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
    throw new UsageError(
      `the server ${JSON.stringify(server)} must be an http(s) URL without credentials, query or fragment.`,
    );
  }
  if (/\s/.test(token!)) throw new UsageError('the token must not contain spaces or line breaks.');
  return { url: url.href.replace(/\/+$/, ''), token: token! };
}

/** A typed client of `remote`. */
export function clientOf(remote: Remote, version: string): GccClient {
  return createGccClient({
    baseUrl: remote.url,
    token: remote.token,
    headers: { 'user-agent': `wrktalk-gcc/${version}` },
  });
}

/**
 * Runs `fn` with a client of `remote`; a GCC that cannot be reached (or does not answer, or answers something that is
 * not the GCC API) becomes an error naming its URL. Problems the GCC answered stay `GccHttpError` for `reportError`.
 */
export async function callRemote<T>(
  remote: Remote,
  version: string,
  fn: (api: GccClient) => Promise<T>,
): Promise<T> {
  try {
    return await fn(clientOf(remote, version));
  } catch (error) {
    if (isGccNetworkError(error)) {
      throw new Error(`cannot reach the GCC at ${remote.url} (${error.message})`, { cause: error });
    }
    if (isGccTimeoutError(error)) {
      throw new Error(`the GCC at ${remote.url} did not answer in time (${error.message})`, { cause: error });
    }
    if (isGccResponseError(error)) {
      throw new Error(`the answer of ${remote.url} is not the GCC API's (${error.message})`, {
        cause: error,
      });
    }
    throw error;
  }
}
