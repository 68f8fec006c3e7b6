import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server';
import { type ApiGcc, startApiGcc } from './helpers/cli-session';

/** Writes `request` on a raw socket and reads everything until the server closes it. */
function rawExchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      answer += d;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.write(request);
  });
}

/** Status line, headers (lower-cased names) and body of a raw HTTP/1.1 answer. */
function parse(answer: string) {
  const [head, ...rest] = answer.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head!.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine!.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

/**
 * Issue 18: requests Node's HTTP parser refuses before any route runs (header fields too large, not HTTP at all)
 * were answered by Node itself with an empty, non-problem body. Now they are problem+json like every other error.
 */
describe('answers the HTTP parser refuses (clientError) as problem+json', () => {
  let gcc: ApiGcc;
  let running: RunningServer;
  beforeAll(async () => {
    gcc = await startApiGcc();
    running = gcc.running;
  }, 60_000);
  afterAll(() => gcc?.stop());

  it('431 headers_too_large for a huge header', async () => {
    const answer = await rawExchange(
      running.url,
      `GET /api/v1/clients HTTP/1.1\r\nHost: x\r\nX-Huge: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
    );
    const r = parse(answer);
    expect(r.status, answer.slice(0, 300)).toBe(431);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.headers.connection).toBe('close');
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body));
    expect(JSON.parse(r.body)).toMatchObject({
      type: 'https://wrktalk.com/problems/headers_too_large',
      title: 'Header fields too large',
      status: 431,
      code: 'headers_too_large',
    });
  });

  it('400 malformed_request for something that is not HTTP', async () => {
    const r = parse(await rawExchange(running.url, 'HELLO THERE\r\n\r\n'));
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(r.body)).toMatchObject({ status: 400, code: 'malformed_request' });
  });

  it('keeps serving afterwards', async () => {
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });
});
