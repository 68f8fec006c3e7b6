import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  GccHttpError,
  type GccNetworkError,
  GccResponseError,
  type GccTimeoutError,
  isGccHttpError,
  isGccNetworkError,
  isGccResponseError,
  isGccTimeoutError,
} from '../src/errors';
import { path, Transport } from '../src/http';
import { compileGccClientOptions, type GccClientOptions, type GccSend } from '../src/options';
import { createHttpTestServer, type HttpTestServer, json, problem } from './helpers/http-test-server';

const Thing = z.object({ id: z.string(), n: z.number() });
let server: HttpTestServer;

/** `fetch` as a {@link GccSend}: the `send` path (no ky) with the same wire behaviour, so every case runs on both. */
const fetchSend: GccSend = ({ url, ...init }) => fetch(url, init);
const backends: [string, Partial<GccClientOptions>][] = [
  ['ky over fetch', {}],
  ['send', { send: fetchSend }],
];

beforeAll(async () => {
  server = await createHttpTestServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

describe.each(backends)('Transport.call (%s)', (_backend, backend) => {
  function transport(extra: Partial<GccClientOptions> = {}) {
    return new Transport(
      compileGccClientOptions({
        baseUrl: server.url,
        token: 'tkn',
        retry: { limit: 2, backoffLimitMs: 5 },
        timeoutMs: 2_000,
        ...backend,
        ...extra,
      }),
    );
  }

  it('sends the bearer token, query and JSON body and validates the answer', async () => {
    server.handle((_req, res) => json(res, 200, { id: 'a', n: 1, extra: 'ignored' }));
    const r = await transport().call({
      method: 'POST',
      path: path`/api/v1/things/${'a b/c'}`,
      query: { x: 1, y: undefined },
      body: { hello: 'world' },
      schema: Thing,
    });
    expect(r.data).toEqual({ id: 'a', n: 1 });
    const seen = server.requests[0]!;
    expect(seen.url).toBe('/api/v1/things/a%20b%2Fc?x=1');
    expect(seen.headers.authorization).toBe('Bearer tkn');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen.body)).toEqual({ hello: 'world' });
  });

  it('turns a problem+json answer into a GccHttpError with the problem and code', async () => {
    server.handle((_req, res) =>
      problem(res, 409, 'release_conflict', 'backend 1.2.3 exists with another image'),
    );
    const error = await transport()
      .call({ method: 'GET', path: '/x', schema: Thing })
      .catch((e: unknown) => e);
    expect(isGccHttpError(error)).toBe(true);
    const e = error as GccHttpError;
    expect(e.status).toBe(409);
    expect(e.code).toBe('release_conflict');
    expect(e.problem?.detail).toBe('backend 1.2.3 exists with another image');
    expect(e.message).toBe(
      'Request failed with status code 409 (release_conflict): GET /x — backend 1.2.3 exists with another image',
    );
    expect(server.requests).toHaveLength(1); // 409 is not retried
  });

  it('turns an HTML error page into a GccHttpError without a problem', async () => {
    server.handle((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>Bad Gateway</body></html>');
    });
    const e = (await transport({ retry: false })
      .call({ method: 'GET', path: '/x', schema: Thing })
      .catch((x: unknown) => x)) as GccHttpError;
    expect(e).toBeInstanceOf(GccHttpError);
    expect(e.status).toBe(502);
    expect(e.problem).toBeUndefined();
    expect(e.bodySnippet).toContain('Bad Gateway');
  });

  it('turns a 200 with HTML into a GccResponseError', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const e = await transport()
      .call({ method: 'GET', path: '/x', schema: Thing })
      .catch((x: unknown) => x);
    expect(isGccResponseError(e)).toBe(true);
    expect((e as GccResponseError).message).toMatch(/expected JSON, got text\/html/);
  });

  it('turns truncated JSON into a GccResponseError', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"a","n":');
    });
    const e = (await transport()
      .call({ method: 'GET', path: '/x', schema: Thing })
      .catch((x: unknown) => x)) as GccResponseError;
    expect(e).toBeInstanceOf(GccResponseError);
    expect(e.message).toMatch(/malformed JSON/);
    expect(e.bodySnippet).toBe('{"id":"a","n":');
  });

  it('turns a body of the wrong shape into a GccResponseError listing every issue with a path', async () => {
    server.handle((_req, res) => json(res, 200, { id: 7, n: 'seven' }));
    const e = (await transport()
      .call({ method: 'GET', path: '/x', schema: Thing })
      .catch((x: unknown) => x)) as GccResponseError;
    expect(e).toBeInstanceOf(GccResponseError);
    expect(e.issues.map((i) => i.path)).toEqual(['/id', '/n']);
  });

  it('retries a GET on 503 and honours Retry-After', async () => {
    server.handle(
      (_req, res) => problem(res, 503, 'unavailable', 'restarting', { 'retry-after': '0' }),
      (_req, res) => problem(res, 500, 'internal_error', 'boom'),
      (_req, res) => json(res, 200, { id: 'ok', n: 3 }),
    );
    const r = await transport().call({ method: 'GET', path: '/x', schema: Thing });
    expect(r.data).toEqual({ id: 'ok', n: 3 });
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after the retry limit with the last HTTP error', async () => {
    server.handle((_req, res) => problem(res, 503, 'unavailable', 'down'));
    const e = await transport()
      .call({ method: 'GET', path: '/x', schema: Thing })
      .catch((x: unknown) => x);
    expect(isGccHttpError(e) && e.status).toBe(503);
    expect(server.requests).toHaveLength(3);
  });

  it('never retries a POST without an Idempotency-Key', async () => {
    server.handle((_req, res) => problem(res, 503, 'unavailable', 'down'));
    await expect(
      transport().call({ method: 'POST', path: '/x', body: {}, schema: Thing }),
    ).rejects.toBeInstanceOf(GccHttpError);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a POST that carries an Idempotency-Key, with the same key each time', async () => {
    server.handle(
      (_req, res) => problem(res, 503, 'unavailable', 'down'),
      (_req, res) => json(res, 201, { id: 'created', n: 1 }),
    );
    const r = await transport({ idempotencyKey: () => 'key-1' }).call({
      method: 'POST',
      path: '/x',
      body: {},
      idempotencyKey: true,
      schema: Thing,
    });
    expect(r.status).toBe(201);
    expect(server.requests.map((q) => q.headers['idempotency-key'])).toEqual(['key-1', 'key-1']);
  });

  it('returns 304 as no data when asked to', async () => {
    server.handle((_req, res) => {
      res.writeHead(304, { etag: '"v1"' });
      res.end();
    });
    const r = await transport().call({ method: 'GET', path: '/x', schema: Thing, allowNotModified: true });
    expect(r.status).toBe(304);
    expect(r.data).toBeUndefined();
    expect(r.headers.get('etag')).toBe('"v1"');
  });

  it('times out with a GccTimeoutError', async () => {
    server.handle(() => {
      // never answers
    });
    const e = await transport({ timeoutMs: 100, retry: false })
      .call({ method: 'GET', path: '/slow', schema: Thing })
      .catch((x: unknown) => x);
    expect(isGccTimeoutError(e)).toBe(true);
    expect((e as GccTimeoutError).timeoutMs).toBe(100);
  });

  it('reports an unreachable server as a GccNetworkError after retrying', async () => {
    const closed = await createHttpTestServer();
    const url = closed.url;
    await closed.close();
    const t = new Transport(
      compileGccClientOptions({ baseUrl: url, retry: { limit: 1, backoffLimitMs: 1 }, ...backend }),
    );
    const e = await t.call({ method: 'GET', path: '/x', schema: Thing }).catch((x: unknown) => x);
    expect(isGccNetworkError(e)).toBe(true);
    expect((e as GccNetworkError).message).toMatch(/^Network error: GET \/x — .*ECONNREFUSED/);
  });
  it('calls the token function before every attempt', async () => {
    server.handle(
      (_req, res) => problem(res, 503, 'unavailable', 'restarting'),
      (_req, res) => json(res, 200, { id: 'ok', n: 1 }),
    );
    let n = 0;
    await transport({ token: () => `t${++n}` }).call({ method: 'GET', path: '/x', schema: Thing });
    expect(server.requests.map((q) => q.headers.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it("rejects with the caller's AbortError when the caller aborts, without retrying", async () => {
    server.handle(() => {
      // never answers
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const e = await transport()
      .call({ method: 'GET', path: '/slow', schema: Thing, signal: controller.signal })
      .catch((x: unknown) => x);
    expect((e as Error).name).toBe('AbortError');
    expect(server.requests).toHaveLength(1);
  });

  it('reads a 503 as data when the call accepts it, without retrying', async () => {
    server.handle((_req, res) => json(res, 503, { id: 'not-ready', n: 0 }));
    const r = await transport().call({
      method: 'GET',
      path: '/readyz',
      schema: Thing,
      acceptStatuses: [503],
    });
    expect(r).toMatchObject({ status: 503, data: { id: 'not-ready', n: 0 } });
    expect(server.requests).toHaveLength(1);
  });
});

describe('send option', () => {
  it('is refused together with fetch, and when not a function', () => {
    expect(() =>
      compileGccClientOptions({ baseUrl: 'http://gcc', send: fetchSend, fetch: globalThis.fetch }),
    ).toThrow(/send: give send or fetch, not both/);
    expect(() => compileGccClientOptions({ baseUrl: 'http://gcc', send: 'x' as unknown as GccSend })).toThrow(
      /send: must be a function/,
    );
  });

  it('waits the Retry-After of a 429 (capped by maxRetryAfterMs) before retrying', async () => {
    server.handle(
      (_req, res) => problem(res, 429, 'rate_limited', 'slow down', { 'retry-after': '1' }),
      (_req, res) => json(res, 200, { id: 'ok', n: 2 }),
    );
    const t = new Transport(
      compileGccClientOptions({
        baseUrl: server.url,
        send: fetchSend,
        retry: { limit: 1, maxRetryAfterMs: 150 },
      }),
    );
    const started = Date.now();
    const r = await t.call({ method: 'GET', path: '/x', schema: Thing });
    const waited = Date.now() - started;
    expect(r.data).toEqual({ id: 'ok', n: 2 });
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(900);
  });
});
