import type { GccClient } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { countingDatabase, type DatabaseFactory, type TestDatabase } from './databases';
import { ADMIN, CI, type RunningGcc, startGcc } from './servers';

/**
 * Two GCC replicas on one database: changes made through A reach B's caches through LISTEN/NOTIFY, and B answers
 * a warm "nothing new" poll without touching the database.
 */
export function defineReplicasSuite(name: string, factory: DatabaseFactory): void {
  describe(`two replicas on ${name}`, () => {
    let tdb: TestDatabase;
    let a: RunningGcc;
    let b: RunningGcc;
    let countingB: ReturnType<typeof countingDatabase>;
    let adminA: GccClient;
    let agentB: GccClient;
    let approverA: GccClient;
    let agentTokenId: string;
    let agentSecret: string;

    beforeAll(async () => {
      tdb = await factory();
      a = await startGcc(tdb.db);
      countingB = countingDatabase(await tdb.openAnother());
      b = await startGcc(countingB.db);
      adminA = a.client(ADMIN);
      await adminA.clients.create({ id: 'rep-1', name: 'R1', target_kind: 'docker' });
      const t = await a.gcc.issueToken({ role: 'agent', clientId: 'rep-1' });
      agentTokenId = t.id;
      agentSecret = t.token;
      agentB = b.client(t.token);
      approverA = a.client((await a.gcc.issueToken({ role: 'approver', clientId: 'rep-1' })).token);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await tdb?.dispose();
    });

    it('answers a warm "nothing new" poll without a database round trip', async () => {
      const first = await agentB.agent.getUpdates('rep-1');
      expect(first.notModified || first.body.available).toBe(false);
      countingB.reset();
      for (let i = 0; i < 20; i++) {
        const r = await agentB.agent.getUpdates('rep-1', { etag: first.etag });
        expect(r.notModified).toBe(true);
      }
      // (The rollout worker's job queue polling its table, and the token cache's re-check of every cached token,
      // one statement per half TTL whatever the number of polls, may fall in this window: no poll's round trip.)
      const polls = countingB.texts().filter((t) => !t.includes('gcc_boss') && !t.includes('AS x(id)'));
      expect(polls).toEqual([]);
      expect(await b.client(ADMIN).health.metrics()).toMatch(
        /gcc_agent_polls_total\{source="cache",status="304"\} 20/,
      );
    });

    it('wakes a long poll on B when A approves', async () => {
      const rel = await a
        .client(CI)
        .releases.create({ component: 'backend', version: 'r1', image_url: 'r.io/backend:r1' });
      const d = await adminA.deployments.create({ release_id: rel.id, targets: { client_ids: ['rep-1'] } });
      const first = await agentB.agent.getUpdates('rep-1');
      expect(first.notModified || first.body.available).toBe(false);
      const started = Date.now();
      const poll = agentB.agent.getUpdates('rep-1', { etag: first.etag, waitSeconds: 20 });
      await new Promise((r) => setTimeout(r, 200));
      const task = (await adminA.deployments.listTasks(d.id)).items[0]!;
      await approverA.approvals.approve('rep-1', task.id, { approved_by: 'ct' });
      const answer = await poll;
      expect(Date.now() - started).toBeLessThan(5_000);
      if (answer.notModified) throw new Error('expected the update');
      expect(answer.body.update?.task_id).toBe(task.id);
    });

    it('sees a plain poll on B right after a change through A, and revocation at once', async () => {
      const t = (await adminA.deployments.list()).items[0]!;
      const task = (await adminA.deployments.listTasks(t.id)).items[0]!;
      await agentB.agent.reportStatus('rep-1', { task_id: task.id, attempt: 1, status: 'success' });
      // B's own change: read-your-writes on B
      const after = await agentB.agent.getUpdates('rep-1');
      expect(after.notModified || after.body.available).toBe(false);
      await a.gcc.revokeToken(agentTokenId);
      await vi.waitFor(
        async () => {
          const res = await fetch(`${b.url}/api/v1/clients/rep-1/updates`, {
            headers: { authorization: `Bearer ${agentSecret}` },
          });
          expect(res.status).toBe(401);
        },
        { timeout: 3_000, interval: 20 },
      );
    });
  });
}
