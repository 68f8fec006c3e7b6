import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server (PostgreSQL here) that can be made a black hole: {@link BlackholeProxy.blackhole}
 * stops forwarding bytes in both directions without closing anything (what a half-open connection, a network
 * partition or a hung database host looks like to the GCC: the connection stays up, nothing comes back), and new
 * connections are accepted but go nowhere. {@link BlackholeProxy.resume} forwards again, including what was held
 * back (as TCP retransmissions would once a partition heals).
 */
export interface BlackholeProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  blackhole(): void;
  resume(): void;
  /** Connections currently open through the proxy. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to `host:port`. */
export async function startBlackholeProxy(host: string, port: number): Promise<BlackholeProxy> {
  let holes = false;
  const pairs = new Set<{ down: Socket; up: Socket | undefined; start(): void }>();

  const server: Server = createServer((down) => {
    const pair = {
      down,
      up: undefined as Socket | undefined,
      start() {
        if (pair.up) return;
        const up = connect(port, host);
        pair.up = up;
        up.on('data', (d) => down.write(d));
        down.on('data', (d) => up.write(d));
        const end = () => {
          pairs.delete(pair);
          down.destroy();
          up.destroy();
        };
        up.on('close', end);
        up.on('error', end);
        down.on('close', end);
        down.on('error', end);
        if (holes) {
          down.pause();
          up.pause();
        }
      },
    };
    pairs.add(pair);
    down.on('error', () => {});
    down.on('close', () => {
      if (!pair.up) pairs.delete(pair);
    });
    if (holes) down.pause();
    else pair.start();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as { port: number };
  return {
    port: own,
    get connections() {
      return pairs.size;
    },
    blackhole() {
      holes = true;
      for (const p of pairs) {
        p.down.pause();
        p.up?.pause();
      }
    },
    resume() {
      holes = false;
      for (const p of [...pairs]) {
        if (!p.up) p.start();
        p.down.resume();
        p.up?.resume();
      }
    },
    async close() {
      for (const p of pairs) {
        p.down.destroy();
        p.up?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
