import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake saw it. */
export interface WatchtowerRequest {
  method: string;
  path: string;
  images: string[] | null;
  authorization: string | undefined;
}

/** The running fake. */
export interface FakeWatchtower {
  url: string;
  requests: WatchtowerRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server playing Watchtower's HTTP API: only `/v1/update`, header exactly `Authorization: Bearer <token>`
 * (401 otherwise), optional `?image=a,b`; it blocks for `runMs` while `onUpdate` re-pulls, then answers 200 with an
 * empty body. Other paths get 404, as Watchtower registers nothing else.
 */
export async function startFakeWatchtower(options: {
  token: string;
  runMs?: number;
  onUpdate?: (images: string[] | null) => Promise<void> | void;
}): Promise<FakeWatchtower> {
  const requests: WatchtowerRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const image = url.searchParams.get('image');
    const images = image === null ? null : image.split(',');
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      images,
      authorization: req.headers.authorization,
    });
    if (url.pathname !== '/v1/update') {
      res.writeHead(404).end('404 page not found\n');
      return;
    }
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401).end();
      return;
    }
    void (async () => {
      await new Promise((r) => setTimeout(r, options.runMs ?? 20));
      await options.onUpdate?.(images);
      res.writeHead(200).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
