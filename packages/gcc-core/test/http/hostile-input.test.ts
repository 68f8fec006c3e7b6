import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/http/body';
import { pgliteFactory, type TestDatabase } from '../helpers/databases';
import { ADMIN, CI, type RunningGcc, startGcc } from '../helpers/servers';

interface Raw {
  status: number;
  type: string;
  body: Record<string, unknown> | undefined;
  text: string;
}

/**
 * One request over real HTTP with the path sent byte for byte (fetch and `new URL` would re-encode a bad `%`).
 * `body` is sent as given, with `Content-Length`.
 */
function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Raw> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method,
        path,
        headers: {
          ...headers,
          ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }),
        },
        timeout: 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown> | undefined;
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            body: parsed,
            text,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 20 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

function expectProblem(r: Raw, status: number, code: string): void {
  const where = `${r.status} ${r.text.slice(0, 300)}`;
  expect(r.status, where).toBe(status);
  expect(r.type, where).toMatch(/^application\/problem\+json/);
  expect(r.body?.code, where).toBe(code);
  expect(r.body?.status, where).toBe(status);
  expect(r.body?.type, where).toBe(`https://wrktalk.com/problems/${code}`);
}

const errorPaths = (r: Raw) => ((r.body?.errors ?? []) as { path: string }[]).map((e) => e.path);

const nested = (depth: number, leaf = '1') => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;

const BAD_ENCODINGS = ['%', '%zz', '%ff%fe', 'abc%', '%E0%A4%A'];

