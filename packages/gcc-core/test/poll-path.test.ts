import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcc, type Gcc, type Principal } from '../src/index';
import { pgliteFactory, type TestDatabase } from './helpers/databases';
import { ADMIN, type RunningGcc, startAgentGcc, startGcc } from './helpers/servers';

const pick = (res: Response) => ({
  status: res.status,
  etag: res.headers.get('etag'),
  cacheControl: res.headers.get('cache-control'),
  contentType: res.headers.get('content-type'),
  contentLength: res.headers.get('content-length'),
});

// The agent poll has a fast path in front of Express's routing; it must answer exactly as the usual route does.
describe.each(['express', 'node'] as const)(
  'the agent poll path (front: %s)',
  { timeout: 60_000 },
  (front) => {
    let srv: RunningGcc;
    let token: string;
    let lines: Record<string, unknown>[] = [];
    let close: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ srv, token, lines, close } = await startAgentGcc('poller', front));
    });
    afterAll(async () => {
      await close?.();
    });

    const poll = (path = '/api/v1/clients/poller/updates', headers: Record<string, string> = {}) =>
      fetch(`${srv.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });

    it('answers the same on the fast path as on the usual route, with request ids', async () => {
      const first = await poll(); // the token's first use: the usual route, which caches it
      const before = srv.expressRequests();
      const fast = await poll();
      // With the `node` front the poll never reached Express; with `express` everything does.
      expect(srv.expressRequests() - before).toBe(front === 'node' ? 0 : 1);
      // A trailing slash is still getUpdates for Express, but not the fast path's exact match.
      const routed = await poll('/api/v1/clients/poller/updates/');
      const bodies = [await first.text(), await fast.text(), await routed.text()];
      expect(new Set(bodies).size).toBe(1);
      expect(JSON.parse(bodies[0]!)).toEqual({ available: false, poll_after_seconds: 30 });
      expect(pick(fast)).toEqual(pick(routed));
      expect(pick(fast)).toEqual({
        status: 200,
        etag: '"none"',
        cacheControl: 'no-cache',
        contentType: 'application/json; charset=utf-8',
        contentLength: String(Buffer.byteLength(bodies[0]!)),
      });
      for (const r of [first, fast, routed])
        expect(r.headers.get('x-request-id')).toMatch(/^req-[0-9a-f]{16}$/);
      expect(new Set([first, fast, routed].map((r) => r.headers.get('x-request-id'))).size).toBe(3);
      const echoed = await poll(undefined, { 'x-request-id': 'agent-42' });
      expect(echoed.headers.get('x-request-id')).toBe('agent-42');
      // Anything else still goes through Express, counted once (the trailing-slash poll above, and this).
      const atHealth = srv.expressRequests();
      expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
      expect(srv.expressRequests() - atHealth).toBe(1);
    });

    it('answers 304 to the current ETag, on both paths', async () => {
      for (const path of ['/api/v1/clients/poller/updates', '/api/v1/clients/poller/updates/']) {
        const r = await poll(path, { 'if-none-match': '"none"' });
        expect(r.status).toBe(304);
        expect(r.headers.get('etag')).toBe('"none"');
        expect(r.headers.get('x-request-id')).toMatch(/^req-/);
        expect(await r.text()).toBe('');
      }
    });

    it('refuses what the usual route refuses', async () => {
      const other = await poll('/api/v1/clients/someone-else/updates');
      expect(other.status).toBe(404);
      const wait = await poll('/api/v1/clients/poller/updates?wait=61');
      expect(wait.status).toBe(400);
      const twice = await poll('/api/v1/clients/poller/updates?wait=1&wait=2');
      expect(twice.status).toBe(400);
      const inm = await poll(undefined, { 'if-none-match': `"${'x'.repeat(300)}"` });
      expect(inm.status).toBe(400);
      const bad = await fetch(`${srv.url}/api/v1/clients/poller/updates`, {
        headers: { authorization: 'Bearer wrong-token-0123456789' },
      });
      expect(bad.status).toBe(401);
      for (const r of [other, wait, twice, inm, bad]) {
        expect(r.headers.get('content-type')).toContain('application/problem+json');
        expect(((await r.json()) as { request_id: string }).request_id).toBe(r.headers.get('x-request-id'));
      }
    });

    it('counts fast-path polls in the metrics and logs them at debug without secrets', async () => {
      const before = lines.length;
      const r = await poll(undefined, { 'x-request-id': 'log-me-1' });
      expect(r.status).toBe(200);
      const metrics = await (await fetch(`${srv.url}/metrics`)).text();
      expect(metrics).toMatch(/gcc_http_requests_total\{operation="getUpdates",status="200"\} \d+/);
      expect(metrics).toMatch(
        /gcc_http_request_duration_seconds_count\{operation="getUpdates",method="GET",status="200"\} \d+/,
      );
      expect(metrics).toMatch(/gcc_agent_polls_total\{source="cache",status="200"\} \d+/);
      expect(metrics).toMatch(/gcc_agent_polls_total\{source="cache",status="304"\} 2/);
      const line = lines.slice(before).find((l) => (l.req as { id?: string } | undefined)?.id === 'log-me-1');
      expect(line).toMatchObject({
        level: 20,
        msg: 'request completed',
        operation: 'getUpdates',
        req: { id: 'log-me-1', method: 'GET', url: '/api/v1/clients/poller/updates' },
        res: { statusCode: 200 },
      });
      expect(JSON.stringify(lines)).not.toContain(token);
      const refused = lines.find((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 401);
      expect(refused).toMatchObject({ level: 30, msg: 'request completed' });
      // A poll the fast path hands on (here an unknown token) is logged once, by the usual route, with front `node` too.
      const handedOn = await fetch(`${srv.url}/api/v1/clients/poller/updates`, {
        headers: { authorization: 'Bearer wrk_unknown', 'x-request-id': 'handed-on-1' },
      });
      expect(handedOn.status).toBe(401);
      await handedOn.text();
      await expect
        .poll(() => lines.filter((l) => (l.req as { id?: string } | undefined)?.id === 'handed-on-1').length)
        .toBe(1);
    });

    it('wakes a long poll on a change and answers the update', { timeout: 60_000 }, async () => {
      // Once the server has emitted `request`, the (synchronous) fast path has registered the poll's wait.
      const arrived = once(srv.server, 'request');
      const waiting = poll('/api/v1/clients/poller/updates?wait=50', { 'if-none-match': '"none"' });
      await arrived;
      const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
      const rel = (await (
        await fetch(`${srv.url}/api/v1/releases`, {
          method: 'POST',
          headers: admin,
          body: JSON.stringify({ component: 'backend', version: 'p1', image_url: 'r.io/backend:p1' }),
        })
      ).json()) as { id: string };
      const d = (await (
        await fetch(`${srv.url}/api/v1/deployments`, {
          method: 'POST',
          headers: admin,
          body: JSON.stringify({ release_id: rel.id, targets: { client_ids: ['poller'] } }),
        })
      ).json()) as { id: string };
      const approver = {
        authorization: `Bearer ${(await srv.gcc.issueToken({ role: 'approver', clientId: 'poller' })).token}`,
        'content-type': 'application/json',
      };
      const pending = (await (
        await fetch(`${srv.url}/api/v1/clients/poller/pending-approvals`, { headers: approver })
      ).json()) as { items: { task_id: string; deployment_id: string }[] };
      const task = pending.items.find((t) => t.deployment_id === d.id)!;
      const approved = await fetch(
        `${srv.url}/api/v1/clients/poller/pending-approvals/${task.task_id}/approve`,
        {
          method: 'POST',
          headers: approver,
          body: JSON.stringify({ approved_by: 'ct' }),
        },
      );
      expect(approved.status).toBe(200);
      const r = await waiting;
      expect(r.status).toBe(200);
      expect(((await r.json()) as { available: boolean }).available).toBe(true);
    });
  },
);

describe('Gcc.close() and long polls', { timeout: 60_000 }, () => {
  it('ends a long poll in flight at once; later long polls answer without waiting', {
    timeout: 60_000,
  }, async () => {
    const tdb = await pgliteFactory();
    const srv = await startGcc(tdb.db);
    try {
      await fetch(`${srv.url}/api/v1/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'sleeper', name: 'Sleeper', target_kind: 'docker' }),
      });
      const { token } = await srv.gcc.issueToken({ role: 'agent', clientId: 'sleeper' });
      const longPoll = (etag?: string) =>
        fetch(`${srv.url}/api/v1/clients/sleeper/updates?wait=30`, {
          headers: { authorization: `Bearer ${token}`, ...(etag && { 'if-none-match': etag }) },
        });
      // Both polls have reached the app (a `request` event each) before the close. One still reading its offer
      // then answers without waiting, like the poll after the close below.
      let seen = 0;
      const arrived = new Promise<void>((resolve) =>
        srv.server.on('request', () => {
          if (++seen === 2) resolve();
        }),
      );
      const inFlight = [longPoll(), longPoll('"none"')];
      await arrived;
      const started = Date.now();
      await srv.gcc.close();
      const answers = await Promise.all(inFlight);
      // "At once" against a 30 s wait: generous bounds, so a busy machine does not fail it.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(answers.map((r) => r.status)).toEqual([200, 304]);
      const after = Date.now();
      expect((await longPoll('"none"')).status).toBe(304);
      expect(Date.now() - after).toBeLessThan(10_000);
    } finally {
      await srv.close();
      await tdb.dispose();
    }
  });
});

