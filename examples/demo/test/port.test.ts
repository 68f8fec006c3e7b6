import { createServer, type Server } from 'node:net';
import { createGcc, migrate, openDatabase } from '@wrktalk/gcc-core';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli';
import { serveGcc } from '../src/server';

/** A free port, held by a real listening server of this process until the test ends. */
let occupier: Server | undefined;
async function occupiedPort(): Promise<number> {
  occupier = createServer();
  const s = occupier;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as { port: number }).port;
}
afterEach(async () => {
  const s = occupier;
  occupier = undefined;
  if (s) await new Promise((resolve) => s.close(resolve));
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: { write: (s: string) => out.push(s) > 0, isTTY: false } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => err.push(s) > 0 } as unknown as NodeJS.WritableStream,
      stopSignal: () => new Promise<void>(() => undefined),
    },
  };
}

describe('the demo on a port in use', () => {
  it('a port chosen with --port: says which, who holds it and to set PORT or --port; exit 1', {
    timeout: 120_000,
  }, async () => {
    const port = await occupiedPort();
    const r = io();
    const code = await runCli(['--port', String(port), '--clients', '10', '--exit', '--json'], r.io);
    expect(code).toBe(1);
    const err = r.err.join('');
    expect(err).toContain(`wrktalk-demo: port ${port} is in use (pid ${process.pid}: `);
    expect(err).toMatch(
      /: set PORT=\d+ \(or --port \d+; \d+ was free a moment ago\), or stop that process\n$/,
    );
    expect(err).not.toMatch(/EADDRINUSE/);
    expect(r.out.join('')).toBe('');
  });

  it('a port chosen with PORT: the same', { timeout: 120_000 }, async () => {
    const port = await occupiedPort();
    const before = process.env.PORT;
    process.env.PORT = String(port);
    try {
      const r = io();
      expect(await runCli(['--clients', '10', '--exit', '--json'], r.io)).toBe(1);
      expect(r.err.join('')).toContain(`wrktalk-demo: port ${port} is in use (pid ${process.pid}: `);
    } finally {
      if (before === undefined) delete process.env.PORT;
      else process.env.PORT = before;
    }
  });

  it('the default port, busy: serves on a free one and says who held it', { timeout: 60_000 }, async () => {
    const port = await occupiedPort();
    const database = await openDatabase({ dataDir: 'memory://' });
    await migrate(database);
    const logger = pino({ level: 'silent' });
    const gcc = await createGcc({
      database,
      adminToken: 'a'.repeat(32),
      ciToken: 'c'.repeat(32),
      logger,
      runNotifier: false,
    });
    try {
      const server = await serveGcc(gcc, logger, {
        host: '127.0.0.1',
        port,
        portFallback: true,
        bundle: { text: '' },
      });
      expect(server.portFallback).toBe(true);
      expect(server.portHolder).toMatch(new RegExp(`^pid ${process.pid}: `));
      expect(server.url).not.toBe(`http://127.0.0.1:${port}`);
      await server.close();
    } finally {
      await gcc.close();
      await database.close();
    }
  });
});
