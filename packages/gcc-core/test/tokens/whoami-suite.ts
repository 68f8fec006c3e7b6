import type { GccClient } from '@wrktalk/sdk-gcc';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GccOptions } from '../../src/index';
import { countingDatabase, type DatabaseFactory, type TestDatabase } from '../helpers/databases';
import { problemOf } from '../helpers/flow-suite';
import { ADMIN, CI, type RunningGcc, startGcc } from '../helpers/servers';

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
 * `GET /api/v1/whoami` on gcc-core: what each kind of token is told, that expiry and revocation (API, SQL within the
 * token cache's TTL) refuse it exactly as on every other operation, and that it writes nothing (no `last_seen_at`,
 * no task pickup) and reads nothing past the token lookup. Written once, run on each database kind.
 */
export function defineWhoamiSuite(name: string, factory: DatabaseFactory): void {
  describe(`whoami on ${name}`, () => {
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

    /** A GCC (worker ticked by hand) on `db` with a new client. */
    async function setup(options: Partial<GccOptions> = {}, db = tdb.db) {
      const srv = await startGcc(db, { worker: false, runNotifier: false, ...options });
      running.push(srv);
      const admin = srv.client(ADMIN);
      const clientId = `who-c${++counter}-${Date.now().toString(36)}`;
      await admin.clients.create({ id: clientId, name: clientId, target_kind: 'docker' });
      const as = (token: string): GccClient => srv.client(token);
      return { srv, admin, clientId, as };
    }

    it('tells each role what its token is: configured and stored admin/CI, agent and approver', async () => {
      const { srv, clientId, as } = await setup();
      expect(await as(ADMIN).auth.whoami()).toEqual({
        token_id: null,
        role: 'admin',
        client_id: null,
        name: 'admin',
        expires_at: null,
      });
      expect(await as(CI).auth.whoami()).toEqual({
        token_id: null,
        role: 'ci',
        client_id: null,
        name: 'ci',
        expires_at: null,
      });
      const ops = await srv.gcc.issueToken({ role: 'admin', name: 'ops-laptop' });
      expect(await as(ops.token).auth.whoami()).toEqual({
        token_id: ops.id,
        role: 'admin',
        client_id: null,
        name: 'ops-laptop',
        expires_at: null,
      });
      const pipeline = await srv.gcc.issueToken({ role: 'ci', name: 'github-actions', ttlSeconds: 3600 });
      expect(await as(pipeline.token).auth.whoami()).toEqual({
        token_id: pipeline.id,
        role: 'ci',
        client_id: null,
        name: 'github-actions',
        expires_at: pipeline.expiresAt,
      });
      const agent = await srv.gcc.issueToken({ role: 'agent', clientId });
      expect(await as(agent.token).auth.whoami()).toEqual({
        token_id: agent.id,
        role: 'agent',
        client_id: clientId,
        name: null,
        expires_at: null,
      });
      const approver = await srv.gcc.issueToken({ role: 'approver', clientId, ttlSeconds: 600 });
      expect(approver.expiresAt).not.toBeNull();
      expect(await as(approver.token).auth.whoami()).toEqual({
        token_id: approver.id,
        role: 'approver',
        client_id: clientId,
        name: null,
        expires_at: approver.expiresAt,
      });
      // Asked again (now from the token cache): the same answer.
      expect((await as(approver.token).auth.whoami()).expires_at).toBe(approver.expiresAt);
    });

    it('an expired token is 401, whether cached or looked up for the first time', async () => {
      const clock = movableClock();
      const { srv, clientId, as } = await setup({ now: clock.now });
      const cached = await srv.gcc.issueToken({ role: 'agent', clientId, ttlSeconds: 60 });
      const fresh = await srv.gcc.issueToken({ role: 'approver', clientId, ttlSeconds: 60 });
      expect((await as(cached.token).auth.whoami()).token_id).toBe(cached.id);
      clock.advance(61);
      for (const t of [cached, fresh]) {
        expect(await problemOf(as(t.token).auth.whoami())).toMatchObject({
          status: 401,
          code: 'unauthorized',
        });
      }
    });

    it('a revoked token is 401; a revocation only in SQL is honoured within the token cache TTL, as everywhere', async () => {
      const clock = movableClock();
      const { srv, admin, clientId, as } = await setup({ now: clock.now, tokenCacheTtlSeconds: 30 });
      const viaApi = await admin.clients.createToken(clientId, { role: 'agent' });
      expect((await as(viaApi.token).auth.whoami()).token_id).toBe(viaApi.id);
      await admin.clients.revokeToken(clientId, viaApi.id);
      expect((await problemOf(as(viaApi.token).auth.whoami())).status).toBe(401);

      const inSql = await srv.gcc.issueToken({ role: 'agent', clientId });
      const client = as(inSql.token);
      expect((await client.auth.whoami()).token_id).toBe(inSql.id);
      await client.clients.get(clientId);
      await tdb.db.query('UPDATE tokens SET revoked_at = now() WHERE id = $1', [inSql.id]);
      // The same cache as every operation: whoami and getClient agree. Before the cache's first re-check of its
      // tokens (every half TTL) the revocation is not known yet; within the TTL it is, whatever happened between.
      clock.advance(10);
      expect((await client.auth.whoami()).token_id).toBe(inSql.id);
      expect((await client.clients.get(clientId)).id).toBe(clientId);
      clock.advance(20);
      expect((await problemOf(client.auth.whoami())).status).toBe(401);
      expect((await problemOf(client.clients.get(clientId))).status).toBe(401);
    });

    it('changes nothing: no statement past the token lookup, no last_seen_at, no task pickup (a poll does both)', async () => {
      const counting = countingDatabase(tdb.db);
      const first = await setup({}, counting.db);
      const { admin, clientId } = first;
      const ci = first.srv.client(CI);
      const version = `who-${counter}`;
      const release = await ci.releases.create({
        component: 'backend',
        version,
        image_url: `registry.wrktalk.com/backend:${version}`,
      });
      const d = await admin.deployments.create({
        release_id: release.id,
        targets: { client_ids: [clientId] },
        approval: { required: false },
      });
      await first.srv.gcc.worker.tick();
      const task = async () => (await admin.deployments.listTasks(d.id)).items[0]!;
      const queued = await task();
      expect(queued).toMatchObject({ status: 'queued', lease_expires_at: null });
      const agent = await first.srv.gcc.issueToken({ role: 'agent', clientId });
      const agentClient = first.as(agent.token);
      const auditBefore = await admin.audit.list({ client_id: clientId });

      counting.reset();
      await agentClient.auth.whoami(); // first use: the token lookup
      expect(counting.texts()).toEqual([
        expect.stringMatching(/^SELECT id, role, client_id, name, expires_at FROM tokens/),
      ]);
      counting.reset();
      for (let i = 0; i < 5; i++) await agentClient.auth.whoami(); // cached: no statement at all
      expect(counting.texts()).toEqual([]);

      // close() writes what was batched (last_seen_at of polls, last_used_at of tokens).
      await first.srv.close();
      running.splice(running.indexOf(first.srv), 1);
      const row = async () =>
        (
          await tdb.db.query<{ last_seen_at: Date | null }>(
            'SELECT last_seen_at FROM clients WHERE id = $1',
            [clientId],
          )
        ).rows[0]!;
      expect((await row()).last_seen_at).toBeNull();
      const second = await setup({}, tdb.db);
      const adminAgain = second.srv.client(ADMIN);
      const after = (await adminAgain.deployments.listTasks(d.id)).items[0]!;
      expect(after).toEqual(queued);
      expect(await adminAgain.audit.list({ client_id: clientId })).toEqual(auditBefore);

      // The control: the same agent's poll is a heartbeat and picks the task up, so the checks above can fail.
      const polled = await second.as(agent.token).agent.getUpdates(clientId);
      expect(polled.notModified === false && polled.body.update?.task_id).toBe(after.id);
      await second.srv.close();
      running.splice(running.indexOf(second.srv), 1);
      expect((await row()).last_seen_at).not.toBeNull();
      const third = await setup({}, tdb.db);
      expect((await third.srv.client(ADMIN).deployments.listTasks(d.id)).items[0]).toMatchObject({
        status: 'in_progress',
      });
    });
  });
}
