import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeGcc, type FakeGcc, type FakeGccOptions } from './fake-gcc';

/** Options of {@link startFakeGccServer}. */
export interface FakeGccServerOptions extends FakeGccOptions {
  /**
   * Port to listen on; 0 picks a free one.
   * @default 0
   */
  port?: number;
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  host?: string;
}

/** A running fake GCC on a real HTTP port. */
export interface FakeGccServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  fake: FakeGcc;
  server: Server;
  close(): Promise<void>;
}

function toRequest(req: IncomingMessage, origin: string): Request {
  const controller = new AbortController();
  req.on('close', () => {
    if (!req.complete) controller.abort();
  });
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else if (v !== undefined) headers.set(k, v);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', origin), {
    method: req.method ?? 'GET',
    headers,
    body: hasBody ? (req as unknown as ReadableStream) : undefined,
    signal: controller.signal,
    // @ts-expect-error Node's fetch needs `duplex` for a streamed request body; lib.dom does not know it.
    duplex: hasBody ? 'half' : undefined,
  });
}

/** Serves a {@link createFakeGcc} fake on a real HTTP port (for tests of HTTP clients and agents). */
export async function startFakeGccServer(options: FakeGccServerOptions = {}): Promise<FakeGccServer> {
  const fake = createFakeGcc(options);
  const host = options.host ?? '127.0.0.1';
  let origin = '';
  const server = createServer((req, res) => {
    void (async () => {
      const response = await fake.handle(toRequest(req, origin));
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: origin,
    fake,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
