import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { PortInUseError } from './errors/port-in-use-error';

/** Whether a listen failed because the address is taken. */
export function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EADDRINUSE';
}

/**
 * The {@link PortInUseError} for `port` on `host`: who listens there (when this machine shows it) and a free port
 * nearby to suggest. `settings`: the variable, then any flags, that choose the port.
 */
export async function portInUseError(
  port: number,
  host: string,
  settings: readonly [string, ...string[]] = ['PORT'],
): Promise<PortInUseError> {
  return new PortInUseError(port, host, describePortHolder(port), await freePortNear(port, host), settings);
}

/** The first of the next 20 ports that can be listened on now (undefined when none). */
async function freePortNear(port: number, host: string): Promise<number | undefined> {
  for (let p = port + 1; p <= Math.min(port + 20, 65_535); p++) {
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(p, host, () => s.close(() => resolve(true)));
    });
    if (free) return p;
  }
  return undefined;
}

/**
 * Who listens on TCP `port`, as `pid 1234: node server.js`, from Linux's /proc (the socket's inode in
 * /proc/net/tcp{,6}, then the process with that socket open). Undefined elsewhere, or when the holder belongs to
 * another user and this process may not look.
 */
export function describePortHolder(port: number): string | undefined {
  try {
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      let text: string;
      try {
        text = readFileSync(table, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the 10th field.
        const local = f[1];
        if (!local || f[3] !== '0A') continue;
        if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && f[9] && f[9] !== '0')
          inodes.add(`socket:[${f[9]}]`);
      }
    }
    if (inodes.size === 0) return undefined;
    for (const pid of readdirSync('/proc')) {
      if (!/^[0-9]+$/.test(pid)) continue;
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let target: string;
        try {
          target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        if (!inodes.has(target)) continue;
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        return `pid ${pid}: ${cmdline.length > 120 ? `${cmdline.slice(0, 117)}...` : cmdline || '?'}`;
      }
    }
  } catch {
    // Best effort only.
  }
  return undefined;
}
