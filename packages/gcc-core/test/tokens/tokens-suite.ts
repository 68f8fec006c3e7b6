import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGcc, type Gcc, type GccOptions } from '../../src/index';
import { sha256 } from '../../src/services/ids';
import type { DatabaseFactory, TestDatabase } from '../helpers/databases';
import { problemOf } from '../helpers/flow-suite';
import { ADMIN, CI, type RunningGcc, startGcc } from '../helpers/servers';

/** A raw HTTP answer. */
interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one request with exactly these header values (node:http keeps them as given). */
function raw(url: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const codeOf = (r: Raw): string | undefined => {
  try {
    return (JSON.parse(r.body) as { code?: string }).code;
  } catch {
    return undefined;
  }
};

/** A clock the tests move: real time plus an offset. */
function movableClock() {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance(seconds: number) {
      offset += seconds * 1000;
    },
  };
}

/**
 * A GCC behind an app that hands the router the `Authorization` value JSON-encoded in `X-Test-Authorization`, as an
 * adapter that does not trim would (Node's HTTP/1 parser itself drops whitespace around header values).
 */
async function startUntrimmed(gcc: Gcc): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use((req, _res, next) => {
    const given = req.headers['x-test-authorization'];
    if (typeof given === 'string') req.headers.authorization = JSON.parse(given) as string;
    next();
  });
  app.use(gcc.router);
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Issue 12, item 3: exact token comparison, the failed-authentication limit per source, token expiry, the auth
 * cache's TTL (revocations that no notification announced) and rotation. Written once, run on each database kind.
 */
