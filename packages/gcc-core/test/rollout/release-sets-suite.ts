import { generateKeyPairSync } from 'node:crypto';
import { keyIdOf, signUpdate, trustedKeysOf, verifyUpdateSignature } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGccServiceError } from '../../src/errors/gcc-service-error';
import type { DatabaseFactory, TestDatabase } from '../helpers/databases';
import { ADMIN as ADMIN_TOKEN, startGcc } from '../helpers/servers';
import { ADMIN, createHarness, type Harness } from '../worker/harness';

const DAY = 86_400_000;
const CI = { role: 'ci', name: 'ci' } as const;
const agentOf = (clientId: string) => ({ role: 'agent', clientId, name: `agent-${clientId}` }) as const;
const approverOf = (clientId: string) => ({ role: 'approver', clientId, name: `ct-${clientId}` }) as const;
const SET = ['backend', 'media', 'ct'] as const;
type Versions = Partial<Record<(typeof SET)[number], string>>;

/**
 * Release sets (release trains) through the GCC's services under the rollout worker: the set is checked whole, each
 * client gets one task and one approval for all its components, an agent is offered the set as one signed update, a
 * success records every component, a failing client's set fails its stage, and a rollback returns each client's
 * whole set to its own previous versions. Written once, run on each database kind.
 */
