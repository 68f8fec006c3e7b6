import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readHelmParameter } from '../../../sdk-agent/src/executors/shared/argocd';
import {
  argoApplication,
  type FakeArgoCd,
  type FakeArgoCdOptions,
  startFakeArgoCd,
} from '../../../sdk-agent/test/fakes/fake-argocd-server';
import type { ArgoCdFastPathOptions } from '../../src/fastpath';
import { createServices } from '../../src/services';
import { AgentService } from '../../src/services/agent';
import type { Principal } from '../../src/services/context';
import type { Worker } from '../../src/worker';
import type { DatabaseFactory, TestDatabase } from '../helpers/databases';
import { ADMIN, createHarness, type Harness } from '../worker/harness';

const SEC = 1000;
const TOKEN = 'argo-api-token';
const agentOf = (clientId: string): Principal => ({ role: 'agent', clientId, name: `agent-${clientId}` });
const app = (clientId: string) => `wrktalk-${clientId}`;
const tagsOf = (backend: string) => ({
  'backend.image.tag': backend,
  'media.image.tag': '1.0.0',
  'ct.image.tag': '3.1.0',
});

/**
 * The Argo CD fast path of the rollout worker against a real database and the swagger-checking fake Argo CD: whole
 * rollouts with no agent, a Degraded canary rolled back through the fast path, unconfigured instances left to agents,
 * an agent racing the worker, and a worker that died after claiming. Written once, run on each database kind.
 */
