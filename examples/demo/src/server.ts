import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Gcc } from '@wrktalk/gcc-core';
import { build } from 'esbuild';
import type { Logger } from 'pino';
// The reference app (gcc-core's router, the contract docs, /admin and /ct/<id>), from its sources like the rest of
// the demo: reference/gcc-express is private and has no exports map.
import { createApp } from '../../../reference/gcc-express/src/index';
import {
  describePortHolder,
  isAddressInUse,
  portInUseError,
} from '../../../reference/gcc-express/src/port-in-use';

const repo = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

/** The newest modification time of the files under `dir` (0 when there are none). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * The console's browser bundle: `@wrktalk/ui`'s build when there is one at least as new as the sources of the
 * packages it bundles, otherwise built from those sources in memory (about a second with esbuild), so that `/admin`
 * and `/ct/<id>` work on a fresh clone without `npm run build`, and show edited elements without a rebuild.
 */
export async function consoleBundle(): Promise<{ path: string } | { text: string }> {
  const built = repo('packages/ui/dist/browser/wrktalk-ui.js');
  const sources = ['packages/ui/src', 'packages/sdk-gcc/src', 'packages/rollout-planner/src'].map(repo);
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newestMtime)))
    return { path: built };
  const out = await build({
    entryPoints: [repo('packages/ui/src/bundle.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    alias: {
      '@wrktalk/sdk-gcc': repo('packages/sdk-gcc/src/index.ts'),
      '@wrktalk/rollout-planner': repo('packages/rollout-planner/src/index.ts'),
    },
    // sdk-gcc's signing helpers import node:crypto; the elements never reach them, so they are tree-shaken.
    external: ['node:*'],
    logLevel: 'silent',
  });
  return { text: out.outputFiles[0]!.text };
}

/** The demo's HTTP server: agents' polls answered by `gcc.handlePoll`, the rest by the reference app. */
export interface DemoServer {
  server: Server;
  /** e.g. `http://127.0.0.1:8080` */
  url: string;
  /** Whether the asked-for port was busy and a free one was taken instead. */
  portFallback: boolean;
  /** Who held the asked-for port when it was busy (`pid 1234: node …`), when this machine shows it. */
  portHolder: string | undefined;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Serves `gcc` on `host:port`. When `port` is taken: a free port when `portFallback` (the default), otherwise a
 * `PortInUseError` (`port 8080 is in use (…): set PORT=…`).
 */
export async function serveGcc(
  gcc: Gcc,
  logger: Logger,
  o: { host: string; port: number; portFallback?: boolean; bundle: { path: string } | { text: string } },
): Promise<DemoServer> {
  const app = createApp(gcc, logger, { console: { bundle: o.bundle } });
  const server = createServer((req, res) => gcc.handlePoll(req, res, () => app(req, res)));
  server.keepAliveTimeout = 65_000;
  let portFallback = false;
  let portHolder: string | undefined;
  try {
    await listen(server, o.port, o.host);
  } catch (error) {
    if (!isAddressInUse(error)) throw error;
    if (o.portFallback === false) throw await portInUseError(o.port, o.host, ['PORT', '--port']);
    portFallback = true;
    portHolder = describePortHolder(o.port);
    await listen(server, 0, o.host);
  }
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    server,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    portFallback,
    portHolder,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
