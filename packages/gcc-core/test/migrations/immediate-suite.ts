import { immediateStrategy } from '@wrktalk/rollout-planner';
import { effectiveStrategy } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestMigrationVersion, migrate } from '../../src/migrate';
import type { TestDatabase } from '../helpers/databases';
import { ADMIN, createHarness, type Harness } from '../worker/harness';

/** The schema before `immediate` became a strategy (migration 009). */
const BEFORE = 8;

/**
 * Upgrade rehearsal: deployments stored under the old `immediate` orchestration (tasks queued at approval, no
 * stages) are converted by migration 009 to the immediate strategy run by the rollout worker, and the worker takes
 * them to the end. Written once, run on each database kind.
 */
export function defineImmediateMigrationSuite(
  name: string,
  open: (target: number) => Promise<TestDatabase>,
): void {
  describe(`migration 009 (immediate as a strategy) on ${name}`, () => {
    let tdb: TestDatabase;
    let h: Harness;
    let running: string;
    let finished: string;
    const [c1, c2, c3, c4] = ['mig-001', 'mig-002', 'mig-003', 'mig-004'];

    beforeAll(async () => {
      tdb = await open(BEFORE);
      h = createHarness(tdb.db);
      await h.clients('mig', 4);
      await h.seedHistory({ [c1!]: 'v0', [c2!]: 'v0', [c3!]: 'v0', [c4!]: 'v0' });
      // Releases as schema 8 stores them (SQL: today's service writes columns of later migrations).
      for (const v of ['v1', 'v0b']) {
        await tdb.db.query(
          `INSERT INTO releases (id, component, version, image_url, created_at, created_by)
           VALUES ($1, 'backend', $2, $3, $4, 'ci:ci')`,
          [`rel-mig-${v}`, v, `registry.wrktalk.com/backend:${v}`, h.clock.now()],
        );
      }
      // Today's service creates the deployments, and it reads and writes what migrations 012 and 013 add
      // (auto-approve policies, a task's approval policy, release sets): lent for the seeding, removed before the
      // real upgrade below (which fills in each stored deployment's set from its release).
      await tdb.db.query(
        `CREATE TABLE auto_approve_policies (id text PRIMARY KEY, components text[], label_selector text,
                                             description text, created_by text NOT NULL, created_at timestamptz NOT NULL);
         ALTER TABLE deployment_tasks ADD COLUMN approval_policy text;
         ALTER TABLE deployments ADD COLUMN components jsonb;
         ALTER TABLE deployment_tasks ADD COLUMN components jsonb`,
      );
      const deploy = async (v: string, targets: { selector?: string; client_ids?: string[] }) =>
        (await h.services.deployments.create(ADMIN, { release_id: `rel-mig-${v}`, targets })).id;
      // What an `immediate` GCC stored: the (unused) default strategy, tasks queued the moment they were approved.
      running = await deploy('v1', { selector: 'suite=mig' });
      finished = await deploy('v0b', { client_ids: [c1!] });
      const old = JSON.stringify(effectiveStrategy(undefined));
      const at = h.clock.now();
      await tdb.db.query(
        `UPDATE deployments SET orchestration = 'immediate', strategy = $2::jsonb WHERE id = ANY($1::text[])`,
        [[running, finished], old],
      );
      const set = (d: string, c: string, status: string, attempt: number) =>
        tdb.db.query(
          `UPDATE deployment_tasks SET status = $3, attempt = $4, approval_status = 'approved',
                  approval_source = 'client', approved_at = $5,
                  queued_at = CASE WHEN $4 > 0 THEN $5::timestamptz END,
                  lease_expires_at = CASE WHEN $3 = 'in_progress' THEN $5::timestamptz + interval '15 minutes' END,
                  finished_at = CASE WHEN $3 = 'success' THEN $5::timestamptz END
           WHERE deployment_id = $1 AND client_id = $2`,
          [d, c, status, attempt, at],
        );
      await set(running, c1!, 'success', 1);
      await set(running, c2!, 'in_progress', 1);
      await set(running, c3!, 'approved', 0);
      await set(finished, c1!, 'success', 1);
      await tdb.db.query(`UPDATE deployments SET status = 'completed', finished_at = $2 WHERE id = $1`, [
        finished,
        at,
      ]);
      await tdb.db.query(
        `DROP TABLE auto_approve_policies; ALTER TABLE deployment_tasks DROP COLUMN approval_policy;
         ALTER TABLE deployments DROP COLUMN components; ALTER TABLE deployment_tasks DROP COLUMN components`,
      );
      await migrate(tdb.db);
    }, 120_000);
    afterAll(async () => {
      await tdb?.dispose();
    });

    it('gives the stored deployments the immediate strategy, as the planner defines it', async () => {
      const expected = effectiveStrategy(undefined, { base: immediateStrategy });
      for (const id of [running, finished]) {
        const d = await h.services.deployments.get(id);
        expect(d.strategy).toMatchObject({
          stages: expected.stages,
          failure_threshold: expected.failure_threshold,
          on_failure: expected.on_failure,
          max_attempts: expected.max_attempts,
          stage_fill_seconds: expected.stage_fill_seconds,
          join_running_stage: expected.join_running_stage,
        });
      }
      const r = await tdb.db.query<{ orchestration: string; n: number }>(
        'SELECT orchestration, count(*)::int AS n FROM deployments GROUP BY 1',
      );
      expect(r.rows).toEqual([{ orchestration: 'worker', n: 2 }]);
      expect(latestMigrationVersion()).toBeGreaterThan(BEFORE);
    });

    it('gives every stored deployment its one-release set (migration 013)', async () => {
      const d = await h.services.deployments.get(running);
      expect(d.components).toEqual([
        {
          component: 'backend',
          release_id: 'rel-mig-v1',
          version: 'v1',
          image_url: 'registry.wrktalk.com/backend:v1',
          image_digest: null,
        },
      ]);
      const [task] = (await h.services.deployments.listTasks(running, { client_id: c1! })).items;
      expect(task!.components).toEqual([
        {
          component: 'backend',
          version: 'v1',
          image_url: 'registry.wrktalk.com/backend:v1',
          previous_version: 'v0',
        },
      ]);
    });

    it('places the tasks already released in stage 0: running for a running deployment, finished for an ended one', async () => {
      expect((await h.taskOf(running, c1!)).stage).toBe(0);
      expect((await h.taskOf(running, c2!)).stage).toBe(0);
      expect((await h.taskOf(running, c3!)).stage).toBeNull();
      const live = await h.services.deployments.get(running);
      expect(live.stages[0]).toMatchObject({ index: 0, kind: 'batch', status: 'running' });
      const ended = await h.services.deployments.get(finished);
      expect(ended.stages[0]).toMatchObject({ index: 0, kind: 'batch' });
      expect(ended.stages[0]!.finished_at).not.toBeNull();
    });

    it('the worker takes the converted deployment to the end: late approvals join the running stage', async () => {
      await h.tick(running);
      expect(await h.taskOf(running, c3!)).toMatchObject({ status: 'queued', stage: 0 });
      await h.approve(c4!, running);
      await h.tick(running);
      expect(await h.taskOf(running, c4!)).toMatchObject({ status: 'queued', stage: 0 });
      const t2 = await h.taskOf(running, c2!);
      await h.services.agent.report({ role: 'agent', clientId: c2!, name: 'a' }, c2!, {
        task_id: t2.id,
        attempt: 1,
        status: 'success',
      });
      await h.runAgents(running);
      await h.tick(running);
      const d = await h.services.deployments.get(running);
      expect(d.status).toBe('completed');
      expect(d.task_counts.success).toBe(4);
    });

    it('refuses a deployment row that still says `immediate`', async () => {
      await expect(
        tdb.db.query(`UPDATE deployments SET orchestration = 'immediate' WHERE id = $1`, [finished]),
      ).rejects.toThrow(/deployments_orchestration_check/);
    });
  });
}