export function defineReleaseSetSuite(name: string, factory: DatabaseFactory): void {
  describe(`release sets on ${name}`, () => {
    let tdb: TestDatabase;
    let h: Harness;
    const releases = new Map<string, string>();

    beforeAll(async () => {
      tdb = await factory();
      h = createHarness(tdb.db);
    });
    afterAll(async () => {
      await tdb?.dispose();
    });

    /** Registers `component` `version` (once) as CI does, in `registry`. */
    const release = async (component: string, version: string, registry = 'registry.wrktalk.com') => {
      const key = `${registry}/${component}:${version}`;
      const known = releases.get(key);
      if (known) return known;
      const r = await h.services.releases.create(CI, { component, version, image_url: key });
      releases.set(key, r.release.id);
      return r.release.id;
    };
    /** The set `{backend, media, ct}` at `version`, registered, as `release_ids`. */
    const train = async (version: string) => Promise.all(SET.map((c) => release(c, version)));
    /** Gives a client the versions an earlier deployment installed (history rows and current versions). */
    const installed = async (clientId: string, versions: Versions, daysAgo = 1) => {
      for (const [component, version] of Object.entries(versions)) {
        await tdb.db.query(
          'UPDATE deployment_history SET is_current = false WHERE client_id = $1 AND component = $2',
          [clientId, component],
        );
        await tdb.db.query(
          `INSERT INTO deployment_history (client_id, component, version, image_url, is_current, created_at)
           VALUES ($1, $2, $3, $4, true, $5)`,
          [
            clientId,
            component,
            version,
            `registry.wrktalk.com/${component}:${version}`,
            new Date(h.clock.ms() - daysAgo * DAY),
          ],
        );
        await tdb.db.query(
          `UPDATE clients SET current_versions = current_versions || jsonb_build_object($2::text, $3::text)
           WHERE id = $1`,
          [clientId, component, version],
        );
      }
    };
    const versionsOf = async (clientId: string) => (await h.services.clients.get(clientId)).current_versions;
    const problemOf = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => null,
        (error: unknown) => error,
      );
      if (!isGccServiceError(e)) throw new Error(`expected a GccServiceError, got ${String(e)}`);
      return e;
    };
    const deploymentCount = async () =>
      (await tdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM deployments')).rows[0]!.n;
    /** Ticks and runs the agents until the deployment leaves `running` (bounded). */
    const runToEnd = async (id: string, outcome: Parameters<Harness['runAgents']>[1] = () => 'success') => {
      for (let i = 0; i < 12; i++) {
        await h.tick(id);
        if ((await h.services.deployments.get(id)).status !== 'running') break;
        await h.runAgents(id, outcome);
      }
      return h.services.deployments.get(id);
    };

    it('one task and one approval per client for the whole set, showing every component from → to', async () => {
      const [a, b] = await h.clients('one', 2);
      await installed(a!, { backend: '4.9.0', media: '4.9.0', ct: '4.8.1' });
      await installed(b!, { backend: '4.8.0', media: '4.7.0' });
      const ids = await train('5.0.0');
      const d = await h.services.deployments.create(ADMIN, {
        release_ids: ids,
        targets: { selector: 'suite=one' },
      });
      expect(d).toMatchObject({ release_id: ids[0], component: 'backend', version: '5.0.0' });
      expect(d.components).toEqual(
        SET.map((component, i) => ({
          component,
          release_id: ids[i],
          version: '5.0.0',
          image_url: `registry.wrktalk.com/${component}:5.0.0`,
          image_digest: null,
        })),
      );
      expect(d.task_counts.pending_approval).toBe(2);

      const pending = await h.services.approvals.listPending(b!);
      expect(pending.items).toHaveLength(1);
      expect(pending.items[0]!.components).toEqual([
        {
          component: 'backend',
          version: '5.0.0',
          image_url: 'registry.wrktalk.com/backend:5.0.0',
          previous_version: '4.8.0',
        },
        {
          component: 'media',
          version: '5.0.0',
          image_url: 'registry.wrktalk.com/media:5.0.0',
          previous_version: '4.7.0',
        },
        // Never installed: nothing to return to.
        {
          component: 'ct',
          version: '5.0.0',
          image_url: 'registry.wrktalk.com/ct:5.0.0',
          previous_version: null,
        },
      ]);
      // One approval approves the set.
      await h.approve(a!, d.id);
      const tasks = await h.services.deployments.listTasks(d.id, { client_id: a! });
      expect(tasks.items[0]).toMatchObject({ status: 'approved', previous_version: '4.9.0' });
      expect(tasks.items[0]!.components.map((c) => [c.component, c.previous_version, c.version])).toEqual([
        ['backend', '4.9.0', '5.0.0'],
        ['media', '4.9.0', '5.0.0'],
        ['ct', '4.8.1', '5.0.0'],
      ]);
    });

    it('versions name the set by component → version, in the order given', async () => {
      await h.clients('byver', 1);
      await train('5.0.1');
      const d = await h.services.deployments.create(ADMIN, {
        versions: { ct: '5.0.1', backend: '5.0.1', media: '5.0.1' },
        targets: { selector: 'suite=byver' },
      });
      expect(d.components.map((c) => c.component)).toEqual(['ct', 'backend', 'media']);
      expect(d).toMatchObject({ component: 'ct', version: '5.0.1' });
    });

    it('refuses a bad set with every problem listed, and writes nothing', async () => {
      await h.clients('bad', 1);
      const [backend, media] = await train('5.1.0');
      const backendOld = await release('backend', '5.0.9');
      const mediaElsewhere = await release('media', '5.1.0-mirror', 'mirror.example.com');
      const before = await deploymentCount();

      const dup = await problemOf(
        h.services.deployments.create(ADMIN, {
          release_ids: [backend!, backendOld, media!, mediaElsewhere, 'rel-missing'],
          targets: { selector: 'suite=bad' },
        }),
      );
      expect(dup.code).toBe('invalid_release_set');
      expect(dup.status).toBe(422);
      expect(dup.errors).toEqual([
        { path: '/release_ids/1', message: expect.stringMatching(/backend is already in the set/) },
        { path: '/release_ids/3', message: expect.stringMatching(/media is already in the set/) },
        {
          path: '/release_ids/3',
          message: expect.stringMatching(
            /registry mirror\.example\.com but backend from registry\.wrktalk\.com/,
          ),
        },
        { path: '/release_ids/4', message: 'no release rel-missing' },
      ]);

      const unknown = await problemOf(
        h.services.deployments.create(ADMIN, {
          versions: { backend: '5.1.0', search: '1.0.0', media: '9.9.9' },
          targets: { selector: 'suite=bad' },
        }),
      );
      expect(unknown.code).toBe('invalid_release_set');
      expect(unknown.errors).toEqual([
        { path: '/versions/media', message: 'no release of media 9.9.9 is registered' },
        { path: '/versions/search', message: expect.stringMatching(/search is not managed by this GCC/) },
      ]);

      const both = await problemOf(
        h.services.deployments.create(ADMIN, {
          release_id: backend!,
          release_ids: [backend!],
          targets: { selector: 'suite=bad' },
        }),
      );
      expect(both).toMatchObject({ code: 'validation_failed', status: 400 });
      expect(both.errors?.[0]?.message).toMatch(/exactly one of release_id, release_ids or versions/);
      const none = await problemOf(
        h.services.deployments.create(ADMIN, { targets: { selector: 'suite=bad' } }),
      );
      expect(none).toMatchObject({ code: 'validation_failed', status: 400 });
      // The preview says the same and writes nothing either.
      const preview = await problemOf(
        h.services.deployments.preview({
          release_ids: [backend!, backendOld],
          targets: { selector: 'suite=bad' },
        }),
      );
      expect(preview.code).toBe('invalid_release_set');
      expect(await deploymentCount()).toBe(before);
    });

    it('over HTTP: a bad set is a problem+json 422 listing every problem, two names a 400, never a 500', async () => {
      const server = await startGcc(tdb.db, { orchestration: 'worker', worker: false, runNotifier: false });
      try {
        const [backend] = await train('5.1.0');
        const post = (body: unknown) =>
          fetch(`${server.url}/api/v1/deployments`, {
            method: 'POST',
            headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
        const bad = await post({
          release_ids: [backend, await release('backend', '5.0.9'), 'rel-nope'],
          targets: { selector: 'suite=bad' },
        });
        expect(bad.status).toBe(422);
        expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const problem = (await bad.json()) as { code: string; errors: { path: string }[] };
        expect(problem.code).toBe('invalid_release_set');
        expect(problem.errors.map((e) => e.path)).toEqual(['/release_ids/1', '/release_ids/2']);
        for (const body of [
          { release_id: backend, versions: { backend: '5.1.0' }, targets: { selector: 'suite=bad' } },
          { targets: { selector: 'suite=bad' } },
          { release_ids: [], targets: { selector: 'suite=bad' } },
          { release_ids: [backend, backend], targets: { selector: 'suite=bad' } },
          { versions: {}, targets: { selector: 'suite=bad' } },
          { versions: { 'Not A Component': '1.0.0' }, targets: { selector: 'suite=bad' } },
          { versions: { backend: 'not a tag!' }, targets: { selector: 'suite=bad' } },
        ]) {
          const r = await post(body);
          expect(r.status, JSON.stringify(body)).toBe(400);
          expect(((await r.json()) as { code: string }).code).toBe('validation_failed');
        }
      } finally {
        await server.close();
      }
    });

    it("auto-approves a set only when the client's preference covers every component of it", async () => {
      const [all, partial] = await h.clients('auto', 2);
      await h.services.clients.setAutoApprove(approverOf(all!), all!, { all: false, components: [...SET] });
      await h.services.clients.setAutoApprove(approverOf(partial!), partial!, {
        all: false,
        components: ['backend', 'media'],
      });
      const d = await h.services.deployments.create(ADMIN, {
        release_ids: await train('5.2.0'),
        targets: { selector: 'suite=auto' },
      });
      const byClient = Object.fromEntries(
        (await h.services.deployments.listTasks(d.id, {})).items.map((t) => [t.client_id, t]),
      );
      expect(byClient[all!]).toMatchObject({ approval_status: 'approved', approval_source: 'auto_policy' });
      expect(byClient[partial!]).toMatchObject({ approval_status: 'pending', status: 'pending_approval' });
    });

    it('offers the set as one update signed over every component, and a success records them all', async () => {
      const [c] = await h.clients('offer', 1);
      await installed(c!, { backend: '4.9.0', media: '4.9.0', ct: '4.9.0' });
      const keys = generateKeyPairSync('ed25519');
      const key = { privateKey: keys.privateKey, keyId: keyIdOf(keys.publicKey) };
      const d = await h.services.deployments.create(ADMIN, {
        release_ids: await train('5.3.0'),
        targets: { selector: 'suite=offer' },
        approval: { required: false },
        strategy: { stages: [{ kind: 'batch', wait_seconds: 0 }] },
      });
      await h.tick(d.id);
      const offer = await h.services.agent.currentOffer(c!);
      const update = offer.body.update!;
      expect(update.components).toEqual(
        SET.map((component) => ({
          component,
          version: '5.3.0',
          image_url: `registry.wrktalk.com/${component}:5.3.0`,
          image_digest: null,
          previous_version: '4.9.0',
          helm_parameter: `${component}.image.tag`,
        })),
      );
      // Signed over the whole set (v2): changing one component's version breaks the signature.
      update.signature = signUpdate(c!, update, key, update.lease_expires_at);
      const check = { clientId: c!, trustedKeys: trustedKeysOf([keys.publicKey]), now: h.clock.now() };
      expect(verifyUpdateSignature(update, check)).toMatchObject({ ok: true });
      const tampered = {
        ...update,
        components: update.components.map((x) => (x.component === 'media' ? { ...x, version: '6.6.6' } : x)),
      };
      expect(verifyUpdateSignature(tampered, check)).toMatchObject({ ok: false });

      await h.services.agent.report(agentOf(c!), c!, {
        task_id: update.task_id,
        attempt: update.attempt,
        status: 'success',
      });
      expect(await versionsOf(c!)).toEqual({ backend: '5.3.0', media: '5.3.0', ct: '5.3.0' });
      const hist = await tdb.db.query<{ component: string; version: string }>(
        `SELECT component, version FROM deployment_history WHERE client_id = $1 AND is_current ORDER BY component`,
        [c!],
      );
      expect(hist.rows).toEqual([
        { component: 'backend', version: '5.3.0' },
        { component: 'ct', version: '5.3.0' },
        { component: 'media', version: '5.3.0' },
      ]);
    });

    it("a canary client whose set fails stops the rollout and returns the canary's whole sets, each to its own previous versions", async () => {
      const ids = await h.clients('stage', 6);
      // Canary clients on different previous sets; one never released a ct before (skipped rather than half returned).
      await installed(ids[0]!, { backend: '4.9.0', media: '4.9.0', ct: '4.9.0' }, 3);
      await installed(ids[1]!, { backend: '4.7.0', media: '4.8.0', ct: '4.6.0' }, 3);
      await installed(ids[2]!, { backend: '4.9.0', media: '4.9.0' }, 3);
      for (const id of ids.slice(3))
        await installed(id, { backend: '4.9.0', media: '4.9.0', ct: '4.9.0' }, 3);
      for (const id of ids.slice(0, 3)) {
        await h.services.clients.update(ADMIN, id, { labels: { suite: 'stage', canary: 'true' } });
      }
      const d = await h.services.deployments.create(ADMIN, {
        release_ids: await train('5.4.0'),
        targets: { selector: 'suite=stage' },
        approval: { required: false },
        strategy: {
          stages: [
            { kind: 'canary', count: 3, wait_seconds: 0 },
            { kind: 'batch', wait_seconds: 0 },
          ],
          canary_label: 'canary=true',
          failure_threshold: { max_failures: 0 },
          on_failure: 'rollback',
          max_attempts: 1,
        },
      });
      // The first canary client's media never becomes healthy: its agent reverts its set locally and reports failed.
      const ran = await runToEnd(d.id, (id) => (id === ids[0] ? 'failed' : 'success'));
      expect(ran.status).toBe('rolling_back');
      // Nothing was released past the canary.
      const later = (await h.services.deployments.listTasks(d.id, {})).items.filter(
        (t) => !ids.slice(0, 3).includes(t.client_id),
      );
      expect(later.every((t) => t.status === 'cancelled')).toBe(true);
      for (const id of ids.slice(3)) expect((await versionsOf(id)).backend).toBe('4.9.0');

      const rb = await h.services.deployments.get(ran.rolled_back_by!);
      expect(rb).toMatchObject({ type: 'rollback', rollback_of: d.id });
      expect(rb.components.map((c) => c.component)).toEqual([...SET]);
      const rbTasks = (await h.services.deployments.listTasks(rb.id, {})).items;
      // The failed client is returned too (its agent reverted locally; the rollback makes sure), each to its own
      // previous set; the one without a previous ct is skipped rather than half returned.
      expect(rbTasks.map((t) => t.client_id)).toEqual([ids[0], ids[1]]);
      expect(rbTasks[0]!.components.map((c) => [c.component, c.version])).toEqual([
        ['backend', '4.9.0'],
        ['media', '4.9.0'],
        ['ct', '4.9.0'],
      ]);
      expect(rbTasks[1]!.components.map((c) => [c.component, c.previous_version, c.version])).toEqual([
        ['backend', '5.4.0', '4.7.0'],
        ['media', '5.4.0', '4.8.0'],
        ['ct', '5.4.0', '4.6.0'],
      ]);
      const offer = (
        await (async () => {
          await h.tick(rb.id);
          return h.services.agent.currentOffer(ids[1]!);
        })()
      ).body.update!;
      expect(offer.type).toBe('rollback');
      expect(offer.components.map((c) => `${c.component}=${c.version}`)).toEqual([
        'backend=4.7.0',
        'media=4.8.0',
        'ct=4.6.0',
      ]);
      // That agent applies the set it was offered (it holds the task now); the others run theirs.
      await h.services.agent.report(agentOf(ids[1]!), ids[1]!, {
        task_id: offer.task_id,
        attempt: offer.attempt,
        status: 'success',
      });
      const end = await runToEnd(rb.id);
      expect(end.status).toBe('completed');
      expect(await versionsOf(ids[1]!)).toEqual({ backend: '4.7.0', media: '4.8.0', ct: '4.6.0' });
      // The skipped client keeps what it runs, and the original ends rolled back.
      expect(await versionsOf(ids[2]!)).toEqual({ backend: '5.4.0', media: '5.4.0', ct: '5.4.0' });
      expect((await h.services.deployments.get(d.id)).status).toBe('rolled_back');
    });

    it("an admin's rollback of a completed set returns clients on different previous sets to their own", async () => {
      const [a, b] = await h.clients('manual', 2);
      await installed(a!, { backend: '4.1.0', media: '4.1.0', ct: '4.1.0' }, 5);
      await installed(b!, { backend: '4.3.0', media: '4.2.0', ct: '4.0.0' }, 5);
      await train('5.5.0');
      const d = await h.services.deployments.create(ADMIN, {
        versions: { backend: '5.5.0', media: '5.5.0', ct: '5.5.0' },
        targets: { selector: 'suite=manual' },
        approval: { required: false },
        strategy: { stages: [{ kind: 'batch', wait_seconds: 0 }] },
      });
      expect((await runToEnd(d.id)).status).toBe('completed');
      const rb = await h.services.deployments.rollback(ADMIN, d.id, {
        scope: 'deployment',
        reason: 'latency',
      });
      expect((await runToEnd(rb.id)).status).toBe('completed');
      expect(await versionsOf(a!)).toEqual({ backend: '4.1.0', media: '4.1.0', ct: '4.1.0' });
      expect(await versionsOf(b!)).toEqual({ backend: '4.3.0', media: '4.2.0', ct: '4.0.0' });
    });
  });
}
