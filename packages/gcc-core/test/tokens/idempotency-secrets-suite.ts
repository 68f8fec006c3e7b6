import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/index';
import { sha256 } from '../../src/services/ids';
import type { DatabaseFactory, TestDatabase } from '../helpers/databases';
import { ADMIN, type RunningGcc, startGcc } from '../helpers/servers';

/** One JSON request with exactly these headers. */
async function call(url: string, method: string, path: string, token: string, body?: unknown, key?: string) {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(key !== undefined && { 'idempotency-key': key }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  return {
    status: r.status,
    headers: r.headers,
    text,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/**
 * Issue 18: an `Idempotency-Key` on `createClientToken` made the GCC keep the answer, the token's secret included,
 * in clear in `idempotency_keys` for 48 h. Now the secret is stored sealed (AES-256-GCM under a key derived from
 * the caller's own bearer token, which the database never holds): every row of the table, read with SQL, is free of
 * it, while the caller's retry with the same key still gets the whole original answer back, on any replica.
 */
export function defineIdempotencySecretsSuite(
  name: string,
  factory: DatabaseFactory,
  /** The same kind of database migrated up to `target` only (an upgrade rehearsal). */
  factoryAt: (target: number) => Promise<TestDatabase>,
): void {
  describe(`Idempotency-Key answers with a token secret on ${name}`, () => {
    let tdb: TestDatabase;
    const running: RunningGcc[] = [];
    let n = 0;
    beforeAll(async () => {
      tdb = await factory();
    });
    afterEach(async () => {
      for (const r of running.splice(0)) await r.close();
    });
    afterAll(async () => {
      await tdb?.dispose();
    });

    const start = async (db = tdb.db) => {
      const srv = await startGcc(db, { worker: false, runNotifier: false });
      running.push(srv);
      return srv;
    };
    /** Every stored idempotency row as text, every column. */
    const stored = async (db = tdb.db) =>
      (
        await db.query<{ row: string }>('SELECT row_to_json(k)::text AS row FROM idempotency_keys k')
      ).rows.map((r) => r.row);

    it('stores no usable secret; the same caller replays the whole answer, on another replica too', async () => {
      const srv = await start();
      const clientId = `idem-c${++n}-${Date.now().toString(36)}`;
      expect(
        (
          await call(srv.url, 'POST', '/api/v1/clients', ADMIN, {
            id: clientId,
            name: clientId,
            target_kind: 'docker',
          })
        ).status,
      ).toBe(201);
      const key = `key-${clientId}`;
      const path = `/api/v1/clients/${clientId}/tokens`;
      const first = await call(srv.url, 'POST', path, ADMIN, { role: 'agent' }, key);
      expect(first.status).toBe(201);
      const secret = first.json.token as string;
      expect(secret).toMatch(/^wrk_/);

      const rows = await stored();
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row).not.toContain(secret);
      // Not even in another encoding of it.
      for (const row of rows) expect(row).not.toContain(Buffer.from(secret).toString('base64'));

      const again = await call(srv.url, 'POST', path, ADMIN, { role: 'agent' }, key);
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.json).toEqual(first.json);

      const replica = await start(await tdb.openAnother());
      const there = await call(replica.url, 'POST', path, ADMIN, { role: 'agent' }, key);
      expect(there.status).toBe(201);
      expect(there.json).toEqual(first.json);
      // The replayed secret is the live token (one token was issued, not two).
      expect((await call(srv.url, 'GET', `/api/v1/clients/${clientId}/updates`, secret)).status).toBe(200);
      const tokens = await tdb.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM tokens WHERE client_id = $1',
        [clientId],
      );
      expect(tokens.rows[0]!.n).toBe(1);
    });

    it('another token of the same name cannot read the secret back: 409 naming the token to revoke', async () => {
      const srv = await start();
      const clientId = `idem-c${++n}-${Date.now().toString(36)}`;
      await call(srv.url, 'POST', '/api/v1/clients', ADMIN, {
        id: clientId,
        name: clientId,
        target_kind: 'docker',
      });
      const key = `key-${clientId}`;
      const path = `/api/v1/clients/${clientId}/tokens`;
      const first = await call(srv.url, 'POST', path, ADMIN, { role: 'agent' }, key);
      expect(first.status).toBe(201);
      // A stored admin token with the configured one's name shares its idempotency scope, not its secret.
      const other = await srv.gcc.issueToken({ role: 'admin', name: 'admin' });
      const replay = await call(srv.url, 'POST', path, other.token, { role: 'agent' }, key);
      expect(replay.status).toBe(409);
      expect(replay.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(replay.json.code).toBe('idempotency_key_reused');
      expect(replay.json.detail).toContain(first.json.id as string);
      expect(replay.text).not.toContain(first.json.token as string);
    });

    it('answers without a secret replay as before (stored in clear)', async () => {
      const srv = await start();
      const clientId = `idem-c${++n}-${Date.now().toString(36)}`;
      const body = { id: clientId, name: clientId, target_kind: 'docker' };
      const first = await call(srv.url, 'POST', '/api/v1/clients', ADMIN, body, `k-${clientId}`);
      const again = await call(srv.url, 'POST', '/api/v1/clients', ADMIN, body, `k-${clientId}`);
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.json).toEqual(first.json);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    });

    it('an upgrade scrubs secrets stored in clear before it; their replay is a 409 naming the token', async () => {
      const old = await factoryAt(13);
      try {
        const secret = `wrk_${'s'.repeat(43)}`;
        const answer = {
          id: 'tok_old',
          role: 'agent',
          client_id: 'c-old',
          token: secret,
          created_at: new Date().toISOString(),
          expires_at: null,
        };
        await old.db.query(
          `INSERT INTO idempotency_keys (scope, key, fingerprint, status, body, created_at) VALUES ($1, $2, $3, 201, $4::jsonb, now())`,
          [
            'admin:admin:createClientToken',
            'old-key',
            // The router's fingerprint of `POST /api/v1/clients/c-old/tokens {"role":"agent"}`.
            sha256('POST /api/v1/clients/c-old/tokens {"role":"agent"}'),
            JSON.stringify(answer),
          ],
        );
        await migrate(old.db);
        const rows = await stored(old.db);
        expect(rows).toHaveLength(1);
        expect(rows[0]).not.toContain(secret);
        expect(rows[0]).toContain('tok_old');
        const srv = await start(old.db);
        const replay = await call(
          srv.url,
          'POST',
          '/api/v1/clients/c-old/tokens',
          ADMIN,
          { role: 'agent' },
          'old-key',
        );
        expect(replay.status).toBe(409);
        expect(replay.json.code).toBe('idempotency_key_reused');
        expect(replay.json.detail).toContain('tok_old');
        expect(replay.text).not.toContain(secret);
        await srv.close();
        running.splice(running.indexOf(srv), 1);
      } finally {
        await old.dispose();
      }
    }, 120_000);
  });
}
