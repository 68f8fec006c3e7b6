import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../../src/index';

/** A free loopback port (listen on 0, close). */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** One received email. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  header(name: string): string | undefined;
}

const headerOf = (raw: string, name: string): string | undefined => {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  // Unfold continuation lines, then find the header.
  const lines = head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  const prefix = `${name.toLowerCase()}:`;
  const line = lines.find((l) => l.toLowerCase().startsWith(prefix));
  return line?.slice(prefix.length).trim();
};

/** A real SMTP server (the `smtp-server` package) on loopback that keeps what it receives. */
export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  private server: SMTPServer | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const from = session.envelope.mailFrom;
          this.mails.push({
            from: from === false ? '' : from.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            subject: headerOf(raw, 'Subject') ?? '',
            header: (name) => headerOf(raw, name),
          });
          callback();
        });
      },
    });
    server.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** One received webhook. */
export interface ReceivedHook {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: {
    text: string;
    blocks?: unknown[];
    event: { id: string; type: string; occurred_at: string } & Record<string, unknown>;
  };
  /** whether the signature checked out */
  verified: boolean;
  /** the status this request was answered with */
  answered: number;
}

/** A real HTTP receiver (node:http) that verifies the HMAC; `statuses` answers requests in turn, then 200. */
export class HookSink {
  readonly received: ReceivedHook[] = [];
  statuses: number[] = [];
  private server: Server | undefined;
  url = '';

  constructor(readonly secret: string) {}

  /** The deliveries answered 2xx. */
  get accepted(): ReceivedHook[] {
    return this.received.filter((r) => r.answered < 300);
  }

  async start(): Promise<void> {
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const header = (n: string) => {
          const v = req.headers[n.toLowerCase()];
          return Array.isArray(v) ? v[0] : v;
        };
        const verified = verifyWebhook({
          secret: this.secret,
          body: raw,
          timestamp: header(TIMESTAMP_HEADER),
          signature: header(SIGNATURE_HEADER),
        });
        const status = !verified ? 401 : (this.statuses.shift() ?? 200);
        this.received.push({ headers: req.headers, raw, body: JSON.parse(raw), verified, answered: status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }
}