// A host whose (asynchronous) auth hook answers agent principals itself: the fast path asks it once per request.
describe('the poll path with a host auth hook', { timeout: 60_000 }, () => {
  let tdb: TestDatabase;
  let gcc: Gcc;
  let url: string;
  let server: ReturnType<ReturnType<typeof express>['listen']>;
  let calls = 0;

  beforeAll(async () => {
    tdb = await pgliteFactory();
    gcc = await createGcc({
      database: tdb.db,
      adminToken: ADMIN,
      logger: pino({ level: 'silent' }),
      authenticate: async (req): Promise<Principal | undefined> => {
        calls++;
        const agent = req.get('x-host-agent');
        return agent ? { role: 'agent', name: agent, clientId: agent } : undefined;
      },
    });
    const app = express();
    app.use('/gcc', gcc.router);
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gcc`;
    await gcc.services.clients.create({ role: 'admin', name: 'test' }, {
      id: 'hosted',
      name: 'Hosted',
      target_kind: 'docker',
    } as never);
  });
  afterAll(async () => {
    await gcc?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await tdb?.dispose();
  });

  it('answers the hook’s agent, once per request, and refuses another client with 404', async () => {
    calls = 0;
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${url}/api/v1/clients/hosted/updates`, {
        headers: { 'x-host-agent': 'hosted' },
      });
      expect(r.status).toBe(200);
      expect(r.headers.get('etag')).toBe('"none"');
    }
    const other = await fetch(`${url}/api/v1/clients/hosted/updates`, {
      headers: { 'x-host-agent': 'nobody' },
    });
    expect(other.status).toBe(404);
    const none = await fetch(`${url}/api/v1/clients/hosted/updates`);
    expect(none.status).toBe(401);
    expect(calls).toBe(5);
  });
});