// Issue 12, item 2: hostile input that was answered 500.
describe('hostile input (PGlite)', { timeout: 60_000 }, () => {
  let t: TestDatabase;
  let g: RunningGcc;
  let agent: string;
  let deploymentId: string;
  let n = 0;
  const admin = { authorization: `Bearer ${ADMIN}` };
  const ci = { authorization: `Bearer ${CI}` };
  const json = { 'content-type': 'application/json' };
  const release = () => {
    n++;
    return JSON.stringify({
      component: 'backend',
      version: `hostile-${n}`,
      image_url: `registry.example.com/wrktalk/backend:hostile-${n}`,
    });
  };

  beforeAll(async () => {
    t = await pgliteFactory();
    g = await startGcc(t.db, { worker: false });
    const c = await send(
      g.url,
      'POST',
      '/api/v1/clients',
      { ...admin, ...json },
      JSON.stringify({ id: 'acme', name: 'Acme', target_kind: 'docker' }),
    );
    expect(c.status, c.text).toBe(201);
    agent = (await g.gcc.issueToken({ role: 'agent', clientId: 'acme' })).token;
    const r = await send(g.url, 'POST', '/api/v1/releases', { ...ci, ...json }, release());
    expect(r.status, r.text).toBe(201);
    const d = await send(
      g.url,
      'POST',
      '/api/v1/deployments',
      { ...admin, ...json },
      JSON.stringify({ release_id: r.body?.id, targets: { client_ids: ['acme'] } }),
    );
    expect(d.status, d.text).toBe(201);
    deploymentId = String(d.body?.id);
  });
  afterAll(async () => {
    await g?.close();
    await t?.dispose();
  });

  describe('malformed percent-encoding in a path id: 400 validation_failed naming the parameter', () => {
    for (const bad of BAD_ENCODINGS) {
      it(`GET /api/v1/releases/${bad}`, async () => {
        const r = await send(g.url, 'GET', `/api/v1/releases/${bad}`, admin);
        expectProblem(r, 400, 'validation_failed');
        expect(errorPaths(r)).toEqual(['/path/release_id']);
      });
      it(`PATCH /api/v1/clients/${bad}`, async () => {
        const r = await send(
          g.url,
          'PATCH',
          `/api/v1/clients/${bad}`,
          { ...admin, 'content-type': 'application/merge-patch+json' },
          '{"name":"x"}',
        );
        expectProblem(r, 400, 'validation_failed');
        expect(errorPaths(r)).toEqual(['/path/client_id']);
      });
    }
    it('names every malformed parameter, and only those', async () => {
      const r = await send(
        g.url,
        'POST',
        `/api/v1/deployments/${deploymentId}/tasks/%zz/force-approve`,
        { ...admin, ...json },
        '{}',
      );
      expectProblem(r, 400, 'validation_failed');
      expect(errorPaths(r)).toEqual(['/path/task_id']);
      const both = await send(g.url, 'POST', '/api/v1/clients/%/pending-approvals/%ff/approve', admin);
      expectProblem(both, 400, 'validation_failed');
      expect(errorPaths(both).sort()).toEqual(['/path/client_id', '/path/task_id']);
    });
    it('an agent polling a malformed id', async () => {
      const r = await send(g.url, 'GET', '/api/v1/clients/%zz/updates', { authorization: `Bearer ${agent}` });
      expectProblem(r, 400, 'validation_failed');
      expect(errorPaths(r)).toEqual(['/path/client_id']);
    });
    it('authentication and roles still come first', async () => {
      expectProblem(await send(g.url, 'GET', '/api/v1/releases/%zz'), 401, 'unauthorized');
      expectProblem(
        await send(g.url, 'GET', '/api/v1/deployments/%zz', { authorization: `Bearer ${agent}` }),
        403,
        'forbidden',
      );
    });
    it('a method no operation has on that path is a 404', async () => {
      expectProblem(await send(g.url, 'DELETE', '/api/v1/clients/%zz', admin), 404, 'not_found');
    });
  });

  describe('Content-Encoding other than identity: 415 unsupported_media_type', () => {
    const cases: [string, string, string | Buffer][] = [
      ['gzip with a garbage body', 'gzip', 'not gzip at all'],
      ['deflate with a garbage body', 'deflate', '\u0000\u0001garbage'],
      ['br with a garbage body', 'br', 'garbage'],
      ['gzip with a real gzip body', 'gzip', gzipSync(release())],
      ['an unknown coding', 'x-garbage', release()],
      ['zstd', 'zstd', 'garbage'],
      ['a list', 'identity, gzip', release()],
      ['control characters', 'gz\tip', release()],
    ];
    for (const [name, coding, body] of cases) {
      it(name, async () => {
        const r = await send(
          g.url,
          'POST',
          '/api/v1/releases',
          { ...ci, ...json, 'content-encoding': coding },
          body,
        );
        expectProblem(r, 415, 'unsupported_media_type');
      });
    }
    it('identity is the body as sent', async () => {
      const r = await send(
        g.url,
        'POST',
        '/api/v1/releases',
        { ...ci, ...json, 'content-encoding': 'Identity' },
        release(),
      );
      expect(r.status, r.text).toBe(201);
    });
  });

  describe(`JSON nested deeper than ${MAX_JSON_DEPTH} levels: 400`, () => {
    it('20,000 levels in free-form release metadata', async () => {
      const body = release().replace(/}$/, `,"metadata":${nested(20_000)}}`);
      const r = await send(g.url, 'POST', '/api/v1/releases', { ...ci, ...json }, body);
      expectProblem(r, 400, 'validation_failed');
      expect(errorPaths(r)).toEqual(['/metadata']);
    });
    it('20,000 levels with an Idempotency-Key (the request fingerprint)', async () => {
      const body = release().replace(/}$/, `,"metadata":${nested(20_000)}}`);
      const r = await send(
        g.url,
        'POST',
        '/api/v1/releases',
        { ...ci, ...json, 'idempotency-key': 'deep-1' },
        body,
      );
      expectProblem(r, 400, 'validation_failed');
    });
    it('arrays and objects mixed, 200,000 levels', async () => {
      const body = release().replace(
        /}$/,
        `,"metadata":{"x":${'[{"a":'.repeat(100_000)}1${'}]'.repeat(100_000)}}}`,
      );
      const r = await send(g.url, 'POST', '/api/v1/releases', { ...ci, ...json }, body);
      expectProblem(r, 400, 'validation_failed');
    });
    it(`exactly ${MAX_JSON_DEPTH} levels is accepted`, async () => {
      // The body object is level 1, metadata level 2.
      const body = release().replace(/}$/, `,"metadata":${nested(MAX_JSON_DEPTH - 1)}}`);
      const r = await send(g.url, 'POST', '/api/v1/releases', { ...ci, ...json }, body);
      expect(r.status, r.text.slice(0, 300)).toBe(201);
      const over = release().replace(/}$/, `,"metadata":${nested(MAX_JSON_DEPTH)}}`);
      expectProblem(
        await send(g.url, 'POST', '/api/v1/releases', { ...ci, ...json }, over),
        400,
        'validation_failed',
      );
    });
  });

  it('a body over the limit: 413 payload_too_large, with or without Content-Length', async () => {
    const big = JSON.stringify({ metadata: { pad: 'a'.repeat(1_100_000) } });
    expectProblem(
      await send(g.url, 'POST', '/api/v1/releases', { ...ci, ...json }, big),
      413,
      'payload_too_large',
    );
    // Chunked: no Content-Length, the limit applies to what is read.
    const chunked = await new Promise<Raw>((resolve, reject) => {
      const { hostname, port } = new URL(g.url);
      const req = request(
        { host: hostname, port, method: 'POST', path: '/api/v1/releases', headers: { ...ci, ...json } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              type: String(res.headers['content-type'] ?? ''),
              body: JSON.parse(text) as Record<string, unknown>,
              text,
            });
          });
        },
      );
      req.on('error', reject);
      req.write(big.slice(0, 600_000));
      req.end(big.slice(600_000));
    });
    expectProblem(chunked, 413, 'payload_too_large');
  });
});