export function defineFastPathSuite(name: string, factory: DatabaseFactory): void {
  describe(`Argo CD fast path on ${name}`, () => {
    let tdb: TestDatabase;
    let h: Harness;
    const fakes: FakeArgoCd[] = [];
    const workers: Worker[] = [];

    beforeAll(async () => {
      tdb = await factory();
      h = createHarness(tdb.db);
    }, 120_000);
    afterEach(async () => {
      for (const w of workers.splice(0)) await w.stop();
      for (const f of fakes.splice(0)) await f.close();
    });
    afterAll(async () => {
      await tdb?.dispose();
    });

    /** Clients `<prefix>-001`… on one Argo CD instance, each with a current backend version and its Argo CD app. */
    async function clients(prefix: string, n: number, instance: string, current?: string): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 1; i <= n; i++) {
        const id = `${prefix}-${String(i).padStart(3, '0')}`;
        await h.services.clients.create(ADMIN, {
          id,
          name: id,
          target_kind: 'argocd',
          argocd_instance: instance,
          labels: { suite: prefix },
        });
        ids.push(id);
      }
      if (current) await h.seedHistory(Object.fromEntries(ids.map((id) => [id, current])));
      return ids;
    }

    async function fakeArgo(ids: string[], current: string, options: FakeArgoCdOptions = {}) {
      const fake = await startFakeArgoCd(
        ids.map((id) => argoApplication(app(id), tagsOf(current))),
        { token: TOKEN, ...options },
      );
      fakes.push(fake);
      return fake;
    }

    /** A worker with the fast path on `instances` (instance name → fake). */
    function fastWorker(
      instances: Record<string, FakeArgoCd>,
      extra: Partial<ArgoCdFastPathOptions> = {},
      maxConcurrency = 3,
    ) {
      const w = h.anotherWorker(tdb.db, {
        argocd: {
          instances: Object.fromEntries(
            Object.entries(instances).map(([k, f]) => [
              k,
              { url: f.url, token: TOKEN, pollIntervalMs: 5, maxConcurrency },
            ]),
          ),
          ...extra,
        },
      });
      workers.push(w);
      return w;
    }

    /** Ticks and lets the fast path finish, until every deployment given is finished. */
    async function runUntilDone(w: Worker, ids: string[], rounds = 30): Promise<void> {
      for (let i = 0; i < rounds; i++) {
        await w.tick();
        await w.argocd!.idle();
        const views = await Promise.all(ids.map((id) => h.services.deployments.get(id)));
        if (views.every((v) => ['completed', 'failed', 'rolled_back', 'cancelled'].includes(v.status)))
          return;
        h.clock.advance(SEC);
      }
    }

    /** Ticks and lets the fast path finish until a tick starts a rollback; its id, or null after 10 ticks. */
    async function untilRollback(w: Worker): Promise<string | null> {
      for (let i = 0; i < 10; i++) {
        const results = await w.tick();
        const id = results.find((r) => r.rollbackId)?.rollbackId ?? null;
        await w.argocd!.idle();
        h.clock.advance(SEC);
        if (id) return id;
      }
      return null;
    }

    const requestsOf = (fake: FakeArgoCd, clientId: string, method: string, suffix: string) =>
      fake.requests.filter(
        (r) => r.method === method && r.path === `/api/v1/applications/${app(clientId)}${suffix}`,
      );

    it('rolls a deployment of Argo CD clients out to completed with no agent at all', async () => {
      const ids = await clients('fp', 4, 'argo-fp', 'sha-old');
      const fake = await fakeArgo(ids, 'sha-old');
      const w = fastWorker({ 'argo-fp': fake });
      const d = await h.deploy('sha-new', 'suite=fp', {
        approval: { required: false },
        strategy: {
          stages: [
            { kind: 'canary', count: 1, wait_seconds: 0 },
            { kind: 'batch', wait_seconds: 0 },
          ],
        },
      });
      await runUntilDone(w, [d]);

      const view = await h.services.deployments.get(d);
      expect(view.status).toBe('completed');
      expect(view.task_counts).toMatchObject({ success: 4 });
      expect(view.stages.map((s) => [s.kind, s.status, s.task_counts.success])).toEqual([
        ['canary', 'succeeded', 1],
        ['batch', 'succeeded', 3],
      ]);
      for (const id of ids) {
        // Read-modify-write of the whole parameters list, then a sync; every request matched swagger.json.
        const puts = requestsOf(fake, id, 'PUT', '/spec');
        expect(puts).toHaveLength(1);
        const spec = puts[0]!.body as { source: { helm: { parameters: unknown[] } } };
        expect(spec.source.helm.parameters).toEqual([
          { name: 'backend.image.tag', value: 'sha-new', forceString: true },
          { name: 'media.image.tag', value: '1.0.0', forceString: true },
          { name: 'ct.image.tag', value: '3.1.0', forceString: true },
        ]);
        expect(requestsOf(fake, id, 'POST', '/sync')).toHaveLength(1);
        expect(readHelmParameter(fake.apps.get(app(id))!.spec, 'backend.image.tag')).toBe('sha-new');
        expect((await h.services.clients.get(id)).current_versions.backend).toBe('sha-new');
      }
      expect(fake.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
      const current = await tdb.db.query<{ client_id: string; version: string }>(
        `SELECT client_id, version FROM deployment_history WHERE client_id = ANY($1::text[]) AND is_current
         ORDER BY client_id`,
        [ids],
      );
      expect(current.rows).toEqual(ids.map((id) => ({ client_id: id, version: 'sha-new' })));
      // One dispatch per task, and each attempt reported by the GCC under its own name.
      const dispatched = await h.dispatches(d);
      expect(dispatched.map((x) => [x.client_id, x.attempt])).toEqual(
        expect.arrayContaining(ids.map((id) => [id, 1])),
      );
      expect(dispatched).toHaveLength(4);
      const audit = (await h.services.audit.list({ deployment_id: d }, { limit: 200 })).items;
      const reports = audit.filter((e) => e.action === 'task.report_success');
      expect(reports).toHaveLength(4);
      expect(new Set(reports.map((e) => e.actor))).toEqual(new Set(['agent:gcc-argocd:argo-fp']));
      const task = (await h.services.deployments.listTasks(d, { client_id: ids[0]! })).items[0]!;
      expect(task).toMatchObject({ status: 'success', attempt: 1, last_message: 'Synced and Healthy' });
      expect(task.logs.some((l) => l.includes('set backend.image.tag=sha-new'))).toBe(true);
    });

    it("applies at most the instance's maxConcurrency tasks at once, then the rest as slots free up", async () => {
      const ids = await clients('fpcap', 5, 'argo-cap', 'sha-k1');
      const fake = await fakeArgo(ids, 'sha-k1');
      const w = fastWorker({ 'argo-cap': fake }, {}, 2);
      const d = await h.deploy('sha-k2', 'suite=fpcap', {
        approval: { required: false },
        strategy: { stages: [{ kind: 'batch', wait_seconds: 0 }], max_concurrency_per_instance: 10 },
      });
      await w.tick(d);
      expect(w.argocd!.running).toBe(2);
      // Read after the tick: a fast fake may already have finished one (freeing its slot for the next), so the
      // promise checked is the cap (never more than 2 in progress) and that nobody is lost, not one instant.
      const c = (await h.services.deployments.get(d)).task_counts;
      expect(c.in_progress).toBeLessThanOrEqual(2);
      expect(c.in_progress).toBeGreaterThanOrEqual(1);
      expect(c.queued + c.in_progress + c.success).toBe(5);
      expect(c.queued).toBeGreaterThanOrEqual(2);
      // Each finished task frees a slot and the next one is claimed, without another tick.
      await w.argocd!.idle();
      expect((await h.services.deployments.get(d)).task_counts).toMatchObject({ success: 5 });
      expect(fake.requests.filter((r) => r.method === 'PUT')).toHaveLength(5);
    });

    it('fails a Degraded canary and rolls it back to its previous version through the fast path', async () => {
      const ids = await clients('fpdg', 4, 'argo-dg', 'sha-good');
      const fake = await fakeArgo(ids, 'sha-good', { badTags: ['sha-bad'] });
      const w = fastWorker({ 'argo-dg': fake });
      const d = await h.deploy('sha-bad', 'suite=fpdg', {
        approval: { required: false },
        strategy: {
          stages: [
            { kind: 'canary', count: 1, wait_seconds: 0 },
            { kind: 'batch', wait_seconds: 0 },
          ],
          canary_failure_threshold: { max_failures: 0 },
          max_attempts: 1,
        },
      });
      // Tick until the rollback exists, then until both are finished.
      const rbId = await untilRollback(w);
      expect(rbId).toBeTruthy();
      await runUntilDone(w, [d, rbId!]);

      const original = await h.services.deployments.get(d);
      expect(original.status).toBe('rolled_back');
      const canary = (await h.services.deployments.listTasks(d, {})).items.find((t) => t.stage === 0)!;
      expect(canary.last_message).toMatch(/^Degraded: /);
      expect(original.task_counts).toMatchObject({ rolled_back: 1, cancelled: 3 });
      const rollback = await h.services.deployments.get(rbId!);
      expect(rollback).toMatchObject({ type: 'rollback', status: 'completed' });
      const rbTasks = (await h.services.deployments.listTasks(rbId!, {})).items;
      expect(rbTasks.map((t) => [t.client_id, t.version, t.status])).toEqual([
        [canary.client_id, 'sha-good', 'success'],
      ]);
      // The canary's app was set to the bad version, then back; nobody else's app was touched.
      const puts = requestsOf(fake, canary.client_id, 'PUT', '/spec').map(
        (r) => readHelmParameter(r.body as never, 'backend.image.tag')!,
      );
      expect(puts).toEqual(['sha-bad', 'sha-good']);
      expect(requestsOf(fake, canary.client_id, 'POST', '/sync')).toHaveLength(2);
      for (const id of ids.filter((x) => x !== canary.client_id)) {
        expect(fake.requests.some((r) => r.path.startsWith(`/api/v1/applications/${app(id)}`))).toBe(false);
      }
      expect(readHelmParameter(fake.apps.get(app(canary.client_id))!.spec, 'backend.image.tag')).toBe(
        'sha-good',
      );
      expect(fake.apps.get(app(canary.client_id))!.status?.health?.status).toBe('Healthy');
      expect((await h.services.clients.get(canary.client_id)).current_versions.backend).toBe('sha-good');
      const current = await tdb.db.query<{ version: string }>(
        `SELECT version FROM deployment_history WHERE client_id = $1 AND component = 'backend' AND is_current`,
        [canary.client_id],
      );
      expect(current.rows).toEqual([{ version: 'sha-good' }]);
    });

    it('applies a release set as one Application write and one sync, and rolls a Degraded set back whole', async () => {
      const ci: Principal = { role: 'ci', name: 'ci' };
      const ids = await clients('fpset', 3, 'argo-set');
      // Each client on its own previous set (what the rollback must return it to).
      const before: Record<string, Record<string, string>> = {};
      for (const [i, id] of ids.entries()) {
        before[id] = { backend: `4.${i}.0`, media: `4.${i}.1`, ct: `3.${i}.0` };
        for (const [component, version] of Object.entries(before[id]!)) {
          await tdb.db.query(
            `INSERT INTO deployment_history (client_id, component, version, image_url, is_current, created_at)
             VALUES ($1, $2, $3, $4, true, $5)`,
            [
              id,
              component,
              version,
              `registry.wrktalk.com/${component}:${version}`,
              new Date(h.clock.ms() - 86_400_000),
            ],
          );
        }
        await tdb.db.query('UPDATE clients SET current_versions = $2::jsonb WHERE id = $1', [
          id,
          JSON.stringify(before[id]),
        ]);
      }
      const fake = await startFakeArgoCd(
        ids.map((id) =>
          argoApplication(app(id), {
            'backend.image.tag': before[id]!.backend!,
            'media.image.tag': before[id]!.media!,
            'ct.image.tag': before[id]!.ct!,
          }),
        ),
        { token: TOKEN, badTags: ['6.0.0-media'] },
      );
      fakes.push(fake);
      const w = fastWorker({ 'argo-set': fake });
      const release = async (component: string, version: string) =>
        (
          await h.services.releases.create(ci, {
            component,
            version,
            image_url: `registry.wrktalk.com/${component}:${version}`,
          })
        ).release.id;
      const d = await h.services.deployments.create(ADMIN, {
        release_ids: [
          await release('backend', '6.0.0'),
          await release('media', '6.0.0-media'),
          await release('ct', '6.0.0'),
        ],
        targets: { selector: 'suite=fpset' },
        approval: { required: false },
        strategy: {
          stages: [
            { kind: 'canary', count: 1, wait_seconds: 0 },
            { kind: 'batch', wait_seconds: 0 },
          ],
          canary_failure_threshold: { max_failures: 0 },
          max_attempts: 1,
        },
      });
      const rbId = await untilRollback(w);
      expect(rbId).toBeTruthy();
      await runUntilDone(w, [d.id, rbId!]);

      const canary = (await h.services.deployments.listTasks(d.id, {})).items.find((t) => t.stage === 0)!;
      const c = canary.client_id;
      // The set went to Argo CD as one spec write with every component, then one sync; back the same way.
      const puts = requestsOf(fake, c, 'PUT', '/spec').map((r) =>
        ['backend', 'media', 'ct'].map((k) => readHelmParameter(r.body as never, `${k}.image.tag`)),
      );
      expect(puts).toEqual([
        ['6.0.0', '6.0.0-media', '6.0.0'],
        [before[c]!.backend, before[c]!.media, before[c]!.ct],
      ]);
      expect(requestsOf(fake, c, 'POST', '/sync')).toHaveLength(2);
      expect(canary.last_message).toMatch(/Degraded/);
      expect((await h.services.deployments.get(d.id)).status).toBe('rolled_back');
      expect((await h.services.deployments.get(rbId!)).status).toBe('completed');
      // The canary runs its own previous set again; nothing past the canary was touched.
      expect((await h.services.clients.get(c)).current_versions).toEqual(before[c]);
      for (const id of ids.filter((x) => x !== c)) {
        expect(fake.requests.some((r) => r.path.startsWith(`/api/v1/applications/${app(id)}`))).toBe(false);
        expect((await h.services.clients.get(id)).current_versions).toEqual(before[id]);
      }
    });

    it('leaves clients on an unconfigured Argo CD instance to their agents', async () => {
      const served = await clients('fpmix-a', 2, 'argo-served', 'sha-1');
      const other = await clients('fpmix-b', 2, 'argo-elsewhere', 'sha-1');
      const fake = await fakeArgo(served, 'sha-1');
      const w = fastWorker({ 'argo-served': fake });
      const d = await h.deploy('sha-2', 'suite in (fpmix-a,fpmix-b)', {
        approval: { required: false },
        strategy: { stages: [{ kind: 'batch', wait_seconds: 0 }] },
      });
      for (let i = 0; i < 3; i++) {
        await w.tick();
        await w.argocd!.idle();
      }
      for (const id of served) expect((await h.taskOf(d, id)).status).toBe('success');
      // Still queued for their agents, and the fake never heard of them.
      for (const id of other) expect((await h.taskOf(d, id)).status).toBe('queued');
      expect(fake.requests.every((r) => served.some((id) => r.path.includes(app(id))))).toBe(true);
      expect((await h.services.deployments.get(d)).status).toBe('running');

      for (const id of other) {
        const offer = await h.services.agent.currentOffer(id);
        expect(offer.body.update).toMatchObject({ deployment_id: d, version: 'sha-2' });
        const u = offer.body.update!;
        await h.services.agent.report(agentOf(id), id, {
          task_id: u.task_id,
          attempt: u.attempt,
          status: 'success',
        });
      }
      await runUntilDone(w, [d]);
      expect((await h.services.deployments.get(d)).status).toBe('completed');
    });

    it('an agent and the worker racing for the same tasks: each task is taken exactly once', async () => {
      const ids = await clients('fprace', 8, 'argo-race', 'sha-r1');
      const fake = await fakeArgo(ids, 'sha-r1');
      const w = fastWorker({ 'argo-race': fake });
      const d = await h.deploy('sha-r2', 'suite=fprace', {
        approval: { required: false },
        strategy: { stages: [{ kind: 'batch', wait_seconds: 0 }], max_concurrency_per_instance: 20 },
      });
      // The harness's worker (no fast path) queues the tasks; then agents poll while the fast path claims.
      await h.tick(d);
      expect((await h.services.deployments.get(d)).task_counts).toMatchObject({ queued: 8 });
      const other = await tdb.openAnother();
      const agents = createServices({
        db: other,
        now: h.clock.now,
        components: new Set(['backend', 'media', 'ct']),
        leaseSeconds: 900,
        pollAfterSeconds: 30,
        invalidateLocal: () => {},
        orchestration: 'worker',
      });
      const offers = new Map<string, string | undefined>();
      await Promise.all([
        w.argocd!.pump(),
        ...ids.map(async (id) => {
          const offer = await agents.agent.currentOffer(id);
          offers.set(id, offer.body.update?.task_id);
        }),
      ]);
      await w.argocd!.idle();

      let byAgent = 0;
      let byGcc = 0;
      for (const id of ids) {
        const task = await h.taskOf(d, id);
        const agentGotIt = offers.get(id) === task.id;
        const gccApplied = requestsOf(fake, id, 'PUT', '/spec').length;
        // Exactly one of them took it.
        expect([agentGotIt, gccApplied === 1]).toContain(true);
        expect(agentGotIt && gccApplied > 0).toBe(false);
        expect(gccApplied).toBeLessThanOrEqual(1);
        if (agentGotIt) {
          byAgent++;
          expect(task.status).toBe('in_progress');
          // The GCC leaves it alone even when asked again.
          await w.argocd!.pump();
          await w.argocd!.idle();
          expect(requestsOf(fake, id, 'PUT', '/spec')).toHaveLength(0);
          await agents.agent.report(agentOf(id), id, { task_id: task.id, attempt: 1, status: 'success' });
        } else {
          byGcc++;
          expect(task.status).toBe('success');
        }
      }
      expect(byAgent + byGcc).toBe(8);
      const dispatched = await h.dispatches(d);
      expect(dispatched).toHaveLength(8);
      expect(new Set(dispatched.map((x) => x.task_id)).size).toBe(8);
      const successes = await tdb.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM task_reports r JOIN deployment_tasks t ON t.id = r.task_id
         WHERE t.deployment_id = $1 AND r.status = 'success'`,
        [d],
      );
      expect(successes.rows[0]!.n).toBe(8);
      await runUntilDone(w, [d]);
      expect((await h.services.deployments.get(d)).status).toBe('completed');
    });

    it('never offers an attempt the GCC holds to an agent, nor takes its report', async () => {
      const [id] = await clients('fphold', 1, 'argo-hold', 'sha-h1');
      const d = await h.deploy('sha-h2', 'suite=fphold', { approval: { required: false } });
      await h.tick(d);
      const task = await h.taskOf(d, id!);
      const claimed = await h.services.agent.claimForGcc(id!);
      expect(claimed).toMatchObject({ task_id: task.id, attempt: 1, version: 'sha-h2' });
      // A second claim (another worker) gets nothing; the agent is offered nothing.
      expect(await h.services.agent.claimForGcc(id!)).toBeNull();
      expect((await h.services.agent.currentOffer(id!)).body).toMatchObject({ available: false });
      await expect(
        h.services.agent.report(agentOf(id!), id!, { task_id: task.id, attempt: 1, status: 'success' }),
      ).rejects.toMatchObject({ code: 'illegal_transition' });
      const accepted = await h.services.agent.report(
        { role: 'agent', clientId: id!, name: 'gcc-argocd:argo-hold' },
        id!,
        { task_id: task.id, attempt: 1, status: 'success' },
        'gcc',
      );
      expect(accepted).toMatchObject({ task_status: 'success', duplicate: false });
    });

    it('retries the task of a worker that died after claiming it, once its lease runs out', async () => {
      const [id] = await clients('fpcrash', 1, 'argo-crash', 'sha-c1');
      const fake = await fakeArgo([id!], 'sha-c1');
      const d = await h.deploy('sha-c2', 'suite=fpcrash', {
        approval: { required: false },
        strategy: { stages: [{ kind: 'batch', wait_seconds: 0 }], lease_seconds: 120, max_attempts: 2 },
      });
      await h.tick(d);
      // A worker claims the task and dies before doing anything (SIGKILL): nothing reports it.
      const dead = new AgentService({
        db: tdb.db,
        now: h.clock.now,
        components: new Set(),
        leaseSeconds: 900,
        pollAfterSeconds: 30,
        invalidateLocal: () => {},
      });
      expect(await dead.claimForGcc(id!)).toMatchObject({ attempt: 1 });
      const w = fastWorker({ 'argo-crash': fake });
      await w.tick(d);
      await w.argocd!.idle();
      expect(fake.requests).toHaveLength(0); // still held by the dead worker's lease
      h.clock.advance(121 * SEC);
      await runUntilDone(w, [d]);
      expect((await h.services.deployments.get(d)).status).toBe('completed');
      expect((await h.dispatches(d)).map((x) => x.attempt)).toEqual([1, 2]);
      expect((await h.taskOf(d, id!)).status).toBe('success');
      expect(requestsOf(fake, id!, 'PUT', '/spec')).toHaveLength(1);
      const audit = (await h.services.audit.list({ deployment_id: d }, { limit: 200 })).items.map(
        (e) => e.action,
      );
      expect(audit).toContain('task.timed_out');
    });

    it('stops without reporting a task it is applying; the lease covers it', async () => {
      const [id] = await clients('fpstop', 1, 'argo-stop', 'sha-s1');
      // The app stays Progressing far longer than the stop grace.
      const fake = await fakeArgo([id!], 'sha-s1', { progressingPolls: 100_000 });
      const d = await h.deploy('sha-s2', 'suite=fpstop', { approval: { required: false } });
      const w = fastWorker({ 'argo-stop': fake }, { stopGraceMs: 50 });
      workers.pop();
      await w.tick(d);
      expect(w.argocd!.running).toBe(1);
      await vi.waitFor(() => expect(requestsOf(fake, id!, 'POST', '/sync')).toHaveLength(1), {
        timeout: 20_000,
      });
      await w.stop();
      expect(w.argocd!.running).toBe(0);
      const task = await h.taskOf(d, id!);
      expect(task.status).toBe('in_progress');
      expect(requestsOf(fake, id!, 'PUT', '/spec')).toHaveLength(1);
      const reports = await tdb.db.query<{ status: string }>(
        'SELECT status FROM task_reports WHERE task_id = $1',
        [task.id],
      );
      expect(reports.rows.map((r) => r.status)).toEqual(['in_progress']);
    });
  });
}
