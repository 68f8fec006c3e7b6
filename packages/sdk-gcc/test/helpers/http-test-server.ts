import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the test server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Answers one request; may write anything, including broken bodies. */
export type TestHandler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

/** A real HTTP server on an ephemeral port that records requests and answers from a queue of handlers. */
export interface HttpTestServer {
  url: string;
  requests: SeenRequest[];
  /** Handlers used in order, one per request; the last one repeats. */
  handle(...handlers: TestHandler[]): void;
  close(): Promise<void>;
  server: Server;
}

/** Starts a {@link HttpTestServer} on 127.0.0.1 with an ephemeral port. */
export async function createHttpTestServer(): Promise<HttpTestServer> {
  const requests: SeenRequest[] = [];
  let handlers: TestHandler[] = [(_req, res) => json(res, 404, { error: 'no handler' })];
  let index = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(seen);
      const handler = handlers[Math.min(index++, handlers.length - 1)]!;
      Promise.resolve(handler(seen, res)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    server,
    handle(...next) {
      handlers = next;
      index = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes a JSON answer. */
export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): void {
  res.writeHead(status, { 'content-type': contentType, ...headers });
  res.end(JSON.stringify(body));
}

/** Writes an RFC 9457 problem answer. */
export function problem(
  res: ServerResponse,
  status: number,
  code: string,
  detail: string,
  headers = {},
): void {
  json(
    res,
    status,
    { type: `https://wrktalk.dev/problems/${code}`, title: code, status, code, detail },
    headers,
    'application/problem+json',
  );
}
