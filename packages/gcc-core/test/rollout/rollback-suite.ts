import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { isGccServiceError } from '../../src/errors/gcc-service-error';
import type { NotificationEvent } from '../../src/notifications/events';
import { listOutbox } from '../../src/notifications/outbox';
import { renderEmail } from '../../src/notifications/render';
import type { DatabaseFactory, TestDatabase } from '../helpers/databases';
import { ADMIN, createHarness, type Harness, stageStarts } from '../worker/harness';

const DAY = 86_400_000;

/** Fan-out events of the outbox about `deploymentId` (as the deployment or as the one a rollback rolls back). */
async function eventsOf(db: Database, deploymentId: string): Promise<NotificationEvent[]> {
  const rows = await listOutbox(db, { channel: 'fanout' });
  return rows
    .map((r) => r.payload)
    .filter((e) => e.deploymentId === deploymentId || ('rollbackOf' in e && e.rollbackOf === deploymentId));
}

/**
 * Rollbacks, manual and automatic, as one code path under the rollout worker: a failing rollback pauses (never a
 * rollback of a rollback), every client returns to its own previous version (the planner's `planRollback`), a
 * partial rollback is recorded and announced as partial, and a rollback is never announced as a completed
 * deployment. Written once, run on each database kind.
 */
export function defineRollbackSuite(name: string, factory: DatabaseFactory): void {
  describe(`rollbacks on ${name}`, () => {
    let tdb: TestDatabase;
    let h: Harness;

    beforeAll(async () => {
      tdb = await factory();
      h = createHarness(tdb.db);
    });
    afterAll(async () => {
      await tdb?.dispose();
    });

    /** Gives a client a history of versions, oldest first, installed days apart before now. */
    const history = async (clientId: string, versions: string[]) => {
      for (const [i, version] of versions.entries()) {
        await tdb.db.query(
          `UPDATE deployment_history SET is_current = false WHERE client_id = $1 AND component = 'backend'`,
          [clientId],
        );
        await tdb.db.query(
          `INSERT INTO deployment_history (client_id, component, version, image_url, is_current, created_at)
           VALUES ($1, 'backend', $2, $3, true, $4)`,
          [
            clientId,
            version,
            `registry.wrktalk.com/backend:${version}`,
            new Date(h.clock.ms() - (versions.length - i) * DAY),
          ],
        );
        await tdb.db.query(
          `UPDATE clients SET current_versions = current_versions || jsonb_build_object('backend', $2::text)
           WHERE id = $1`,
          [clientId, version],
        );
      }
    };
    const current = async (ids: readonly string[]) => {
      const out: Record<string, string | undefined> = {};
      for (const id of ids) out[id] = (await h.services.clients.get(id)).current_versions.backend;
      return out;
    };
    /** Ticks and runs the agents until the deployment leaves `running` (bounded). */
    const runToEnd = async (id: string, outcome: Parameters<Harness['runAgents']>[1] = () => 'success') => {
      for (let i = 0; i < 10; i++) {
        await h.tick(id);
        if ((await h.services.deployments.get(id)).status !== 'running') break;
        await h.runAgents(id, outcome);
      }
      return h.services.deployments.get(id);
    };
    const rollbacksOf = async (ids: readonly string[]) => {
      const r = await tdb.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM deployments WHERE type = 'rollback' AND rollback_of = ANY($1::text[])`,
        [ids],
      );
      return r.rows[0]!.n;
    };

    it("an admin's rollback whose tasks fail pauses for an admin and never rolls itself back", async () => {
      const ids = await h.clients('mfail', 3);
      await h.seedHistory(Object.fromEntries(ids.map((id) => [id, 'v1'])));
      // The update itself rolls back on failure (the default): the rollback must not inherit that.
      const d = await h.deploy('v2-mfail', 'suite=mfail', {
        approval: { required: false },
        strategy: { stages: [{ kind: 'batch', wait_seconds: 0 }], max_attempts: 1 },
      });
      expect((await runToEnd(d)).status).toBe('completed');

      const rb = await h.services.deployments.rollback(ADMIN, d, { scope: 'deployment', reason: 'latency' });
      expect(rb).toMatchObject({ type: 'rollback', rollback_of: d, rollback_scope: 'deployment' });
      expect(rb.strategy.on_failure).toBe('pause');
      await h.tick(rb.id);
      expect(await h.runAgents(rb.id, () => 'failed')).toHaveLength(3);
      await h.tick(rb.id);

      const paused = await h.services.deployments.get(rb.id);
      expect(paused.status).toBe('paused');
      expect(paused.status_reason).toMatch(/crossed its failure threshold/);
      expect(paused.stages[0]).toMatchObject({ status: 'failed' });
      const stage = await tdb.db.query<{ failure_reason: string | null }>(
        'SELECT failure_reason FROM deployment_stages WHERE deployment_id = $1 AND stage_index = 0',
        [rb.id],
      );
      expect(stage.rows[0]!.failure_reason).toMatch(/crossed its failure threshold/);
      // One rollback, none of the rollback; the original waits for it.
      expect(await rollbacksOf([d, rb.id])).toBe(1);
      expect((await h.services.deployments.get(d)).status).toBe('rolling_back');
      // The operator is told the rollback paused, as a rollback.
      const failed = (await eventsOf(tdb.db, rb.id)).filter((e) => e.type === 'stage_failed');
      expect(failed).toMatchObject([
        { deploymentId: rb.id, deploymentType: 'rollback', rollbackOf: d, action: 'paused', failed: 3 },
      ]);
      expect(renderEmail(failed[0]!).subject).toBe(
        '[WrkTalk] Rollback of backend v2-mfail paused: wave 1 failed',
      );

      // Rolling back the rollback is refused with what to do instead.
      const refused = await h.services.deployments.rollback(ADMIN, rb.id, {}).catch((e: unknown) => e);
      expect(isGccServiceError(refused) && refused.status).toBe(409);
      expect(refused).toMatchObject({ code: 'illegal_transition', detail: expect.stringMatching(/deploy/) });

      // The admin accepts the failed wave: the rollback ends failed, and so does the original, with the reason.
      await h.services.deployments.control(ADMIN, rb.id, 'resume');
      await h.tick(rb.id);
      expect((await h.services.deployments.get(rb.id)).status).not.toBe('running');
      const original = await h.services.deployments.get(d);
      expect(original).toMatchObject({
        status: 'failed',
        rolled_back_by: rb.id,
        rollback_scope: 'deployment',
      });
      expect(original.status_reason).toMatch(new RegExp(`rollback ${rb.id}.*3 failed`));
      expect(await rollbacksOf([d, rb.id])).toBe(1);
      const finished = (await eventsOf(tdb.db, d)).filter((e) => e.type === 'rollback_finished');
      expect(finished).toMatchObject([{ deploymentId: rb.id, status: 'failed', succeeded: 0, failed: 3 }]);
    });

    it('manual and automatic rollbacks return each client to its own previous version', async () => {
      // A was on v1, B on v2; C already ran v3 (a pilot) when the deployment reached it: its previous version is
      // v1, never the bad v3 its latest history row names.
      const seed = async (prefix: string) => {
        const [a, b, c] = await h.clients(prefix, 3);
        await history(a!, ['v0', 'v1']);
        await history(b!, ['v1', 'v2']);
        await history(c!, ['v1', 'v3']);
        return [a!, b!, c!];
      };
      const want = (ids: string[]) => ({ [ids[0]!]: 'v1', [ids[1]!]: 'v2', [ids[2]!]: 'v1' });

      // Manual: the admin rolls a completed deployment back.
      const man = await seed('own');
      const d = await h.deploy('v3', 'suite=own', {
        approval: { required: false },
        strategy: { stages: [{ kind: 'batch', wait_seconds: 0 }] },
      });
      expect((await runToEnd(d)).status).toBe('completed');
      expect(Object.values(await current(man))).toEqual(['v3', 'v3', 'v3']);
      const rb = await h.services.deployments.rollback(ADMIN, d, { scope: 'deployment' });
      const tasks = (await h.services.deployments.listTasks(rb.id, {})).items;
      expect(Object.fromEntries(tasks.map((t) => [t.client_id, t.version]))).toEqual(want(man));
      expect(tasks.map((t) => t.image_url)).toEqual(
        man.map((id) => `registry.wrktalk.com/backend:${want(man)[id]}`),
      );
      expect((await runToEnd(rb.id)).status).toBe('completed');
      expect(await current(man)).toEqual(want(man));
      expect((await h.services.deployments.get(d)).status).toBe('rolled_back');

      // Automatic: the canary (all three) crosses its threshold.
      const auto = await seed('owna');
      const e = await h.deploy('v3', 'suite=owna', {
        approval: { required: false },
        strategy: { stages: [{ kind: 'canary', count: 3, wait_seconds: 0 }], max_attempts: 1 },
      });
      expect(stageStarts(await h.tick(e))).toEqual([[0, 3]]);
      await h.runAgents(e, (c) => (c === auto[1] ? 'failed' : 'success'));
      const results = await h.tick(e);
      const auto_rb = results[0]!.rollbackId!;
      expect(auto_rb).toBeTruthy();
      const autoTasks = (await h.services.deployments.listTasks(auto_rb, {})).items;
      expect(Object.fromEntries(autoTasks.map((t) => [t.client_id, t.version]))).toEqual(want(auto));
      expect(await h.services.deployments.get(auto_rb)).toMatchObject({
        rollback_scope: 'failed_stage',
        created_by: 'system',
      });
      expect((await runToEnd(auto_rb)).status).toBe('completed');
      expect(await current(auto)).toEqual(want(auto));
    });

    it('a failed_stage rollback is partial: the other stages keep the new version, both deployments say so', async () => {
      const ids = await h.clients('part', 6);
      await h.seedHistory(Object.fromEntries(ids.map((id) => [id, 'v1'])));
      const d = await h.deploy('v2-part', 'suite=part', {
        approval: { required: false },
        strategy: {
          stages: [
            { kind: 'canary', count: 2, wait_seconds: 0 },
            { kind: 'batch', count: 2, wait_seconds: 0 },
            { kind: 'batch', wait_seconds: 0 },
          ],
          max_attempts: 1,
          on_failure: 'pause',
        },
      });
      expect(stageStarts(await h.tick(d))).toEqual([[0, 2]]);
      const canary = (await h.runAgents(d)).sort();
      expect(stageStarts(await h.tick(d))).toEqual([[1, 2]]);
      const stage1 = (
        await h.runAgents(d, (c) => (c === ids[2] || c === ids[3] ? 'failed' : 'success'))
      ).sort();
      await h.tick(d);
      expect((await h.services.deployments.get(d)).status).toBe('paused');

      const rb = await h.services.deployments.rollback(ADMIN, d, {});
      expect(rb.rollback_scope).toBe('failed_stage');
      const rbClients = (await h.services.deployments.listTasks(rb.id, {})).items.map((t) => t.client_id);
      expect(rbClients).toEqual(stage1);
      expect((await runToEnd(rb.id)).status).toBe('completed');

      const original = await h.services.deployments.get(d);
      expect(original).toMatchObject({
        status: 'rolled_back',
        rollback_scope: 'failed_stage',
        rolled_back_by: rb.id,
      });
      expect(await h.services.deployments.get(rb.id)).toMatchObject({
        rollback_of: d,
        rollback_scope: 'failed_stage',
      });
      // The canary clients keep v2 and their tasks stay `success`; stage 1 is back on v1.
      for (const id of canary) {
        expect((await h.taskOf(d, id)).status).toBe('success');
        expect((await current([id]))[id]).toBe('v2-part');
      }
      for (const id of stage1) {
        expect((await h.taskOf(d, id)).status).toBe('rolled_back');
        expect((await current([id]))[id]).toBe('v1');
      }
      expect(original.task_counts).toMatchObject({ success: 2, rolled_back: 2, cancelled: 2 });
      const finished = (await eventsOf(tdb.db, d)).find((e) => e.type === 'rollback_finished');
      expect(finished).toMatchObject({ scope: 'failed_stage', partial: true, keptNewVersion: 2 });
    });

    it('a rollback is announced as rollback_started/rollback_finished (partial), never as a completed deployment', async () => {
      const ids = await h.clients('note', 4);
      await h.seedHistory(Object.fromEntries(ids.map((id) => [id, 'v1'])));
      const d = await h.deploy('v2-note', 'suite=note', {
        approval: { required: false },
        strategy: {
          stages: [
            { kind: 'canary', count: 2, wait_seconds: 0 },
            { kind: 'batch', wait_seconds: 0 },
          ],
          max_attempts: 1,
        },
      });
      expect(stageStarts(await h.tick(d))).toEqual([[0, 2]]);
      await h.runAgents(d);
      expect(stageStarts(await h.tick(d))).toEqual([[1, 2]]);
      await h.runAgents(d, (c) => (c === ids[2] || c === ids[3] ? 'failed' : 'success'));
      const rbId = (await h.tick(d))[0]!.rollbackId!;
      expect(rbId).toBeTruthy();
      expect((await runToEnd(rbId)).status).toBe('completed');
      expect((await h.services.deployments.get(d)).status).toBe('rolled_back');

      const events = await eventsOf(tdb.db, d);
      const ofRollback = events.filter((e) => e.deploymentId === rbId);
      expect(ofRollback.map((e) => e.type)).toEqual(['rollback_started', 'rollback_finished']);
      expect(ofRollback[0]).toMatchObject({
        deploymentType: 'rollback',
        rollbackOf: d,
        scope: 'failed_stage',
        stage: 1,
        partial: true,
        keptNewVersion: 2,
        clientIds: [ids[2], ids[3]],
        skippedClientIds: [],
        by: 'system',
      });
      const finished = ofRollback[1]!;
      expect(finished).toEqual({
        type: 'rollback_finished',
        deploymentId: rbId,
        deploymentType: 'rollback',
        rollbackOf: d,
        component: 'backend',
        version: 'v2-note',
        status: 'completed',
        scope: 'failed_stage',
        partial: true,
        keptNewVersion: 2,
        succeeded: 2,
        failed: 0,
        skipped: 0,
      });
      const mail = renderEmail(finished);
      expect(mail.subject).toBe('[WrkTalk] Partial rollback of backend v2-note completed');
      expect(mail.text).toContain(`Partial: 2 clients of ${d} still run v2-note`);
      // The update's own events say they are about an update.
      expect(events.filter((e) => e.type === 'stage_completed')).toMatchObject([
        { deploymentId: d, deploymentType: 'update', rollbackOf: null, stage: 0 },
      ]);
      expect(events.some((e) => e.type === 'deployment_completed')).toBe(false);
    });
  });
}
