import { Agent, request } from 'node:http';

/** One answer of {@link SimHttp.call}. */
export interface SimResponse {
  status: number;
  etag: string | undefined;
  /** Parsed JSON (or `undefined` for an empty body). */
  body: unknown;
}

/**
 * The simulated fleet's HTTP client: every agent and approver of the simulation shares one keep-alive pool of
 * `connections` sockets (a real fleet has one connection per agent; 100,000 sockets would exceed the machine's
 * open-files limit, and the GCC sees the same requests either way). Counts requests by status.
 */
export class SimHttp {
  readonly byStatus: Record<string, number> = {};
  requests = 0;
  errors = 0;
  private readonly agent: Agent;
  private readonly base: URL;

  constructor(baseUrl: string, connections: number) {
    this.base = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  /** One request; network errors count as status `error` and reject. */
  call(
    method: 'GET' | 'POST',
    path: string,
    token: string,
    o: { body?: unknown; etag?: string } = {},
  ): Promise<SimResponse> {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    this.requests++;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.base.hostname,
          port: this.base.port,
          path,
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(payload !== undefined && {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
            }),
            ...(o.etag !== undefined && { 'if-none-match': o.etag }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
            if (status >= 400) this.errors++;
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              body = text;
            }
            const etag = res.headers.etag;
            resolve({ status, etag: typeof etag === 'string' ? etag : undefined, body });
          });
          res.on('error', reject);
        },
      );
      req.on('error', (error) => {
        this.byStatus.error = (this.byStatus.error ?? 0) + 1;
        this.errors++;
        reject(error);
      });
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