export function defineTokensSuite(name: string, factory: DatabaseFactory): void {
  describe(`tokens on ${name}`, () => {
    let tdb: TestDatabase;
    const running: RunningGcc[] = [];
    let counter = 0;

    beforeAll(async () => {
      tdb = await factory();
    });
    afterEach(async () => {
      for (const r of running.splice(0)) await r.close();
    });
    afterAll(async () => {
      await tdb?.dispose();
    });

    /** A GCC with these options, a new client and its agent token (already cached by one poll). */
    async function setup(options: Partial<GccOptions> = {}) {
      const srv = await startGcc(tdb.db, { worker: false, runNotifier: false, ...options });
      running.push(srv);
      const admin = srv.client(ADMIN);
      const clientId = `tok-c${++counter}-${Date.now().toString(36)}`;
      await admin.clients.create({ id: clientId, name: clientId, target_kind: 'docker' });
      const agent = await srv.gcc.issueToken({ role: 'agent', clientId });
      const poll = `/api/v1/clients/${clientId}/updates`;
      const client = `/api/v1/clients/${clientId}`;
      expect((await raw(srv.url, 'GET', poll, bearer(agent.token))).status).toBe(200);
      return { srv, admin, clientId, agent, poll, client };
    }

    describe('exact comparison', () => {
      it('a token after two spaces (Bearer  <token>) is 401 on normal routes and on the agent poll, cached or not', async () => {
        const { srv, agent, poll, client } = await setup();
        for (const path of [poll, client]) {
          for (const auth of [
            `Bearer  ${agent.token}`,
            `Bearer \t${agent.token}`,
            `Bearer\t${agent.token}`,
          ]) {
            const r = await raw(srv.url, 'GET', path, { authorization: auth });
            expect(r.status, `${path} ${JSON.stringify(auth)}`).toBe(401);
            expect(codeOf(r)).toBe('unauthorized');
          }
        }
        // The exact token is still fine, from the cache (poll) and from the database (a token never seen).
        expect((await raw(srv.url, 'GET', poll, bearer(agent.token))).status).toBe(200);
        const admin2 = await srv.gcc.issueToken({ role: 'admin', name: 'exact' });
        expect((await raw(srv.url, 'GET', client, { authorization: `Bearer  ${admin2.token}` })).status).toBe(
          401,
        );
        expect((await raw(srv.url, 'GET', client, bearer(admin2.token))).status).toBe(200);
      });

      it('a token with whitespace before or after it, as the router sees the header, is 401 (normal and poll route)', async () => {
        const { srv, agent, poll, client } = await setup();
        const untrimmed = await startUntrimmed(srv.gcc);
        try {
          const variants = [
            `Bearer ${agent.token} `,
            `Bearer ${agent.token}\t`,
            `Bearer ${agent.token}\n`,
            `Bearer ${agent.token}\u00a0`,
            `Bearer  ${agent.token}`,
            `Bearer \t${agent.token}`,
            ` Bearer ${agent.token}`,
          ];
          for (const path of [poll, client]) {
            for (const v of variants) {
              const r = await raw(untrimmed.url, 'GET', path, { 'x-test-authorization': JSON.stringify(v) });
              expect(r.status, `${path} ${JSON.stringify(v)}`).toBe(401);
            }
            const ok = await raw(untrimmed.url, 'GET', path, {
              'x-test-authorization': JSON.stringify(`Bearer ${agent.token}`),
            });
            expect(ok.status).toBe(200);
          }
        } finally {
          await untrimmed.close();
        }
      });

      it('the configured admin/CI secrets and the stored-token lookup compare exactly', async () => {
        const { srv, agent, client } = await setup();
        // The service's own lookup (by the sha256 of the secret as given), below HTTP: no trimming there either.
        expect((await srv.gcc.services.tokens.lookup(sha256(agent.token)))?.id).toBe(agent.id);
        for (const secret of [`${agent.token} `, ` ${agent.token}`, `${agent.token}\t`]) {
          expect(await srv.gcc.services.tokens.lookup(sha256(secret))).toBeUndefined();
        }
        const spaced = await startUntrimmed(srv.gcc);
        try {
          for (const secret of [`${ADMIN} `, `${ADMIN}\t`, `${CI} `]) {
            const r = await raw(spaced.url, 'GET', client, {
              'x-test-authorization': JSON.stringify(`Bearer ${secret}`),
            });
            expect(r.status, JSON.stringify(secret)).toBe(401);
          }
        } finally {
          await spaced.close();
        }
      });
    });

    describe('failed-authentication limit', () => {
      const LIMIT = { max: 3, windowSeconds: 60 };

      it('blocks a source after max refused tokens: 429 rate_limited with Retry-After, valid tokens and the poll fast path included', async () => {
        const clock = movableClock();
        const { srv, agent, poll, client } = await setup({ authFailureLimit: LIMIT, now: clock.now });
        const bad = bearer(`wrk_${'x'.repeat(43)}`);
        for (let i = 0; i < LIMIT.max; i++) {
          const r = await raw(srv.url, 'GET', client, bad);
          expect(r.status).toBe(401);
        }
        for (const [path, headers] of [
          [client, bad],
          [client, bearer(ADMIN)],
          [poll, bearer(agent.token)], // cached: the fast path would answer it without a lookup
          [poll, bad],
        ] as const) {
          const r = await raw(srv.url, 'GET', path, headers);
          expect(r.status, path).toBe(429);
          expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(codeOf(r)).toBe('rate_limited');
          expect(Number(r.headers['retry-after'])).toBe(LIMIT.windowSeconds);
        }
        clock.advance(45);
        expect((await raw(srv.url, 'GET', client, bearer(ADMIN))).headers['retry-after']).toBe('15');
        // The long poll (wait=) is blocked as well.
        expect((await raw(srv.url, 'GET', `${poll}?wait=5`, bearer(agent.token))).status).toBe(429);
      });

      it('lets the source in again once the window has passed, and counts afresh', async () => {
        const clock = movableClock();
        const { srv, agent, poll, client } = await setup({ authFailureLimit: LIMIT, now: clock.now });
        const bad = bearer(`wrk_${'y'.repeat(43)}`);
        for (let i = 0; i < LIMIT.max; i++) await raw(srv.url, 'GET', client, bad);
        expect((await raw(srv.url, 'GET', client, bearer(ADMIN))).status).toBe(429);
        clock.advance(LIMIT.windowSeconds);
        expect((await raw(srv.url, 'GET', client, bearer(ADMIN))).status).toBe(200);
        expect((await raw(srv.url, 'GET', poll, bearer(agent.token))).status).toBe(200);
        // A new window: max - 1 failures do not block.
        for (let i = 0; i < LIMIT.max - 1; i++)
          expect((await raw(srv.url, 'GET', client, bad)).status).toBe(401);
        expect((await raw(srv.url, 'GET', client, bearer(ADMIN))).status).toBe(200);
        expect((await raw(srv.url, 'GET', client, bad)).status).toBe(401);
        expect((await raw(srv.url, 'GET', client, bad)).status).toBe(429);
      });

      it('does not count requests without a bearer token, and successes neither count nor reset', async () => {
        const clock = movableClock();
        const { srv, client } = await setup({ authFailureLimit: LIMIT, now: clock.now });
        for (let i = 0; i < 10; i++) {
          expect((await raw(srv.url, 'GET', client)).status).toBe(401);
          expect((await raw(srv.url, 'GET', client, { authorization: 'Basic eDp5' })).status).toBe(401);
          expect((await raw(srv.url, 'GET', client, bearer(ADMIN))).status).toBe(200);
        }
        const bad = bearer(`wrk_${'z'.repeat(43)}`);
        await raw(srv.url, 'GET', client, bad);
        await raw(srv.url, 'GET', client, bearer(ADMIN));
        await raw(srv.url, 'GET', client, bad);
        await raw(srv.url, 'GET', client, bearer(ADMIN));
        expect((await raw(srv.url, 'GET', client, bad)).status).toBe(401);
        expect((await raw(srv.url, 'GET', client, bearer(ADMIN))).status).toBe(429);
      });

      it('is off with authFailureLimit: false', async () => {
        const { srv, client } = await setup({ authFailureLimit: false });
        const bad = bearer(`wrk_${'w'.repeat(43)}`);
        for (let i = 0; i < 150; i++) expect((await raw(srv.url, 'GET', client, bad)).status).toBe(401);
        expect((await raw(srv.url, 'GET', client, bearer(ADMIN))).status).toBe(200);
      });

      it('is on by default (100 refused tokens per 60 s)', async () => {
        const { srv, client } = await setup();
        const bad = bearer(`wrk_${'v'.repeat(43)}`);
        for (let i = 0; i < 100; i++) expect((await raw(srv.url, 'GET', client, bad)).status).toBe(401);
        const r = await raw(srv.url, 'GET', client, bearer(ADMIN));
        expect(r.status).toBe(429);
        expect(r.headers['retry-after']).toBe('60');
      });
    });

    describe('expiry', () => {
      it('a token issued with ttl_seconds is refused once it has expired (normal and poll route, cached)', async () => {
        const clock = movableClock();
        const { srv, admin, clientId, poll, client } = await setup({ now: clock.now });
        const issuedAt = clock.now().getTime();
        const t = await admin.clients.createToken(clientId, { role: 'agent', ttl_seconds: 120 });
        expect(Date.parse(t.expires_at!) - issuedAt).toBeGreaterThanOrEqual(119_000);
        expect(Date.parse(t.expires_at!) - issuedAt).toBeLessThanOrEqual(121_000);
        expect((await raw(srv.url, 'GET', poll, bearer(t.token))).status).toBe(200);
        expect((await raw(srv.url, 'GET', client, bearer(t.token))).status).toBe(200);
        clock.advance(60);
        expect((await raw(srv.url, 'GET', poll, bearer(t.token))).status).toBe(200);
        clock.advance(61);
        for (const path of [poll, client]) {
          const r = await raw(srv.url, 'GET', path, bearer(t.token));
          expect(r.status, path).toBe(401);
          expect(codeOf(r)).toBe('unauthorized');
        }
      });

      it('expires_at works the same; tokens without expiry answer expires_at: null', async () => {
        const clock = movableClock();
        const { srv, admin, clientId, poll } = await setup({ now: clock.now });
        const at = new Date(clock.now().getTime() + 3600_000);
        const t = await admin.clients.createToken(clientId, { role: 'agent', expires_at: at.toISOString() });
        expect(Date.parse(t.expires_at!)).toBe(at.getTime());
        const forever = await admin.clients.createToken(clientId, { role: 'approver' });
        expect(forever.expires_at).toBeNull();
        expect((await raw(srv.url, 'GET', poll, bearer(t.token))).status).toBe(200);
        clock.advance(3600);
        expect((await raw(srv.url, 'GET', poll, bearer(t.token))).status).toBe(401);
        // gcc.issueToken takes the same.
        const g = await srv.gcc.issueToken({ role: 'admin', name: 'short', ttlSeconds: 10 });
        expect(g.expiresAt).not.toBeNull();
        expect((await raw(srv.url, 'GET', '/api/v1/clients', bearer(g.token))).status).toBe(200);
        clock.advance(10);
        expect((await raw(srv.url, 'GET', '/api/v1/clients', bearer(g.token))).status).toBe(401);
      });

      it('refuses an expiry in the past, both expiry fields, or a TTL out of range (400 validation_failed)', async () => {
        const { admin, clientId } = await setup();
        for (const body of [
          { role: 'agent' as const, expires_at: '2001-01-01T00:00:00Z' },
          { role: 'agent' as const, expires_at: '2999-01-01T00:00:00Z', ttl_seconds: 60 },
          { role: 'agent' as const, ttl_seconds: 0 },
          { role: 'agent' as const, expires_at: '9999-01-01T00:00:00Z' },
        ]) {
          const p = await problemOf(admin.clients.createToken(clientId, body));
          expect(p, JSON.stringify(body)).toMatchObject({ status: 400, code: 'validation_failed' });
        }
      });
    });

    describe('auth cache TTL', () => {
      it('a token revoked in SQL (no NOTIFY) is refused once tokenCacheTtlSeconds has passed', async () => {
        const clock = movableClock();
        const { srv, agent, poll, client } = await setup({ now: clock.now, tokenCacheTtlSeconds: 30 });
        await tdb.db.query('UPDATE tokens SET revoked_at = now() WHERE id = $1', [agent.id]);
        // Within the bound the cached token may still answer (that is what the TTL bounds).
        clock.advance(29);
        expect((await raw(srv.url, 'GET', poll, bearer(agent.token))).status).toBe(200);
        clock.advance(1);
        for (const path of [poll, client]) {
          expect((await raw(srv.url, 'GET', path, bearer(agent.token))).status, path).toBe(401);
        }
      });

      it('an expiry set in SQL is honoured within the TTL too', async () => {
        const clock = movableClock();
        const { srv, agent, poll } = await setup({ now: clock.now, tokenCacheTtlSeconds: 5 });
        await tdb.db.query('UPDATE tokens SET expires_at = $2 WHERE id = $1', [agent.id, clock.now()]);
        clock.advance(5);
        expect((await raw(srv.url, 'GET', poll, bearer(agent.token))).status).toBe(401);
      });

      it('with tokenCacheTtlSeconds: 0 a SQL revocation applies to the next request', async () => {
        const { srv, agent, poll } = await setup({ tokenCacheTtlSeconds: 0 });
        expect((await raw(srv.url, 'GET', poll, bearer(agent.token))).status).toBe(200);
        await tdb.db.query('UPDATE tokens SET revoked_at = now() WHERE id = $1', [agent.id]);
        expect((await raw(srv.url, 'GET', poll, bearer(agent.token))).status).toBe(401);
      });
    });

    describe('rotation and revocation over the API', () => {
      it('old and new tokens both work until the old one is revoked; then old 401, new 200', async () => {
        const { srv, admin, clientId, agent, poll } = await setup();
        const fresh = await admin.clients.createToken(clientId, { role: 'agent' });
        expect((await raw(srv.url, 'GET', poll, bearer(agent.token))).status).toBe(200);
        expect((await raw(srv.url, 'GET', poll, bearer(fresh.token))).status).toBe(200);
        const del = `/api/v1/clients/${clientId}/tokens/${agent.id}`;
        const r = await raw(srv.url, 'DELETE', del, bearer(ADMIN));
        expect(r.status).toBe(204);
        expect((await raw(srv.url, 'GET', poll, bearer(agent.token))).status).toBe(401);
        expect((await raw(srv.url, 'GET', poll, bearer(fresh.token))).status).toBe(200);
        // Revoking again does nothing.
        expect((await raw(srv.url, 'DELETE', del, bearer(ADMIN))).status).toBe(204);
        const audit = await admin.audit.list({ client_id: clientId });
        expect(audit.items.some((e) => e.action === 'token.revoke' && e.subject_id === agent.id)).toBe(true);
      });

      it('refuses unknown ids, other clients’ and admin tokens (404), bad ids (400), non-admins (403)', async () => {
        const { srv, clientId, agent } = await setup();
        const other = await setup();
        const adminTok = await srv.gcc.issueToken({ role: 'admin', name: 'rot' });
        const approver = await srv.gcc.issueToken({ role: 'approver', clientId });
        const at = (id: string, c = clientId) => `/api/v1/clients/${c}/tokens/${id}`;
        expect((await raw(srv.url, 'DELETE', at('tok-nothere'), bearer(ADMIN))).status).toBe(404);
        expect((await raw(srv.url, 'DELETE', at(other.agent.id), bearer(ADMIN))).status).toBe(404);
        expect((await raw(srv.url, 'DELETE', at(adminTok.id), bearer(ADMIN))).status).toBe(404);
        expect((await raw(srv.url, 'DELETE', at('not-a-token-id'), bearer(ADMIN))).status).toBe(400);
        expect((await raw(srv.url, 'DELETE', at(agent.id), bearer(approver.token))).status).toBe(403);
        expect((await raw(srv.url, 'DELETE', at(agent.id), bearer(agent.token))).status).toBe(403);
        // None of these revoked anything.
        expect((await raw(other.srv.url, 'GET', other.poll, bearer(other.agent.token))).status).toBe(200);
        expect((await raw(srv.url, 'GET', '/api/v1/clients', bearer(adminTok.token))).status).toBe(200);
      });

      it('gcc.revokeToken still revokes any token at once', async () => {
        const { srv, agent, poll } = await setup();
        await srv.gcc.revokeToken(agent.id);
        expect((await raw(srv.url, 'GET', poll, bearer(agent.token))).status).toBe(401);
      });
    });

    describe('options', () => {
      it('lists every bad token option', async () => {
        await expect(
          createGcc({
            database: tdb.db,
            logger: pino({ level: 'silent' }),
            authFailureLimit: { max: 0, windowSeconds: 1.5, maxSources: -1, extra: 1 } as never,
            tokenCacheTtlSeconds: 3601,
          }),
        ).rejects.toMatchObject({
          problems: [
            'authFailureLimit.extra: is not an option',
            'authFailureLimit.max: must be an integer from 1 to 1000000, got 0',
            'authFailureLimit.windowSeconds: must be an integer from 1 to 86400, got 1.5',
            'authFailureLimit.maxSources: must be an integer from 1 to 10000000, got -1',
            'tokenCacheTtlSeconds: must be an integer from 0 to 3600, got 3601',
          ],
        });
        await expect(
          createGcc({ database: tdb.db, authFailureLimit: 5 as never, logger: pino({ level: 'silent' }) }),
        ).rejects.toMatchObject({
          problems: ['authFailureLimit: must be false or { max, windowSeconds, maxSources }, got 5'],
        });
      });
    });
  });
}
