import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/wrktalk-gcc.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** A free TCP port on 127.0.0.1 (closed again, so a child process can listen on it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A `wrktalk-gcc serve` child process. */
export interface GccProcess {
  child: ChildProcess;
  pid: number;
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  /** The last 8 kB of its stdout and stderr, for failure messages. */
  output(): string;
  /** Resolves with the signal (or exit code) once the process has exited. */
  exited: Promise<NodeJS.Signals | number | null>;
}

/**
 * Starts the built `wrktalk-gcc serve` (bin/wrktalk-gcc.mjs → dist/main.js, one process: the bin imports the CLI
 * in-process, so the child's pid is the GCC's) with `env`, and waits until `/readyz` answers 200.
 */
export async function startGccProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<GccProcess> {
  if (!existsSync(BUILT)) throw new Error('reference/gcc-express is not built: run `npm run build` first');
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const url = `http://127.0.0.1:${env.PORT}`;
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrktalk-gcc serve exited (${child.exitCode ?? child.signalCode}):\n${tail}`);
    }
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`wrktalk-gcc serve did not become ready in ${timeoutMs} ms:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, pid: child.pid!, url, output: () => tail, exited };
}

/** Stops a GCC process: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopGccProcess(p: GccProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(t);
}
