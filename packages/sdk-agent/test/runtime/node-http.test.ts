import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGccClient, isGccNetworkError } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHttpSend } from '../../src/runtime/node-http';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler = (_q, _b, res) => res.end();
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const signal = () => new AbortController().signal;

describe('createNodeHttpSend', { timeout: 60_000 }, () => {
  it('sends method, headers and body (with its length) and returns status, headers and text', async () => {
    let seen: { method?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    handler = (req, body, res) => {
      seen = { method: req.method, headers: req.headers, body };
      res.writeHead(201, { 'content-type': 'application/json', etag: '"e1"', 'set-cookie': ['a=1', 'b=2'] });
      res.end('{"ok":true,"é":1}');
    };
    const r = await createNodeHttpSend()({
      method: 'POST',
      url: `${url}/api/v1/x?wait=2`,
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{"é":1}',
      signal: signal(),
    });
    expect(seen.method).toBe('POST');
    expect(seen.headers?.authorization).toBe('Bearer t');
    expect(seen.headers?.['content-length']).toBe(String(Buffer.byteLength('{"é":1}')));
    expect(seen.body).toBe('{"é":1}');
    expect(r.status).toBe(201);
    expect(r.headers.get('ETag')).toBe('"e1"');
    expect(r.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(r.headers.get('x-missing')).toBeNull();
    expect(await r.text()).toBe('{"ok":true,"é":1}');
  });

  it('rejects with the signal reason when aborted, before or during the request', async () => {
    handler = () => {
      // never answers
    };
    const send = createNodeHttpSend();
    const before = new AbortController();
    before.abort(new Error('stopped before'));
    await expect(
      send({ method: 'GET', url, headers: {}, body: undefined, signal: before.signal }),
    ).rejects.toThrow('stopped before');
    const during = new AbortController();
    // Aborted once the request has reached the server, so it is in flight.
    handler = () => during.abort(new Error('stopped during'));
    await expect(
      send({ method: 'GET', url, headers: {}, body: undefined, signal: during.signal }),
    ).rejects.toThrow('stopped during');
  });

  it('fails a body larger than maxResponseBytes, and refuses a bad limit', async () => {
    handler = (_q, _b, res) => res.end('x'.repeat(2048));
    const r = await createNodeHttpSend({ maxResponseBytes: 1024 })({
      method: 'GET',
      url,
      headers: {},
      body: undefined,
      signal: signal(),
    });
    await expect(r.text()).rejects.toThrow(/larger than 1024 bytes/);
    expect(() => createNodeHttpSend({ maxResponseBytes: 0 })).toThrow(/maxResponseBytes/);
  });

  it('is a transport of the GCC client: answers, 304, and a refused connection as GccNetworkError', async () => {
    handler = (req, _b, res) => {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', etag: '"v1"' });
      res.end(JSON.stringify({ available: false, poll_after_seconds: 5 }));
    };
    const gcc = createGccClient({ baseUrl: url, token: 't', retry: false, send: createNodeHttpSend() });
    const first = await gcc.agent.getUpdates('acme-prod');
    expect(first).toMatchObject({ notModified: false, etag: '"v1"', body: { available: false } });
    expect(await gcc.agent.getUpdates('acme-prod', { etag: '"v1"' })).toEqual({
      notModified: true,
      etag: '"v1"',
    });
    const down = createGccClient({ baseUrl: 'http://127.0.0.1:1', retry: false, send: createNodeHttpSend() });
    const e = await down.health.healthz().catch((x: unknown) => x);
    expect(isGccNetworkError(e)).toBe(true);
    expect((e as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('never loads Node’s fetch (undici), not even on Node >= 22 where an ESM import of node:http would', async () => {
    const src = fileURLToPath(new URL('../../src/runtime/node-http.ts', import.meta.url));
    const script = `
      const { createNodeHttpSend } = await import(${JSON.stringify(src)});
      const send = createNodeHttpSend();
      await send({ method: 'GET', url: ${JSON.stringify(url)}, headers: {}, body: undefined, signal: new AbortController().signal })
        .then((r) => r.text(), () => undefined);
      process.stdout.write(String(process.moduleLoadList.some((m) => m.includes('undici'))));
    `;
    handler = (_q, _b, res) => res.end('ok');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(stdout).toBe('false');
  });
});
