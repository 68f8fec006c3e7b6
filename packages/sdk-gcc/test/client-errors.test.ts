import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGccClient, GccResponseError, isGccHttpError, isGccOptionsError } from '../src';
import { createHttpTestServer, type HttpTestServer, json } from './helpers/http-test-server';

let server: HttpTestServer;
beforeAll(async () => {
  server = await createHttpTestServer();
});
afterAll(() => server.close());

describe('createGccClient against a misbehaving server', () => {
  it('gives a GccResponseError naming the field when a release has the wrong shape', async () => {
    server.handle((_req, res) =>
      json(res, 200, { id: 'rel-1', component: 'backend', version: 'not a tag!' }),
    );
    const gcc = createGccClient({ baseUrl: server.url, token: 't', retry: false });
    const e = (await gcc.releases.get('rel-1').catch((x: unknown) => x)) as GccResponseError;
    expect(e).toBeInstanceOf(GccResponseError);
    expect(e.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['/version', '/image_url', '/created_at']),
    );
  });

  it('gives a GccHttpError after retrying a 500 on a GET', async () => {
    server.handle((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal Server Error');
    });
    server.requests.length = 0;
    const gcc = createGccClient({ baseUrl: server.url, token: 't', retry: { limit: 1, backoffLimitMs: 1 } });
    const e = await gcc.deployments.get('dpl-1').catch((x: unknown) => x);
    expect(isGccHttpError(e) && e.status).toBe(500);
    expect(server.requests).toHaveLength(2);
  });

  it('reads /readyz 503 as data, not as an error', async () => {
    server.handle((_req, res) =>
      json(res, 503, {
        status: 'unavailable',
        checks: { database: { status: 'unavailable', message: 'refused' } },
      }),
    );
    const gcc = createGccClient({ baseUrl: server.url });
    expect(await gcc.health.readyz()).toEqual({
      status: 'unavailable',
      checks: { database: { status: 'unavailable', message: 'refused' } },
    });
  });

  it('sends the path parameters encoded and the merge-patch media type', async () => {
    server.handle((_req, res) => json(res, 400, { nope: true }));
    server.requests.length = 0;
    const gcc = createGccClient({ baseUrl: `${server.url}/gcc/`, token: 't', retry: false });
    await gcc.clients.update('a/b', { name: 'x' }).catch(() => undefined);
    expect(server.requests[0]?.url).toBe('/gcc/api/v1/clients/a%2Fb');
    expect(server.requests[0]?.headers['content-type']).toBe('application/merge-patch+json');
  });
});

describe('createGccClient options', () => {
  it.each([
    [{ baseUrl: '' }, 'baseUrl: required'],
    [{ baseUrl: 'ftp://x' }, 'baseUrl: must use http or https'],
    [{ baseUrl: 'not a url' }, 'baseUrl: not a valid URL'],
    [{ baseUrl: 'http://x', timeoutMs: 0 }, 'timeoutMs: must be a positive integer'],
    [{ baseUrl: 'http://x', retry: { limit: -1 } }, 'retry.limit: must be a non-negative integer'],
    [{ baseUrl: 'http://x', token: 'a\nb' }, 'token: must not contain line breaks'],
  ])('rejects %j at construction', (options, message) => {
    let error: unknown;
    try {
      createGccClient(options);
    } catch (e) {
      error = e;
    }
    expect(isGccOptionsError(error)).toBe(true);
    expect((error as Error).message).toContain(message);
  });

  it('lists every problem at once', () => {
    expect(() => createGccClient({ baseUrl: 'x', timeoutMs: -5, retry: { limit: 1.5 } })).toThrow(
      /baseUrl.*\n.*timeoutMs.*\n.*retry\.limit/s,
    );
  });
});
